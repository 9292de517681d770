"""What is pushed, when, and once: robot bodies, quiet hours, the digest, the lease."""
import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import time
import urllib.parse

import pytest
import sqlalchemy as sa

from notifications import channels
from notifications.domain import messages, schedule
from notifications.handlers import deliveries
from notifications.handlers.policy import policy_in_force
from notifications.models import Delivery, TodoItem
from wuji_infra.errors import Conflict

WEBHOOK = channels.ChannelSettings(webhook_url="http://127.0.0.1:9/robot/send?key=k")
BOTH = dataclasses.replace(WEBHOOK, smtp_url="smtp://127.0.0.1:9", email_to=("office@example.org",))


@pytest.fixture(autouse=True)
def china_time(monkeypatch):
    monkeypatch.setenv("TZ", "CST-8")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(hour, minute=0, day=7):
    """A moment given in the office's time (UTC+8)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.timezone.utc)


# -- the robots' bodies ------------------------------------------------------------------

def test_an_item_goes_as_the_text_both_robots_take():
    assert messages.robot_body("wecom", "t", "请尽快安排看望") == {"msgtype": "text", "text": {"content": "请尽快安排看望"}}
    assert messages.robot_body("dingtalk", "t", "请尽快安排看望") == {"msgtype": "text", "text": {"content": "请尽快安排看望"}}


def test_a_digest_goes_as_each_robots_markdown():
    assert messages.robot_body("wecom", "汇总", "### 今日", markdown=True) == {
        "msgtype": "markdown", "markdown": {"content": "### 今日"}}
    assert messages.robot_body("dingtalk", "汇总", "### 今日", markdown=True) == {
        "msgtype": "markdown", "markdown": {"title": "汇总", "text": "### 今日"}}


def test_a_text_over_the_robots_size_is_cut_not_refused():
    content = messages.robot_body("wecom", "t", "探" * 1000)["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048 and content.endswith("……")
    assert messages.robot_body("dingtalk", "t", "探" * 1000)["text"]["content"] == "探" * 1000


def test_dingtalk_signature_is_its_documented_hmac():
    url = messages.dingtalk_signed("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc", 1700000000000)
    # base64(HMAC-SHA256(key="SECabc", "1700000000000\nSECabc")), URL-encoded
    expected = urllib.parse.quote_plus(base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc",
                                                                 hashlib.sha256).digest()))
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign={expected}"


def test_the_kind_comes_from_the_host_unless_set():
    assert channels.ChannelSettings(webhook_url="https://oapi.dingtalk.com/robot/send?access_token=x").kind == "dingtalk"
    assert channels.ChannelSettings(webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x").kind == "wecom"
    assert channels.ChannelSettings(webhook_url="http://proxy.local/send", webhook_kind="dingtalk").kind == "dingtalk"


def test_settings_from_the_environment_refuse_what_cannot_work(monkeypatch):
    monkeypatch.setenv("SMTP_URL", "http://mail.example.org")
    with pytest.raises(ValueError, match="SMTP_URL"):
        channels.settings_from_env()
    monkeypatch.setenv("SMTP_URL", "smtp://u:p@mail.example.org:587")
    monkeypatch.setenv("NOTIFY_EMAIL_TO", "a@example.org, b@example.org")
    monkeypatch.setenv("NOTIFY_RETRY_SECONDS", "1,2")
    settings = channels.settings_from_env()
    assert (settings.email_to, settings.retry_seconds, channels.configured(settings)) == (
        ("a@example.org", "b@example.org"), (1, 2), ("email",))
    monkeypatch.setenv("NOTIFY_RETRY_SECONDS", "soon")
    with pytest.raises(ValueError, match="NOTIFY_RETRY_SECONDS"):
        channels.settings_from_env()


def test_the_admins_channels_stand_over_the_environments():
    active = channels.in_force(WEBHOOK, {"webhook_url": None, "webhook_kind": None, "email_to": ["x@example.org"]})
    assert active.webhook_url == WEBHOOK.webhook_url and active.email_to == ("x@example.org",)


def test_the_same_delivery_is_the_same_message_id():
    first = messages.email("t", "正文", sender="wuji@h", recipients=("a@h",), key="item:12", host="h")
    again = messages.email("t", "正文", sender="wuji@h", recipients=("a@h",), key="item:12", host="h")
    assert first["Message-ID"] == again["Message-ID"] == "<item.12.wuji@h>"


# -- when ---------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, expected", [
    (at(20, 59), at(20, 59)),           # before they start
    (at(21, 0), at(7, 30, day=8)),      # at the start: the next morning
    (at(23, 45), at(7, 30, day=8)),
    (at(3, 0), at(7, 30)),              # after midnight: this morning
    (at(7, 30), at(7, 30)),             # over
])
def test_quiet_hours_across_midnight(moment, expected):
    assert schedule.quiet_until(moment, {"start": "21:00", "end": "07:30"}) == expected


def test_quiet_hours_within_a_day_and_none():
    assert schedule.quiet_until(at(12, 30), {"start": "12:00", "end": "14:00"}) == at(14, 0)
    assert schedule.quiet_until(at(23, 0), None) == at(23, 0)


def test_retries_wait_then_give_up():
    now = at(10)
    assert schedule.next_attempt(now, 1, (30, 120)) == now + dt.timedelta(seconds=30)
    assert schedule.next_attempt(now, 2, (30, 120)) == now + dt.timedelta(seconds=120)
    assert schedule.next_attempt(now, 3, (30, 120)) is None


# -- queued once ----------------------------------------------------------------------------

def item(store, kind="visit_overdue", title="走访任务 #3：看望张三，已逾期", created=None):
    with store.transaction() as tx:
        row = TodoItem(key=f"{kind}:{title}", kind=kind, subject="visit_task:3", title=title,
                       created_at=created or at(9))
        tx.session.add(row)
        tx.session.flush()
        return row.id


def rows(store):
    with store.read() as session:
        return session.execute(sa.select(Delivery.__table__).order_by(Delivery.id)).all()


def push(store, item_id, settings=BOTH, now=None):
    with store.transaction() as tx:
        row = tx.session.get(TodoItem, item_id)
        return deliveries.push_item(tx, row, policy_in_force(tx.session), settings, now=now or at(10))


def test_an_immediate_item_is_queued_once_per_channel(store):
    item_id = item(store)
    assert len(push(store, item_id)) == 2
    assert push(store, item_id) == []
    assert [(r.channel, r.key, r.status) for r in rows(store)] == [("webhook", f"item:{item_id}", "pending"),
                                                                  ("email", f"item:{item_id}", "pending")]
    assert rows(store)[0].text.startswith("【五基·走访任务已逾期】")


def test_a_digest_kind_and_no_channel_queue_nothing(store):
    assert push(store, item(store, kind="visit_due_soon")) == []
    assert push(store, item(store, title="另一项"), settings=channels.ChannelSettings()) == []


def test_at_night_an_immediate_push_waits_for_the_morning(store):
    push(store, item(store), now=at(23))
    assert {r.next_attempt_at for r in rows(store)} == {at(7, 30, day=8)}


def digest(store, now):
    with store.transaction() as tx:
        return deliveries.queue_digest(tx, policy_in_force(tx.session), WEBHOOK, now=now)


def test_the_digest_once_a_day_from_its_hour(store):
    item(store, kind="visit_due_soon", title="走访任务 #4：看望李四，明天到期")
    item(store, kind="import_finished", title="名册导入完成")  # not pushed: not in the digest
    assert digest(store, at(7, 59)) == []
    [made] = digest(store, at(8, 0))
    assert digest(store, at(9, 0)) == []
    assert made.key == "digest:2026-12-07"
    assert "走访任务明日到期：1 项" in made.text and "看望李四" in made.text and "名册导入" not in made.text


def test_no_digest_on_a_day_with_nothing_to_say(store):
    assert digest(store, at(8, 0)) == []


def test_the_test_message_needs_a_channel(store):
    with store.transaction() as tx, pytest.raises(Conflict):
        deliveries.send_test(tx, channels.ChannelSettings(), now=at(10), actor="admin")
    with store.transaction() as tx:
        [made] = deliveries.send_test(tx, WEBHOOK, now=at(10), actor="admin")
    assert made["key"].startswith("test:") and made["status"] == "pending"


def test_of_two_senders_one_takes_a_due_push(store):
    push(store, item(store), settings=WEBHOOK)
    first = deliveries._take_due(store, WEBHOOK, at(10))[1]
    second = deliveries._take_due(store, WEBHOOK, at(10))[1]
    assert len(first["webhook"]) == 1 and second == {}
    # its lease run out (the first sender died), another takes it
    later = at(10) + dt.timedelta(seconds=schedule.lease_seconds(WEBHOOK.timeout) + 1)
    assert deliveries._take_due(store, WEBHOOK, later)[1] == first


def test_a_refused_connection_is_retried_then_failed_with_its_reason(store):
    settings = dataclasses.replace(WEBHOOK, retry_seconds=(30,), timeout=2)
    push(store, item(store), settings=settings)
    assert deliveries.send_due(store, settings, now=at(10)) == {"webhook": [(1, "pending")]}
    assert deliveries.send_due(store, settings, now=at(10, 0)) == {}  # not due before its wait
    assert deliveries.send_due(store, settings, now=at(10, 1)) == {"webhook": [(1, "failed")]}
    [row] = rows(store)
    assert row.attempts == 2 and "Connection" in row.last_error
    with store.read() as session:
        assert deliveries.list_deliveries(session, {"status": "failed"})["total"] == 1

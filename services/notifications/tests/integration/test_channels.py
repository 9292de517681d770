"""Pushes against real local peers: an HTTP server standing in for the group robot, an SMTP server
(aiosmtpd), and PostgreSQL for the lease that lets one of several senders send a push."""
import dataclasses
import datetime as dt
import email
import threading
import time

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from notifications import channels
from notifications.handlers import deliveries
from notifications.handlers.policy import policy_in_force
from notifications.models import Base, Delivery, TodoItem
from wuji_infra.testing import free_port, in_memory_store

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.timezone.utc)


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.url = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


@pytest.fixture
def store():
    return in_memory_store("notifications", Base.metadata)


def settings_for(robot, mailbox=None, **changes):
    return dataclasses.replace(channels.ChannelSettings(
        webhook_url=robot.url("/cgi-bin/webhook/send?key=k1"), webhook_kind="wecom", smtp_url=mailbox and mailbox.url,
        email_to=("office@example.org",) if mailbox else (), email_from="wuji@example.org",
        retry_seconds=(0, 0, 0), timeout=1.0), **changes)


def overdue_item(store, settings, title="走访任务 #3：看望张三（党员 #7），已逾期（应于12月6日前完成）"):
    with store.transaction() as tx:
        item = TodoItem(key=f"visit_overdue:{title}", kind="visit_overdue", subject="visit_task:3", title=title,
                        created_at=NOW)
        tx.session.add(item)
        tx.session.flush()
        policy = policy_in_force(tx.session)
        policy["quiet_hours"] = None
        return [row.id for row in deliveries.push_item(tx, item, policy, settings, now=NOW)]


def statuses(store):
    with store.read() as session:
        return {r.channel: (r.status, r.attempts, r.last_error) for r in session.execute(sa.select(Delivery.__table__))}


def test_the_robot_gets_exactly_its_json_and_the_mailbox_the_email(store, robot, mailbox):
    settings = settings_for(robot, mailbox)
    overdue_item(store, settings)
    deliveries.send_due(store, settings, now=NOW)
    assert [(m["path"], m["body"]) for m in robot.received] == [("/cgi-bin/webhook/send?key=k1", {"msgtype": "text", "text": {
        "content": "【五基·走访任务已逾期】走访任务 #3：看望张三（党员 #7），已逾期（应于12月6日前完成）"}})]
    [(to, message)] = mailbox.messages
    assert to == ["office@example.org"]
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == "五基·走访任务已逾期"
    assert message["Message-ID"] == "<item.1.wuji@127.0.0.1>"
    assert "看望张三" in message.get_payload(decode=True).decode("utf-8")
    assert statuses(store) == {"webhook": ("sent", 1, None), "email": ("sent", 1, None)}


def test_dingtalk_markdown_digest_with_its_signature(store, robot):
    settings = settings_for(robot, webhook_kind="dingtalk", webhook_secret="SEC123")
    channels.send(settings, "webhook", "五基每日待办汇总", "### 今日", "digest:2026-12-07", markdown=True)
    [got] = robot.received
    assert got["body"] == {"msgtype": "markdown", "markdown": {"title": "五基每日待办汇总", "text": "### 今日"}}
    assert "&timestamp=" in got["path"] and "&sign=" in got["path"]


def test_a_500_is_retried_and_then_sent(store, robot):
    settings = settings_for(robot)
    robot.script = [500]
    overdue_item(store, settings)
    deliveries.send_due(store, settings, now=NOW)
    assert statuses(store)["webhook"][:2] == ("pending", 1) and "HTTP 500" in statuses(store)["webhook"][2]
    deliveries.send_due(store, settings, now=NOW)
    assert statuses(store)["webhook"] == ("sent", 2, None)
    assert len(robot.received) == 2


def test_a_robots_refusal_in_a_200_is_a_failed_attempt(store, robot):
    settings = settings_for(robot)
    robot.script = [45009, 45009, 45009, 45009]
    overdue_item(store, settings)
    for _ in range(4):
        deliveries.send_due(store, settings, now=NOW)
    status, attempts, error = statuses(store)["webhook"]
    assert (status, attempts) == ("failed", 4) and "errcode 45009" in error


def test_a_robot_that_hangs_holds_up_neither_the_email_nor_the_others(store, robot, mailbox):
    settings = settings_for(robot, mailbox)
    robot.script = ["hang"]
    overdue_item(store, settings)
    started = time.monotonic()
    threads = threading.Thread(target=deliveries.send_due, args=(store, settings), kwargs={"now": NOW})
    threads.start()
    # the email lands while the robot still hangs (its timeout is 1 s, it answers after 3)
    deadline = time.monotonic() + 5
    while not mailbox.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mailbox.messages and time.monotonic() - started < 1.0
    threads.join(10)
    webhook = statuses(store)["webhook"]
    assert webhook[0] == "pending" and "timed out" in webhook[2].lower()


def test_of_senders_at_once_on_postgresql_each_push_is_sent_once(database_urls, robot):
    from wuji_infra import migrations
    from wuji_infra.db import Store, make_engine
    from sqlalchemy.orm import sessionmaker

    url = database_urls("notifications")["notifications"]
    migrations.upgrade("notifications", url)
    engine = make_engine(url)
    store = Store(sessionmaker(engine, expire_on_commit=False), "notifications")
    settings = settings_for(robot)
    for n in range(10):
        overdue_item(store, settings, title=f"走访任务 #{n}")
    senders = [threading.Thread(target=deliveries.send_due, args=(store, settings), kwargs={"now": NOW})
               for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(20)
    # due together, a sender's items go as one message of a line each: every line once, whoever sent it
    lines = sorted(line for message in robot.received for line in message["body"]["text"]["content"].split("\n"))
    assert len(lines) == 10 and len(set(lines)) == 10
    assert {status for status, _, _ in statuses_all(store)} == {"sent"}
    engine.dispose()


def statuses_all(store):
    with store.read() as session:
        return session.execute(sa.select(Delivery.status, Delivery.attempts, Delivery.last_error)).all()

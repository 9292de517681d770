"""Pushes: queued with the item (or the day's digest) in one transaction, sent by a timer, logged.

A delivery is one message to one channel, unique by (channel, key): an item is pushed once
(``item:<id>``), a day's digest once (``digest:<day>``), whatever runs twice. The sender takes
a due row by a lease (a conditional UPDATE: of two processes one gets it), sends outside any
transaction, then records the result: sent, or the error and the next attempt, or failed
after the last. A process that dies after the channel answered and before the record leaves
the lease to run out, and that message goes once more (at least once: docs/notifications.md).
Each channel is sent in its own green thread: a robot that hangs does not hold up the email.
"""
import datetime as dt
import logging
import uuid

import eventlet
import sqlalchemy as sa

from notifications import channels
from notifications.domain import messages, schedule
from notifications.domain import policy as rules
from notifications.handlers.policy import policy_in_force
from notifications.models import Delivery, TodoItem
from notifications.schemas import DeliveryFilters, DeliveryOut
from wuji_infra import failpoints
from wuji_infra.db import insert_unless_present, where_chosen
from wuji_infra.errors import Conflict
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
ROWS_PER_PASS = 20  # per channel: a robot takes about 20 messages a minute


def _queue(tx, names, *, key, title, text, when, now, item_id=None):
    rows = [dict(channel=name, key=key, item_id=item_id, title=title[:200], text=text, status=PENDING, attempts=0,
                 next_attempt_at=when, created_at=now) for name in names]
    made = [row["channel"] for row in rows
            if tx.session.execute(insert_unless_present(tx.session, Delivery.__table__), row).rowcount]
    if not made:
        return []
    return tx.session.scalars(sa.select(Delivery).where(Delivery.key == key, Delivery.channel.in_(made))
                              .order_by(Delivery.id)).all()


def push_item(tx, item, policy, settings, *, now):
    """An item whose kind is pushed at once: one delivery per channel configured, when the quiet
    hours are over. Pushing an item twice queues nothing more."""
    if rules.push_of(policy, item.kind) != rules.IMMEDIATE:
        return []
    names = channels.configured(channels.in_force(settings, policy["channels"]))
    label = rules.KINDS[item.kind].label
    return _queue(tx, names, key=f"item:{item.id}", item_id=item.id, title=f"五基·{label}",
                  text=messages.item_text(label, item.title), when=schedule.quiet_until(now, policy["quiet_hours"]),
                  now=now)


def queue_digest(tx, policy, settings, *, now):
    """The day's digest, once its hour has come and once a day: what is open by kind and what came
    since the last digest, of the kinds that are pushed. Nothing to say, no digest."""
    day = schedule.digest_day(now, policy["digest_hour"])
    names = channels.configured(channels.in_force(settings, policy["channels"]))
    key = f"digest:{day}"
    if day is None or not names or tx.session.scalar(sa.select(Delivery.id).where(Delivery.key == key).limit(1)):
        return []
    pushed = [kind for kind in rules.KINDS if rules.push_of(policy, kind) != rules.NONE]
    still_open = dict(tx.session.execute(
        sa.select(TodoItem.kind, sa.func.count()).where(TodoItem.closed_at.is_(None), TodoItem.kind.in_(pushed))
        .group_by(TodoItem.kind)).all())
    since = tx.session.scalar(sa.select(sa.func.max(Delivery.created_at)).where(Delivery.key.like("digest:%"))) \
        or now - dt.timedelta(days=1)
    new = sa.select(TodoItem).where(TodoItem.created_at > since, TodoItem.kind.in_(pushed))
    new_total = tx.session.scalar(sa.select(sa.func.count()).select_from(new.subquery()))
    if not still_open and not new_total:
        return []
    titles = tx.session.scalars(new.with_only_columns(TodoItem.title)
                                .order_by(TodoItem.created_at.desc()).limit(messages.DIGEST_TITLES)).all()
    text = messages.digest_text(day, [(rules.KINDS[kind].label, still_open[kind]) for kind in pushed
                                      if still_open.get(kind)], titles, new_total)
    return _queue(tx, names, key=key, title=f"五基每日待办汇总（{day.month}月{day.day}日）", text=text,
                  when=schedule.quiet_until(now, policy["quiet_hours"]), now=now)


def send_test(tx, settings, *, now, actor):
    """The admin's test message, to each channel configured, now (quiet hours or not)."""
    names = channels.configured(channels.in_force(settings, policy_in_force(tx.session)["channels"]))
    if not names:
        raise Conflict("尚未配置推送渠道：请设置群机器人地址或邮件收件人 (no channel is configured)",
                       {"channels": ["未配置 (none configured)"]})
    local = now.astimezone()
    text = f"【五基】这是一条测试消息：{actor or '管理员'}于{local.month}月{local.day}日{local:%H:%M}发送，收到即说明推送已接通。"
    rows = _queue(tx, names, key=f"test:{uuid.uuid4()}", title="五基·测试消息", text=text, when=now, now=now)
    return [DeliveryOut().dump(row) for row in rows]


# -- the sender ---------------------------------------------------------------------------

def _take_due(store, settings, now):
    """The due rows this process now holds (by lease), and the channels in force."""
    with store.transaction() as tx:
        active = channels.in_force(settings, policy_in_force(tx.session)["channels"])
        free = sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
        due = tx.session.execute(
            sa.select(Delivery.id, Delivery.channel).where(Delivery.status == PENDING, Delivery.next_attempt_at <= now,
                                                           free)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(ROWS_PER_PASS * len(channels.CHANNELS))).all()
        lease = now + dt.timedelta(seconds=schedule.lease_seconds(settings.timeout))
        taken = {}
        for row in due:
            held = tx.session.execute(sa.update(Delivery).where(Delivery.id == row.id, Delivery.status == PENDING, free)
                                      .values(lease_until=lease)).rowcount
            if held:
                taken.setdefault(row.channel, []).append(row.id)
    return active, taken


def send_due(store, settings, *, now):
    """Send the due pushes, each channel in its own green thread; answers {channel: [(id, status)]}."""
    active, taken = _take_due(store, settings, now)
    if not taken:
        return {}
    pool = eventlet.GreenPool(len(taken))
    threads = {name: pool.spawn(_send_channel, store, active, name, ids, now) for name, ids in taken.items()}
    return {name: thread.wait() for name, thread in threads.items()}


def _send_channel(store, active, name, ids, now):
    """The channel's due rows: items due together go as one message (a group robot takes about
    twenty a minute, and one message of five lines reads better than five); each row is recorded."""
    with store.read() as session:
        rows = session.execute(sa.select(Delivery.id, Delivery.key, Delivery.title, Delivery.text)
                               .where(Delivery.id.in_(ids)).order_by(Delivery.id)).all()
    items = [row for row in rows if row.key.startswith("item:")]
    messages_to_send = [[row] for row in rows if not row.key.startswith("item:")]
    if items:
        messages_to_send.append(items)
    results = []
    for group in messages_to_send:
        title, text = _message_of(group)
        try:
            channels.send(active, name, title, text, group[0].key, markdown=group[0].key.startswith("digest:"))
            error = None
        except channels.ChannelError as exc:
            error = str(exc)
        failpoints.hit("after_push")  # the fault test's kill: answered, not yet recorded
        results += [(row.id, _record(store, row.id, error, active.retry_seconds, now)) for row in group]
    return results


def _message_of(group):
    if len(group) == 1:
        return group[0].title, group[0].text
    return f"五基·{len(group)} 项待办提醒", "\n".join(row.text for row in group)


def _record(store, delivery_id, error, retry_seconds, now):
    with store.transaction() as tx:
        row = tx.session.get(Delivery, delivery_id, with_for_update=True)
        row.attempts += 1
        row.lease_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = SENT, now, None
            return SENT
        row.last_error = error
        retry_at = schedule.next_attempt(now, row.attempts, retry_seconds)
        if retry_at is None:
            row.status = FAILED
            log.error("push %s to %s failed for good after %d attempts: %s", row.key, row.channel, row.attempts, error)
        else:
            row.next_attempt_at = retry_at
            log.warning("push %s to %s failed (attempt %d), again at %s: %s", row.key, row.channel, row.attempts,
                        retry_at.isoformat(), error)
        return row.status


def list_deliveries(session, filters=None, page=1, page_size=20):
    chosen = load(DeliveryFilters(), filters or {})
    query = where_chosen(sa.select(Delivery), Delivery, chosen, equal=("status", "channel"))
    if "date_from" in chosen:
        query = query.where(Delivery.created_at >= _start_of(chosen["date_from"]))
    if "date_to" in chosen:
        query = query.where(Delivery.created_at < _start_of(chosen["date_to"] + dt.timedelta(days=1)))
    return page_of(session, query.order_by(Delivery.id.desc()), DeliveryOut().dump, page, page_size)


def _start_of(day):
    """The office's day's first moment, in UTC."""
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.timezone.utc)

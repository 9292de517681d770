import datetime as dt
import json

import pytest
import sqlalchemy as sa

from wuji_infra import events
from wuji_infra.outbox import OutboxRelay, pending_count
from wuji_infra.tables import outbox
from wuji_infra.testing import emitted_events, in_memory_store


def facts(member_id):
    return dict(member_id=member_id, branch_id=1, name="李四", birth_date=dt.date(1940, 1, 1), status="active",
                hardship=False, lives_alone=False, children_away=False, mobility_limited=False, org_relation="unit")


@pytest.fixture
def store():
    return in_memory_store("members", sa.MetaData())


def emit(store, *member_ids):
    with store.transaction() as tx:
        for member_id in member_ids:
            tx.emit("member_registered", facts(member_id))


def test_events_commit_with_the_transaction(store):
    emit(store, 1, 2)
    assert [e.data["member_id"] for e in emitted_events(store)] == [1, 2]


def test_events_of_a_failed_transaction_are_never_published(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.emit("member_registered", facts(1))
            raise RuntimeError("the change failed")
    assert emitted_events(store) == []


def test_many_events_emitted_at_once_commit_in_order_with_the_transaction(store):
    with store.transaction() as tx:
        sent = tx.emit_many("member_registered", [facts(1), facts(2), facts(3)])
        assert tx.emit_many("member_registered", []) == []
    assert [e.event_id for e in emitted_events(store)] == [e.event_id for e in sent]
    assert [e.data["member_id"] for e in emitted_events(store)] == [1, 2, 3]
    with pytest.raises(ValueError):   # each is checked against the contract, as emit does
        with store.transaction() as tx:
            tx.emit_many("member_registered", [facts(4), {"member_id": 5}])
    assert len(emitted_events(store)) == 3


def test_the_relay_publishes_in_order_and_marks_rows_published(store):
    emit(store, 1, 2, 3)
    sent = []
    relay = OutboxRelay(store._sessions, lambda message, key: sent.append((key, message["data"]["member_id"])))
    assert relay.publish_pending() == 3
    assert sent == [("member_registered", 1), ("member_registered", 2), ("member_registered", 3)]
    assert relay.publish_pending() == 0
    with store.read() as session:
        assert pending_count(session) == 0


def test_a_failed_publish_keeps_the_row_and_everything_after_it(store):
    emit(store, 1, 2, 3)
    sent = []

    def publish(message, key):
        if message["data"]["member_id"] == 2:
            raise ConnectionError("broker gone")
        sent.append(message["data"]["member_id"])

    relay = OutboxRelay(store._sessions, publish)
    with pytest.raises(ConnectionError):
        relay.publish_pending()
    assert sent == [1]
    with store.read() as session:
        unpublished = session.execute(
            sa.select(outbox.c.payload).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
        ).scalars().all()
    assert [json.loads(p)["data"]["member_id"] for p in unpublished] == [2, 3]

    relay.publish = lambda message, key: sent.append(message["data"]["member_id"])
    assert relay.publish_pending() == 2
    assert sent == [1, 2, 3]


def test_a_published_message_is_a_valid_envelope(store):
    emit(store, 9)
    sent = []
    OutboxRelay(store._sessions, lambda message, key: sent.append(message)).publish_pending()
    assert events.from_message(sent[0]).data["member_id"] == 9


def test_the_inbox_lets_a_handler_act_once_per_event(store):
    event = events.new_event("member_registered", facts(5), source="members")
    with store.transaction() as tx:
        assert tx.claim(event, "welfare.on_member_registered") is True
    with store.transaction() as tx:
        assert tx.claim(event, "welfare.on_member_registered") is False
    with store.transaction() as tx:
        assert tx.claim(event, "funding.on_member_registered") is True


def test_a_failed_handler_leaves_no_inbox_row_so_the_retry_acts(store):
    event = events.new_event("member_registered", facts(5), source="members")
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            assert tx.claim(event, "welfare.h")
            raise RuntimeError("database hiccup")
    with store.transaction() as tx:
        assert tx.claim(event, "welfare.h") is True

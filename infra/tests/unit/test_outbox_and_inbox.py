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


def test_emit_many_writes_every_event_in_order_with_the_transaction(store):
    with store.transaction() as tx:
        batch = tx.emit_many("member_registered", [facts(n) for n in (4, 5, 6)])
        assert tx.emitted == batch and tx.emit_many("member_registered", []) == []
    assert [e.data["member_id"] for e in emitted_events(store)] == [4, 5, 6]
    assert len({e.event_id for e in emitted_events(store)}) == 3
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.emit_many("member_registered", [facts(7)])
            raise RuntimeError("the change failed")
    assert len(emitted_events(store)) == 3


def test_emit_many_checks_each_event(store):
    with pytest.raises(ValueError, match="member_registered data is invalid"):
        with store.transaction() as tx:
            tx.emit_many("member_registered", [facts(1), dict(facts(2), status=None)])
    assert emitted_events(store) == []


def publisher(sent, fails_at=None, calls=None):
    """A relay's ``publish(messages)``: notes each message's member id in ``sent``; raises at the
    member ``fails_at`` as a broken connection would (those before it went out, unconfirmed)."""
    def publish(messages):
        if calls is not None:
            calls.append(len(messages))
        for message, _key in messages:
            if message["data"]["member_id"] == fails_at:
                raise ConnectionError("broker gone")
            sent.append(message["data"]["member_id"])
    return publish


def unpublished_ids(store):
    with store.read() as session:
        payloads = session.execute(
            sa.select(outbox.c.payload).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
        ).scalars().all()
    return [json.loads(p)["data"]["member_id"] for p in payloads]


def test_the_relay_publishes_in_order_and_marks_rows_published(store):
    emit(store, 1, 2, 3)
    sent, calls = [], []
    relay = OutboxRelay(store._sessions, publisher(sent, calls=calls))
    assert relay.publish_pending() == 3
    assert sent == [1, 2, 3] and calls == [3]   # one batch, its confirms awaited together
    assert relay.publish_pending() == 0
    with store.read() as session:
        assert pending_count(session) == 0


def test_a_batch_not_confirmed_stays_unpublished_whole_and_goes_again(store):
    emit(store, 1, 2, 3)
    sent = []
    relay = OutboxRelay(store._sessions, publisher(sent, fails_at=2))
    with pytest.raises(ConnectionError):
        relay.publish_pending()
    assert sent == [1]
    assert unpublished_ids(store) == [1, 2, 3]   # 1 went out unconfirmed: it goes again (at least once)
    relay.publish = publisher(sent)
    assert relay.publish_pending() == 3
    assert sent == [1, 1, 2, 3]


def committing_store(relay_calls):
    """An in-memory store whose commits hand their events to ``relay_calls``."""
    store = in_memory_store("members", sa.MetaData())
    store._on_commit = relay_calls.append
    return store


def test_a_commit_hands_its_events_to_the_relay_and_a_rollback_does_not():
    handed = []
    store = committing_store(handed)
    emit(store, 1, 2)
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.emit("member_registered", facts(3))
            raise RuntimeError("the change failed")
    with store.transaction():
        pass  # emits nothing: the relay is not bothered
    assert [[e.data["member_id"] for e in batch] for batch in handed] == [[1, 2]]


def test_committed_events_are_published_at_once_and_marked_in_one_batch():
    handed, sent = [], []
    store = committing_store(handed)
    emit(store, 1)
    emit(store, 2, 3)
    relay = OutboxRelay(store._sessions, publisher(sent))
    for batch in handed:
        relay.publish_committed(batch)
    assert sent == [1, 2, 3]
    with store.read() as session:
        assert pending_count(session) == 3  # confirmed, marked a moment later
    # young rows belong to the fast path: the poll leaves them alone
    assert relay.publish_pending(grace=60) == 0 and sent == [1, 2, 3]
    relay.mark_confirmed()
    with store.read() as session:
        assert pending_count(session) == 0
    assert relay.publish_pending() == 0 and sent == [1, 2, 3]


def test_transactions_queued_behind_one_another_go_out_as_one_batch():
    handed, sent, calls = [], [], []
    store = committing_store(handed)
    emit(store, 1)
    emit(store, 2, 3)
    emit(store, 4)
    relay = OutboxRelay(store._sessions, publisher(sent, calls=calls))
    for batch in handed:
        relay.committed(batch)
    relay.publish_committed(relay._take_queued(relay._committed.get_nowait()))
    assert sent == [1, 2, 3, 4] and calls == [4]


def test_the_poll_leaves_rows_queued_for_the_fast_path_even_when_they_are_old():
    handed, sent = [], []
    store = committing_store(handed)
    emit(store, 1)
    emit(store, 2)
    relay = OutboxRelay(store._sessions, publisher(sent))
    relay.committed(handed[1])            # the fast path lags: 2 waits in its queue
    assert relay.publish_pending() == 1   # grace 0: 1 was left by a crash, 2 is the fast path's
    assert sent == [1]
    relay.publish_committed(relay._committed.get_nowait())
    assert sent == [1, 2]


def test_a_failed_fast_publish_leaves_its_events_and_those_queued_behind_to_the_poller():
    handed, sent = [], []
    store = committing_store(handed)
    emit(store, 1, 2)
    emit(store, 3)
    relay = OutboxRelay(store._sessions, publisher(sent, fails_at=2))
    relay.committed(handed[1])        # queued behind the batch that fails
    relay.publish_committed(handed[0])
    relay.mark_confirmed()
    assert sent == [1] and relay._committed.empty()
    relay.publish = publisher(sent)
    assert relay.publish_pending() == 3
    assert sent == [1, 1, 2, 3]


def test_a_failed_mark_is_retried_and_the_rows_stay_unpublished_meanwhile():
    handed, sent = [], []
    store = committing_store(handed)
    emit(store, 1)
    relay = OutboxRelay(store._sessions, publisher(sent))
    relay.publish_committed(handed[0])
    working_sessions = relay.sessions
    relay.sessions = lambda: (_ for _ in ()).throw(ConnectionError("database gone"))
    relay.mark_confirmed()  # logged, kept for the next try
    relay.sessions = working_sessions
    with store.read() as session:
        assert pending_count(session) == 1
    relay.mark_confirmed()
    with store.read() as session:
        assert pending_count(session) == 0


def test_a_published_message_is_a_valid_envelope(store):
    emit(store, 9)
    sent = []
    OutboxRelay(store._sessions, lambda messages: sent.extend(message for message, _ in messages)).publish_pending()
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


def test_a_lost_database_connection_is_a_database_unavailable_error_and_nothing_commits(store):
    from wuji_infra.errors import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable) as raised:
        with store.transaction() as tx:
            tx.emit("member_registered", facts(1))
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
    assert isinstance(raised.value.__cause__, sa.exc.OperationalError)
    assert emitted_events(store) == []
    with pytest.raises(DatabaseUnavailable):
        with store.read():
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))


def test_row_or_404_answers_a_row_as_a_mapping_and_not_found_as_get_or_404_does(store):
    from wuji_infra.db import row_or_404
    from wuji_infra.errors import NotFound

    things = sa.Table("things", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String))
    with store.transaction() as tx:
        things.create(tx.session.connection())
        tx.session.execute(things.insert(), [{"id": 1, "name": "张建国"}, {"id": 2, "name": "李秀英"}])
    with store.read() as session:
        assert dict(row_or_404(session, things, "2", ("物品", "thing"))) == {"id": 2, "name": "李秀英"}
        for missing in (3, "abc", 0, 2 ** 70):
            with pytest.raises(NotFound, match="物品 .* 不存在"):
                row_or_404(session, things, missing, ("物品", "thing"))

"""What a scrape reads of a service: its outbox waiting, and the age of the oldest event."""
import datetime as dt

from prometheus_client import CollectorRegistry, generate_latest

from wuji_infra import events, metrics
from wuji_infra.outbox import outbox_row
from wuji_infra.tables import outbox
from wuji_infra.testing import free_port, in_memory_store

import sqlalchemy as sa


def test_the_outbox_waiting_and_its_oldest_age_are_read_at_each_scrape():
    store = in_memory_store("members", sa.MetaData())
    with store.transaction() as tx:
        tx.emit("member_withdrawn", {"member_id": 1, "branch_id": 2, "withdrawn_at": dt.datetime.now(dt.timezone.utc)})
        row = outbox_row(events.new_event("member_withdrawn", {"member_id": 3, "branch_id": 2,
                                                               "withdrawn_at": dt.datetime.now(dt.timezone.utc)}))
        row["created_at"] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        tx.session.execute(sa.insert(outbox), row)
    registry = CollectorRegistry()
    # a broker that does not answer: the dead letters are left out, the scrape still answers
    states = metrics.QueueStates()
    states.watch("members", store._sessions, f"amqp://guest:guest@127.0.0.1:{free_port()}//")
    registry.register(states)
    text = generate_latest(registry).decode()
    assert 'wuji_outbox_waiting{service="members"} 2.0' in text
    oldest = float(text.split('wuji_outbox_oldest_seconds{service="members"} ')[1].split()[0])
    assert 299 < oldest < 400
    assert 'wuji_dead_letters{service="members"}' not in text


def test_each_kind_of_entrypoint_is_named():
    class Rpc: ...
    class ReliableEventHandler: ...
    class Timer: ...
    class ApiEndpoint: ...
    assert [metrics.kind_of(e()) for e in (Rpc, ReliableEventHandler, Timer, ApiEndpoint)] == [
        "rpc", "event", "timer", "http"]

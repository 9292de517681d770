"""The spine, on the real RabbitMQ and PostgreSQL: outbox, inbox, retries, dead letters.

A probe source service ("members", emitting through its outbox) and a probe
consumer ("infra_probe") stand in for real services, so these tests pin down
the shared machinery itself.
"""
import datetime as dt
import itertools
import json

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Producer
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_waiter

from wuji_infra import deadletters, events
from wuji_infra.db import Database
from wuji_infra.handlers import event_handler
from wuji_infra.outbox import pending_count
from wuji_infra.tables import inbox, metadata as infra_metadata, outbox
from wuji_infra.testing import wait_until, signed_context

pytestmark = pytest.mark.integration

member_ids = itertools.count(1000)
handled = []          # (event_id, member_id) of every effect the probe committed
failures_left = {}    # member_id -> how many more times the probe should fail


def facts(member_id):
    return dict(member_id=member_id, branch_id=1, name="王五", birth_date=dt.date(1938, 3, 8), status="active",
                hardship=True, lives_alone=True, children_away=False, mobility_limited=False, org_relation="unit")


class SourceService:
    name = "members"
    db = Database(poll_interval=0.2)

    @rpc
    def register(self, member_id):
        with self.db.transaction() as tx:
            return tx.emit("member_registered", facts(member_id)).event_id


class ProbeService:
    name = "infra_probe"
    db = Database(poll_interval=0.2)

    @event_handler("members", "member_registered")
    def on_member_registered(self, tx, event):
        member_id = event.data["member_id"]
        if failures_left.get(member_id, 0) > 0:
            failures_left[member_id] -= 1
            raise ConnectionError("transient failure")
        handled.append((event.event_id, member_id))


@pytest.fixture
def databases(database_urls, monkeypatch):
    urls = database_urls("source", "probe")
    for url in urls.values():
        engine = sa.create_engine(url)
        infra_metadata.create_all(engine)
        engine.dispose()
    monkeypatch.setenv("MEMBERS_DATABASE_URL", urls["source"])
    monkeypatch.setenv("INFRA_PROBE_DATABASE_URL", urls["probe"])
    return urls


@pytest.fixture
def probe(container_factory, nameko_config, databases):
    container = container_factory(ProbeService, nameko_config)
    container.start()
    return container


def publish_raw(amqp_uri, message):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.channel()).publish(
            message, exchange=Exchange("members.events", type="topic", durable=True),
            routing_key=message.get("event_type", "member_registered"), serializer="json", delivery_mode=2,
        )


def effects_for(member_id):
    return [e for e in handled if e[1] == member_id]


def dead_letters_for(amqp_uri, member_id):
    return [d for d in deadletters.list_dead_letters("infra_probe", amqp_uri)
            if isinstance(d["body"], dict) and d["body"].get("data", {}).get("member_id") == member_id]


def test_an_event_committed_through_the_outbox_is_handled_once(container_factory, nameko_config, probe, databases):
    source = container_factory(SourceService, nameko_config)
    source.start()
    member_id = next(member_ids)
    with entrypoint_waiter(probe, "on_member_registered"):
        with source_rpc(nameko_config) as client:
            event_id = client.members.register(member_id)
    assert effects_for(member_id) == [(event_id, member_id)]
    # the confirmed row is marked published a moment later, with any others confirmed meanwhile
    engine = sa.create_engine(databases["source"])

    def marked():
        with engine.connect() as connection:
            return pending_count(connection) == 0

    wait_until(marked, "the outbox row marked published", seconds=5)
    engine.dispose()


def test_the_same_event_delivered_twice_is_acted_on_once(probe, amqp_uri, databases):
    member_id = next(member_ids)
    message = events.to_message(events.new_event("member_registered", facts(member_id)))
    with entrypoint_waiter(probe, "on_member_registered"):
        publish_raw(amqp_uri, message)
    with entrypoint_waiter(probe, "on_member_registered"):
        publish_raw(amqp_uri, message)
    assert effects_for(member_id) == [(message["event_id"], member_id)]
    assert dead_letters_for(amqp_uri, member_id) == []
    engine = sa.create_engine(databases["probe"])
    with engine.connect() as connection:
        rows = connection.execute(sa.select(inbox).where(inbox.c.event_id == message["event_id"])).all()
    engine.dispose()
    assert len(rows) == 1


def test_a_transient_failure_is_retried_until_it_succeeds(probe, amqp_uri):
    member_id = next(member_ids)
    failures_left[member_id] = 2  # nameko_config allows 3 attempts
    message = events.to_message(events.new_event("member_registered", facts(member_id)))
    publish_raw(amqp_uri, message)
    wait_until(lambda: effects_for(member_id))
    assert effects_for(member_id) == [(message["event_id"], member_id)]
    assert dead_letters_for(amqp_uri, member_id) == []


def test_a_handler_that_keeps_failing_parks_the_message_where_it_can_be_replayed(probe, amqp_uri):
    member_id = next(member_ids)
    failures_left[member_id] = 3  # every attempt fails
    message = events.to_message(events.new_event("member_registered", facts(member_id)))
    publish_raw(amqp_uri, message)
    wait_until(lambda: dead_letters_for(amqp_uri, member_id))
    [parked] = dead_letters_for(amqp_uri, member_id)
    assert parked["attempts"] == 3
    assert parked["handler"] == "infra_probe.on_member_registered"
    assert "transient failure" in parked["error"][0]
    assert effects_for(member_id) == []

    # the cause is mended; the operator replays it
    assert deadletters.replay("infra_probe", {message["event_id"]}, amqp_uri) == 1
    wait_until(lambda: effects_for(member_id))
    assert effects_for(member_id) == [(message["event_id"], member_id)]
    assert dead_letters_for(amqp_uri, member_id) == []


def test_a_message_that_breaks_the_contract_goes_straight_to_dead_letters(probe, amqp_uri):
    member_id = next(member_ids)
    message = events.to_message(events.new_event("member_registered", facts(member_id)))
    del message["data"]["name"]  # a required field missing (an unknown one would be ignored)
    publish_raw(amqp_uri, message)
    wait_until(lambda: dead_letters_for(amqp_uri, member_id))
    [parked] = dead_letters_for(amqp_uri, member_id)
    assert parked["attempts"] == 1
    assert "name" in parked["error"][0]
    assert effects_for(member_id) == []


def test_events_published_while_the_consumer_is_down_wait_for_it(container_factory, nameko_config, probe, amqp_uri):
    probe.stop()
    member_id = next(member_ids)
    message = events.to_message(events.new_event("member_registered", facts(member_id)))
    publish_raw(amqp_uri, message)
    assert effects_for(member_id) == []
    again = container_factory(ProbeService, nameko_config)
    with entrypoint_waiter(again, "on_member_registered"):
        again.start()
    assert effects_for(member_id) == [(message["event_id"], member_id)]


def test_an_event_left_in_the_outbox_by_a_crash_is_published_by_the_poller(
        container_factory, nameko_config, probe, databases):
    # a committed row that no relay was woken for, as after a crash right after commit
    member_id = next(member_ids)
    event = events.new_event("member_registered", facts(member_id))
    engine = sa.create_engine(databases["source"])
    with engine.begin() as connection:
        connection.execute(sa.insert(outbox).values(
            event_id=event.event_id, event_type=event.event_type,
            payload=json.dumps(events.to_message(event)), created_at=event.occurred_at,
        ))
    engine.dispose()
    source = container_factory(SourceService, nameko_config)
    with entrypoint_waiter(probe, "on_member_registered"):
        source.start()
    assert effects_for(member_id) == [(event.event_id, member_id)]


# -- helpers ------------------------------------------------------------------

def source_rpc(nameko_config):
    from nameko.standalone.rpc import ClusterRpcClient

    return ClusterRpcClient(uri=nameko_config["AMQP_URI"], timeout=10, context_data=signed_context())


@pytest.mark.parametrize("raw", [b'{"event_id": "x", "data": ', b"\xff\xfe not utf-8"])
def test_a_message_that_is_not_json_is_parked_with_its_reason_and_the_consumer_goes_on(probe, amqp_uri, raw):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.channel()).publish(
            raw, exchange=Exchange("members.events", type="topic", durable=True), routing_key="member_registered",
            content_type="application/json", content_encoding="utf-8", delivery_mode=2)
    text = raw.decode("utf-8", "backslashreplace")

    def parked():
        return [d for d in deadletters.list_dead_letters("infra_probe", amqp_uri) if d["body"] == text]
    wait_until(parked)
    [letter] = parked()
    assert letter["attempts"] == 1 and "not a readable JSON message" in letter["error"][0]
    member_id = next(member_ids)
    publish_raw(amqp_uri, events.to_message(events.new_event("member_registered", facts(member_id))))
    wait_until(lambda: effects_for(member_id))


def test_with_quorum_queues_the_queues_are_quorum_and_delivery_works_the_same(
        container_factory, nameko_config, databases, monkeypatch):
    """QUEUE_TYPE=quorum: the event and dead-letter queues are declared as quorum queues (the durable
    choice on a RabbitMQ cluster; a single node takes them too) and events flow as before."""
    import subprocess
    import urllib.parse

    from wuji_infra import testing

    monkeypatch.setenv("QUEUE_TYPE", "quorum")
    with testing.fresh_vhost("wuji-quorum") as amqp_uri:  # a vhost of its own: a queue keeps its type
        probe = container_factory(ProbeService, dict(nameko_config, AMQP_URI=amqp_uri))
        probe.start()
        member_id = next(member_ids)
        message = events.to_message(events.new_event("member_registered", facts(member_id)))
        with entrypoint_waiter(probe, "on_member_registered"):
            publish_raw(amqp_uri, message)
        assert effects_for(member_id) == [(message["event_id"], member_id)]
        vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:])
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type"],
                                 capture_output=True, text=True, check=True, timeout=60).stdout
        types = dict(line.split("\t")[:2] for line in listing.strip().splitlines() if "\t" in line)
        assert types["evt-members-member_registered--infra_probe.on_member_registered"] == "quorum"
        assert types["infra_probe.dead-letters"] == "quorum"
        probe.stop()

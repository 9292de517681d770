"""Messages that come twice, and a message no handler can take."""
import uuid

import pytest
from kombu import Connection, Exchange, Producer, Queue

from wuji_infra import deadletters

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

EXCHANGE = Exchange("members.events", type="topic", durable=True)


@pytest.fixture
def broker(system):
    with Connection(system.env["AMQP_URI"], transport_options={"confirm_publish": True}) as connection:
        yield connection


def publish(connection, payload, routing_key):
    Producer(connection.channel()).publish(payload, exchange=EXCHANGE, routing_key=routing_key,
                                           serializer="json", delivery_mode=2)


def test_every_event_delivered_twice(system, ward, broker, record):
    members = ward.members(5)
    copies = Queue(f"faults-copies-{uuid.uuid4().hex[:8]}", EXCHANGE, routing_key="member_hospitalized",
                   auto_delete=True)(broker.default_channel)
    copies.declare()
    ward.admit(members)
    sent = []
    while len(sent) < len(members):
        message = copies.get(no_ack=True)
        if message is not None:
            sent.append(message.payload)
    for payload in sent:
        publish(broker, payload, payload["event_type"])   # the same envelope, the same event_id
    record("every member_hospitalized delivered twice", **ward.count(members),
           note="each envelope published again by hand after members had published it")


def test_a_poison_message_among_good_ones(system, ward, broker, record):
    members = ward.members(5)
    poison_id = str(uuid.uuid4())
    publish(broker, {"event_id": poison_id, "event_type": "member_hospitalized", "source": "members",
                     "occurred_at": "2026-12-05T08:00:00+00:00", "version": 1,
                     "data": {"date": "not a date"}}, "member_hospitalized")
    garbled = f"{{not json {poison_id}".encode()
    Producer(broker.channel()).publish(garbled, exchange=EXCHANGE, routing_key="member_hospitalized",
                                       content_type="application/json", content_encoding="utf-8")
    ward.admit(members)
    counted = ward.count(members)
    for service in ("welfare", "funding"):
        letters = deadletters.list_dead_letters(service, system.env["AMQP_URI"])
        assert len([letter for letter in letters if letter["event_id"] == poison_id]) == 1, letters
        assert len([letter for letter in letters if poison_id in str(letter["body"])]) == 2, letters
    record("two poison messages (no member_id; not JSON) among good ones", **counted,
           note="each parked once in welfare's and funding's dead letters; the good ones went on")

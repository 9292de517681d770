"""Each process's broker user on the real RabbitMQ: allowed what its process does, refused the rest.

Users are global to the broker, so these are named after the run (``wuji-t<id>-members``)
and deleted at the end; the vhost is a fresh one.
"""
import uuid

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Producer, Queue

from wuji_infra import config, testing

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def uris(tmp_path_factory):
    with testing.fresh_vhost("wuji-users") as amqp_uri, \
            testing.process_users(amqp_uri, str(tmp_path_factory.mktemp("users"))) as uris:
        yield uris


def publish(uri, exchange, routing_key, declare=False):
    """Publish one message, confirmed: raises AccessRefused when the user may not."""
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        target = Exchange(exchange, type="topic", durable=True) if exchange else ""
        Producer(connection.channel()).publish(
            {"probe": True}, exchange=target, routing_key=routing_key, serializer="json",
            declare=[target] if declare else [], retry=False)


def events_exchange(source):
    return Exchange(f"{source}.events", type="topic", durable=True)


def test_only_members_may_publish_member_events(uris):
    publish(uris["members"], "members.events", "member_hospitalized", declare=True)
    for process in ("activities", "welfare", "funding", "gateway"):
        with pytest.raises(AccessRefused, match="ACCESS_REFUSED"):
            publish(uris[process], "members.events", "member_hospitalized")


@pytest.mark.parametrize("source", ["activities", "welfare", "funding"])
def test_only_a_service_may_publish_its_own_events(uris, source):
    publish(uris[source], f"{source}.events", "probe", declare=True)
    for process in config.PROCESSES:
        if process != source:
            with pytest.raises(AccessRefused):
                publish(uris[process], f"{source}.events", "probe")


@pytest.mark.parametrize("process", config.PROCESSES)
def test_no_process_may_publish_to_the_default_exchange(uris, process):
    # the default exchange reaches every queue by its name: a forged event straight into a queue
    with pytest.raises(AccessRefused, match="amq.default"):
        publish(uris[process], "", "evt-members-member_hospitalized--welfare.on_member_hospitalized")


def test_a_service_may_not_read_another_services_rpc_queue(uris):
    with Connection(uris["members"]) as connection:  # rpc-members exists, as when members runs
        Queue("rpc-members", Exchange("nameko-rpc", type="topic", durable=True), routing_key="members.*",
              durable=True)(connection.default_channel).declare()
    for process in ("activities", "welfare", "funding", "gateway"):
        with Connection(uris[process]) as connection, pytest.raises(AccessRefused, match="rpc-members"):
            connection.default_channel.basic_get("rpc-members")


def test_a_service_may_not_bind_its_queue_to_another_services_requests(uris):
    with Connection(uris["welfare"]) as connection:
        queue = Queue("welfare.dead-letters", durable=True)(connection.default_channel)
        queue.declare()
        with pytest.raises(AccessRefused):
            queue.bind_to("nameko-rpc", routing_key="members.*")


def test_only_the_gateway_calls_the_services(uris):
    publish(uris["gateway"], "nameko-rpc", "members.get_member")
    with pytest.raises(AccessRefused):
        publish(uris["welfare"], "nameko-rpc", "members.get_member")
    publish(uris["welfare"], "nameko-rpc", "welfare.ping")  # its health probe
    publish(uris["welfare"], "nameko-rpc", str(uuid.uuid4()))  # a reply


def test_a_consumer_binds_its_queue_to_the_sources_it_handles_only(uris):
    with Connection(uris["activities"]) as connection:
        channel = connection.default_channel
        Queue("evt-members-member_registered--activities.on_member_registered", events_exchange("members"),
              routing_key="member_registered", durable=True)(channel).declare()
    with Connection(uris["activities"]) as connection, pytest.raises(AccessRefused):
        Queue("evt-welfare-visit_completed--activities.on_visit_completed", events_exchange("welfare"),
              routing_key="visit_completed", durable=True)(connection.default_channel).declare()


def test_a_service_lists_and_replays_its_own_dead_letters(uris):
    """Retries, dead letters and replays go through <service>.retry, which its user may write to."""
    from wuji_infra import deadletters
    from wuji_infra.handlers import dead_letter_queue, retry_exchange

    queue_name = "evt-members-member_updated--welfare.on_member_updated"
    with Connection(uris["welfare"], transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        queue = Queue(queue_name, events_exchange("members"), routing_key="member_updated", durable=True)(channel)
        queue.declare()
        dead_letter_queue("welfare")(channel).declare()  # and welfare.retry
        queue.bind_to(retry_exchange("welfare"), routing_key=queue_name)
        body = {"event_id": str(uuid.uuid4()), "event_type": "member_updated"}
        Producer(channel).publish(body, exchange=retry_exchange("welfare"), routing_key="welfare.dead-letters",
                                  headers={"x-wuji-queue": queue_name}, serializer="json", retry=False)

    [parked] = deadletters.list_dead_letters("welfare", uris["welfare"])
    assert parked["event_id"] == body["event_id"]
    assert deadletters.replay("welfare", None, uris["welfare"]) == 1
    with Connection(uris["welfare"]) as connection:
        message = testing.wait_until(lambda: Queue(queue_name)(connection.default_channel).get(no_ack=True))
        assert message.payload == body

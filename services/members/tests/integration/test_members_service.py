"""The members service on the real RabbitMQ and PostgreSQL."""
import datetime as dt
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcClient

from members.domain import check_character
from members.service import MembersService
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput

pytestmark = pytest.mark.integration


def id_for(born, sequence):
    body = f"330106{born:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


@pytest.fixture
def members(container_factory, nameko_config, service_db):
    service_db("members")
    container = container_factory(MembersService, nameko_config)
    container.start()
    with ClusterRpcClient(uri=nameko_config["AMQP_URI"], timeout=10) as cluster:
        yield cluster.members


@pytest.fixture
def announced(amqp_uri):
    """A queue of our own on members.events: the events as consumers get them."""
    with Connection(amqp_uri) as connection:
        queue = Queue(f"test-members-{uuid.uuid4().hex[:8]}", Exchange("members.events", type="topic", durable=True),
                      routing_key="#", auto_delete=True)
        queue(connection.default_channel).declare()

        def take(count, seconds=10):
            got = []
            bound = queue(connection.default_channel)
            import eventlet
            with eventlet.Timeout(seconds):
                while len(got) < count:
                    message = bound.get(no_ack=True)
                    if message is None:
                        eventlet.sleep(0.05)
                        continue
                    got.append(events.from_message(message.payload))
            eventlet.sleep(0.5)
            assert bound.get(no_ack=True) is None, "an event was announced more than once"
            return got
        yield take


def test_a_hospitalization_recorded_once_is_announced_once_with_the_contract_envelope(members, announced):
    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    member = members.create_member({
        "name": "陈淑芬", "gender": "female", "id_number": id_for(dt.date(1936, 1, 20), 7),
        "birth_date": "1936-01-20", "branch_id": branch["id"], "retirement_kind": "lixiu",
        "hardship": False, "lives_alone": True,
    })
    request_id = str(uuid.uuid4())
    data = {"kind": "hospitalized", "date": dt.date.today().isoformat(), "hospital": "杭州市第一人民医院"}
    first = members.record_health_event(member["id"], data, request_id, "staff")
    again = members.record_health_event(member["id"], data, request_id, "staff")   # a retried request
    assert first == again

    registered, hospitalized = announced(2)
    assert registered.event_type == "member_registered"
    assert hospitalized.event_type == "member_hospitalized" and hospitalized.source == "members"
    assert hospitalized.data["member_id"] == member["id"] and hospitalized.data["lives_alone"] is True


def test_errors_cross_the_wire_with_their_fields(members):
    with pytest.raises(InvalidInput) as error:
        members.create_member({"name": "x"})
    assert "id_number" in error.value.fields
    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    with pytest.raises(Conflict):
        members.create_branch({"name": branch["name"], "unit": "市住建局"})


def test_ping_answers_when_the_database_does(members):
    assert members.ping() == {"status": "ok"}

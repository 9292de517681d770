"""A hospitalization recorded once, carried through RabbitMQ, acted on exactly once
by welfare and funding, visible over HTTP, surviving a stopped service (killed
processes, broker faults and the rest: tests/faults)."""
import datetime as dt
import itertools
import uuid

import pytest
from kombu import Connection, Exchange, Producer, Queue

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

sequence = itertools.count(1)
TODAY = dt.date.today()


def new_member(api, branch, **overrides):
    born = overrides.pop("born", dt.date(1940, 6, 1))
    data = {
        "name": "测试党员", "gender": "male", "id_number": id_number_for(born, next(sequence)),
        "birth_date": born.isoformat(), "branch_id": branch, "retirement_kind": "tuixiu",
        "hardship": False, "lives_alone": False,
    }
    data.update(overrides)
    response = api.post("/members", data)
    assert response.status_code == 201, response.text
    return response.json()


def hospitalize(api, member_id, key=None, timeout=15):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/members/{member_id}/health-events",
                    {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": "杭州市第一人民医院"},
                    headers=headers, timeout=timeout)


def tasks_of(api, member_id):
    response = api.get("/visit-tasks", params={"member_id": member_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def checks_of(api, member_id):
    response = api.get("/subsidy-checks", params={"member_id": member_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def branch(api):
    response = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def capture(system):
    """Our own queue on members.events, to see (and re-send) what members published."""
    exchange = Exchange("members.events", type="topic", durable=True)
    with Connection(system.env["AMQP_URI"], transport_options={"confirm_publish": True}) as connection:
        queue = Queue(f"e2e-capture-{uuid.uuid4().hex[:8]}", exchange, routing_key="member_hospitalized",
                      auto_delete=True)(connection.default_channel)
        queue.declare()

        class Capture:
            def next_message(self, wait_for):
                message = wait_for(lambda: queue.get(no_ack=True), seconds=20)
                assert message is not None, "members published nothing"
                return message.payload

            def publish_again(self, payload):
                Producer(connection.channel()).publish(
                    payload, exchange=exchange, routing_key=payload["event_type"],
                    serializer="json", delivery_mode=2)
        yield Capture()


def test_a_hospitalization_gives_one_visit_task_and_one_subsidy_check(api, branch, wait_for):
    member = new_member(api, branch, hardship=True, lives_alone=True)
    response = hospitalize(api, member["id"])
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "hospitalized"

    [task] = wait_for(lambda: tasks_of(api, member["id"]))
    assert task["cause"] == "hospitalized" and task["status"] == "open"
    assert task["due_date"] == (TODAY + dt.timedelta(days=3)).isoformat()
    assert "杭州市第一人民医院" in task["reason"]

    [check] = wait_for(lambda: checks_of(api, member["id"]))
    assert check["eligible"] is True and check["amount"] == "500.00"
    assert check["reason"]

    done = api.post(f"/visit-tasks/{task['id']}/complete", {
        "visited_on": TODAY.isoformat(), "visitors": ["王书记", "李委员"], "notes": "精神尚好",
        "needs": ["出院后需要轮椅"], "cash": "500.00", "goods_value": "200.00",
    })
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    again = api.post(f"/visit-tasks/{task['id']}/complete", {"visited_on": TODAY.isoformat(), "visitors": ["王书记"]})
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_a_member_neither_in_hardship_nor_80_gets_a_check_that_says_why_not(api, branch, wait_for):
    member = new_member(api, branch, born=dt.date(1956, 1, 1))
    assert hospitalize(api, member["id"]).status_code == 201
    [check] = wait_for(lambda: checks_of(api, member["id"]))
    assert check["eligible"] is False and check["amount"] == "0.00"
    assert "不符合" in check["reason"]


def test_the_same_event_delivered_twice_gives_one_task_and_one_check(api, branch, capture, wait_for):
    member = new_member(api, branch)
    assert hospitalize(api, member["id"]).status_code == 201
    message = capture.next_message(wait_for)
    assert message["data"]["member_id"] == member["id"]
    wait_for(lambda: tasks_of(api, member["id"]))
    wait_for(lambda: checks_of(api, member["id"]))

    capture.publish_again(message)
    capture.publish_again(message)
    # a later event, handled after the duplicates were taken from the queue
    marker = new_member(api, branch)
    assert hospitalize(api, marker["id"]).status_code == 201
    wait_for(lambda: tasks_of(api, marker["id"]) and checks_of(api, marker["id"]))

    assert len(tasks_of(api, member["id"])) == 1
    assert len(checks_of(api, member["id"])) == 1


def test_a_hospitalization_recorded_while_welfare_is_down_is_handled_when_it_is_back(system, api, branch, wait_for):
    member = new_member(api, branch)
    system.stop("welfare")
    try:
        assert hospitalize(api, member["id"]).status_code == 201
        health = wait_for(lambda: api.session.get(system.base_url + "/health", timeout=10).json(),
                          lambda h: h["services"]["welfare"] == "down")
        assert health["status"] == "degraded"
        unavailable = api.get("/visit-tasks", params={"member_id": member["id"]})
        assert unavailable.status_code == 503 and unavailable.json()["error"] == "service_unavailable"
    finally:
        system.start("welfare")
        system.wait_healthy()
    [task] = wait_for(lambda: tasks_of(api, member["id"]))
    assert task["cause"] == "hospitalized"

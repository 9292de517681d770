"""The welfare service in a real nameko container, on RabbitMQ and PostgreSQL.

The broker vhost is shared by the whole test run, so each test uses its own
member ids and looks only at its own events and dead letters.
"""
import datetime as dt
import functools
import itertools
import uuid

import pytest
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange
from nameko.standalone.rpc import ServiceRpcClient
from nameko.testing.services import entrypoint_waiter

from welfare.handlers import tasks as handlers
from welfare.service import WelfareService
from wuji_infra import deadletters, events
from wuji_infra.errors import Conflict, Forbidden, InvalidInput, NotFound
from wuji_infra.testing import publish_message, start_service, wait_until, signed_context

pytestmark = pytest.mark.integration

HANDLER = "on_member_hospitalized"
_member_ids = itertools.count(1000)



@pytest.fixture
def member_id():
    return next(_member_ids)


@pytest.fixture
def welfare(container_factory, nameko_config, service_db, amqp_uri):
    service_db("welfare")
    return start_service(container_factory, WelfareService, nameko_config, amqp_uri)


@pytest.fixture
def rpc(welfare, amqp_uri):
    with ServiceRpcClient("welfare", uri=amqp_uri, timeout=20, context_data=signed_context()) as client:
        yield client


@pytest.fixture
def publish(welfare, amqp_uri):
    """Publish an envelope on members.events, as the members service does."""
    return functools.partial(publish_message, amqp_uri, "members")


def hospitalized(member_id, date=None, hospital="市第一人民医院", branch_id=1):
    return events.to_message(events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": member_id * 10,
        "date": date or dt.date.today() - dt.timedelta(days=1), "hospital": hospital,
        "branch_id": branch_id, "birth_date": dt.date(1938, 3, 8), "hardship": True, "lives_alone": False,
    }, source="members"))


def tasks_of(rpc, member_id):
    return rpc.list_visit_tasks({"member_id": str(member_id)})["items"]


def dead_letters_of(amqp_uri, message):
    return [item for item in deadletters.list_dead_letters("welfare", amqp_uri)
            if item["event_id"] == message["event_id"]]


def succeeded(times):
    """An entrypoint_waiter callback: done once ``times`` workers ended without error."""
    successes = []

    def callback(worker_ctx, result, exc_info):
        if exc_info is None:
            successes.append(result)
        return len(successes) >= times
    return callback


def test_a_hospitalization_makes_one_open_visit_task(welfare, rpc, publish, member_id):
    message = hospitalized(member_id)
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(1)):
        publish(message)

    [task] = tasks_of(rpc, member_id)
    admitted = dt.date.fromisoformat(message["data"]["date"])
    assert task["cause"] == "hospitalized"
    assert task["status"] == "open"
    assert task["assignee"] is None
    assert task["due_date"] == (admitted + dt.timedelta(days=3)).isoformat()
    assert task["reason"] == f"住院探望：市第一人民医院（{admitted.isoformat()}入院）"
    assert task["source_event_id"] == message["event_id"]
    assert rpc.get_visit_task(task["id"]) == task


def test_the_same_envelope_twice_makes_one_task(welfare, rpc, publish, member_id):
    message = hospitalized(member_id)
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(2)):
        publish(message)
        publish(message)
    assert len(tasks_of(rpc, member_id)) == 1


def test_two_events_of_one_hospitalization_make_one_task(welfare, rpc, publish, member_id):
    first = hospitalized(member_id)
    second = hospitalized(member_id, hospital="第一人民医院")
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(2)):
        publish(first)
        publish(second)
    assert len(tasks_of(rpc, member_id)) == 1


def test_a_new_task_is_announced_on_welfare_events(welfare, publish, amqp_uri, member_id):
    with Connection(amqp_uri) as connection:
        listener = Queue(
            f"test-visit-task-created-{uuid.uuid4().hex}", exchange=get_event_exchange("welfare"),
            routing_key="visit_task_created", exclusive=True, auto_delete=True,
        )(connection.default_channel)
        listener.declare()
        message = hospitalized(member_id)
        publish(message)

        def announced():
            received = listener.get(no_ack=True)
            if received and received.payload["data"]["member_id"] == member_id:
                return received.payload
        payload = wait_until(announced)

    created = events.from_message(payload, expected_type="visit_task_created")
    assert created.source == "welfare"
    assert created.data["cause"] == "hospitalized"
    assert created.data["source_event_id"] == message["event_id"]


def test_completing_over_rpc(welfare, rpc, publish, member_id):
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(1)):
        publish(hospitalized(member_id))
    [task] = tasks_of(rpc, member_id)

    with pytest.raises(InvalidInput) as caught:
        rpc.complete_visit_task(task["id"], {"visited_on": dt.date.today().isoformat(), "visitors": []})
    assert "visitors" in caught.value.fields

    visit = {"visited_on": dt.date.today().isoformat(), "visitors": ["王书记"], "cash": "500.00"}
    done = rpc.complete_visit_task(task["id"], visit, "staff1")
    assert done["status"] == "done"
    assert done["visit"]["cash"] == "500.00" and done["visit"]["goods_value"] == "0.00"
    assert [item["id"] for item in rpc.list_visit_tasks({"member_id": str(member_id), "status": "done"})["items"]] == [task["id"]]
    with pytest.raises(Conflict):
        rpc.complete_visit_task(task["id"], visit, "staff1")


def test_a_field_the_consumer_does_not_know_is_ignored(welfare, rpc, publish, amqp_uri, member_id):
    """A producer adds an optional field: the consumer reads on (tolerant reader)."""
    message = hospitalized(member_id)
    message["data"]["ward"] = "added by a newer producer"
    message["trace_id"] = "abc"
    with entrypoint_waiter(welfare, HANDLER):
        publish(message)
    [task] = tasks_of(rpc, member_id)
    assert task["cause"] == "hospitalized" and dead_letters_of(amqp_uri, message) == []


def test_a_hospitalization_with_exactly_the_contracts_fields_makes_its_task(welfare, rpc, publish, member_id):
    message = hospitalized(member_id)
    del message["data"]["health_event_id"]  # the contract does not name it
    with entrypoint_waiter(welfare, HANDLER):
        publish(message)
    assert [task["cause"] for task in tasks_of(rpc, member_id)] == ["hospitalized"]


def test_a_version_the_consumer_does_not_know_goes_to_the_dead_letters(welfare, rpc, publish, amqp_uri, member_id):
    message = hospitalized(member_id)
    message["version"] = 2
    publish(message)

    [parked] = wait_until(lambda: dead_letters_of(amqp_uri, message))
    assert parked["attempts"] == 1
    assert parked["body"] == message
    assert tasks_of(rpc, member_id) == []

    # replayed, it reaches the handler's queue again, is refused again, and is parked again
    assert deadletters.replay("welfare", {message["event_id"]}, amqp_uri) == 1
    wait_until(lambda: dead_letters_of(amqp_uri, message))
    assert tasks_of(rpc, member_id) == []


def test_a_transient_failure_is_retried_and_then_succeeds(welfare, rpc, publish, monkeypatch, member_id):
    real = handlers.create_hospital_visit
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away (injected)")
        return real(*args, **kwargs)
    monkeypatch.setattr(handlers, "create_hospital_visit", fails_once)

    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(1)):
        publish(hospitalized(member_id))
    assert len(calls) == 2
    assert len(tasks_of(rpc, member_id)) == 1


def test_a_handler_that_always_fails_ends_in_dead_letters_and_can_be_replayed(
        welfare, rpc, publish, monkeypatch, amqp_uri, member_id):
    real = handlers.create_hospital_visit
    calls = []

    def always_fails(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("broken (injected)")
    monkeypatch.setattr(handlers, "create_hospital_visit", always_fails)

    message = hospitalized(member_id)
    publish(message)
    [parked] = wait_until(lambda: dead_letters_of(amqp_uri, message))
    assert parked["attempts"] == 3  # EVENT_RETRY_DELAYS [0.05, 0.1] in nameko_config
    assert len(calls) == 3
    assert parked["handler"] == "welfare.on_member_hospitalized"
    assert "broken (injected)" in parked["error"][0]
    assert tasks_of(rpc, member_id) == []

    # the operator mends the cause and replays: the task is made
    monkeypatch.setattr(handlers, "create_hospital_visit", real)
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(1)):
        assert deadletters.replay("welfare", {message["event_id"]}, amqp_uri) == 1
    assert len(tasks_of(rpc, member_id)) == 1
    assert dead_letters_of(amqp_uri, message) == []


def test_a_secretary_reaches_only_their_branch_over_rpc(welfare, rpc, publish, amqp_uri, member_id):
    other = next(_member_ids)
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(2)):
        publish(hospitalized(member_id, branch_id=1))
        publish(hospitalized(other, branch_id=2))
    [theirs] = tasks_of(rpc, other)
    assert rpc.list_visit_tasks()["total"] == 2  # staff: every branch

    secretary_context = signed_context(role="secretary", branch_ids=[1], user="sec1")
    with ServiceRpcClient("welfare", uri=amqp_uri, timeout=20, context_data=secretary_context) as secretary:
        listed = secretary.list_visit_tasks()
        assert ([task["member_id"] for task in listed["items"]], listed["total"]) == ([member_id], 1)
        with pytest.raises(NotFound):
            secretary.get_visit_task(theirs["id"])
        with pytest.raises(Forbidden):
            secretary.cancel_visit_task(theirs["id"], {"note": "x"}, "sec1")
        with pytest.raises(Forbidden):
            secretary.open_help_case({"member_id": other, "title": "x"}, "sec1")
    assert rpc.get_visit_task(theirs["id"])["status"] == "open"


def registered(member_id, name, branch_id):
    return events.to_message(events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": name, "birth_date": dt.date(1938, 3, 8),
        "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "specialties": [],
    }, source="members"))


def test_the_yearly_figures_and_the_scorecard_over_rpc_with_a_secretarys_scope(welfare, rpc, publish, amqp_uri,
                                                                               member_id):
    today = dt.date.today()
    year = today.year if today >= dt.date(today.year, 1, 15) else today.year - 1
    as_of = today if year == today.year else dt.date(year, 12, 31)
    admitted = dt.date(year, 1, 2)
    other = next(_member_ids)
    with entrypoint_waiter(welfare, "on_member_registered", callback=succeeded(2)):
        publish(registered(member_id, "王建国", 1))
        publish(registered(other, "李秀英", 2))
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(2)):
        publish(hospitalized(member_id, date=admitted, branch_id=1))
        publish(hospitalized(other, date=admitted, branch_id=2))
    [mine] = tasks_of(rpc, member_id)
    done = rpc.complete_visit_task(mine["id"], {"visited_on": (admitted + dt.timedelta(days=1)).isoformat(),
                                                "visitors": ["王书记"], "cash": "200.00", "goods_value": "50.5"},
                                   "tester")
    assert done["visit"]["expense_status"] == "pending"  # money given, funding not heard from yet
    query = {"year": year, "as_of": as_of.isoformat()}

    figures = rpc.annual_figures(query)
    assert (figures["visits"], figures["members_visited"]) == (1, 1)
    assert (figures["condolence_cash"], figures["condolence_goods"]) == ("200.00", "50.50")
    assert figures["visits_by_cause"] == [{"cause": "hospitalized", "label": "住院探望", "visits": 1, "members": 1}]
    assert rpc.annual_figures({"year": year - 1, "as_of": dt.date(year - 1, 12, 31).isoformat()})["visits"] == 0
    with pytest.raises(InvalidInput):
        rpc.annual_figures({"year": year, "as_of": f"{year + 1}-01-01"})

    card = rpc.scorecard_items(dict(query, branch_ids=None))
    items = {b["branch_id"]: {i["key"]: i for i in b["items"]} for b in card["branches"]}
    assert set(items) == {1, 2}
    assert items[1]["visits_on_time"] == {"key": "visits_on_time", "met": True, "missing": [], "misses": 0}
    due = (admitted + dt.timedelta(days=3)).isoformat()
    assert items[2]["visits_on_time"] == {"key": "visits_on_time", "met": False, "misses": 1,
                                          "missing": [f"李秀英 住院探望（应于{due}前）逾期未完成"]}
    assert items[2]["visits_twice_yearly"]["misses"] == 1 and not items[2]["visits_twice_yearly"]["met"]

    secretary_context = signed_context(role="secretary", branch_ids=[2], user="sec2")
    with ServiceRpcClient("welfare", uri=amqp_uri, timeout=20, context_data=secretary_context) as secretary:
        assert secretary.annual_figures(query)["visits"] == 0  # the visit made was branch 1's
        theirs = secretary.scorecard_items(dict(query, branch_ids=None))
        assert [b["branch_id"] for b in theirs["branches"]] == [2]
        assert secretary.scorecard_items(dict(query, branch_ids=[1]))["branches"] == []


def test_a_withdrawal_delivered_twice_cancels_the_open_tasks_once(welfare, rpc, publish, member_id):
    registered = events.to_message(events.new_event("member_registered", {
        "member_id": member_id, "branch_id": 1, "name": "陈淑芬", "birth_date": dt.date(1938, 3, 8),
        "status": "active", "hardship": True, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit"}, source="members"))
    with entrypoint_waiter(welfare, "on_member_registered", callback=succeeded(1)):
        publish(registered)
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(1)):
        publish(hospitalized(member_id))
    withdrawn = events.to_message(events.new_event("member_withdrawn", {
        "member_id": member_id, "branch_id": 1, "withdrawn_at": dt.datetime.now(dt.timezone.utc)}, source="members"))
    with entrypoint_waiter(welfare, "on_member_withdrawn", callback=succeeded(2)):
        publish(withdrawn)
        publish(withdrawn)
    [task] = tasks_of(rpc, member_id)
    assert (task["status"], task["cancel_note"]) == ("cancelled", "登记有误，已撤销")
    with entrypoint_waiter(welfare, HANDLER, callback=succeeded(1)):  # recorded before, arriving after: no task
        publish(hospitalized(member_id, date=dt.date.today() - dt.timedelta(days=5)))
    assert len(tasks_of(rpc, member_id)) == 1

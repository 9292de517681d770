"""Handlers and the event entrypoint on the real Store over in-memory SQLite."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory

from welfare.handlers import tasks as handlers
from welfare.models import VisitRecord, VisitTask
from welfare.service import WelfareService
from wuji_infra import access, events
from wuji_infra.clock import Clock
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.tables import inbox
from wuji_infra.testing import emitted_events

ADMITTED = dt.date(2026, 11, 25)
TODAY = dt.date(2026, 11, 26)
CONTRACT_KEYS = {"id", "member_id", "cause", "reason", "due_date", "status", "assignee"}


@pytest.fixture
def service(store):
    return worker_factory(WelfareService, db=store, hospital_visit_due_days=3,
                          rule_due_days={"discharged": 7, "serious_illness": 3, "deceased": 2}, clock=Clock(),
                          caller=access.SYSTEM)


def hospitalized(member_id=7, date=ADMITTED, hospital="市第一人民医院"):
    return events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": 100 + member_id, "date": date,
        "hospital": hospital, "branch_id": 2, "birth_date": dt.date(1940, 5, 1),
        "hardship": False, "lives_alone": True,
    }, source="members")


def tasks(store):
    """The stored tasks, as plain copies of their columns."""
    with store.read() as session:
        rows = session.scalars(sa.select(VisitTask).order_by(VisitTask.id)).all()
        return [SimpleNamespace(**{c.key: getattr(row, c.key) for c in VisitTask.__table__.columns}) for row in rows]


def emitted_types(store):
    return [event.event_type for event in emitted_events(store)]


def add_task(store, member_id=7, cause_date=ADMITTED, due_date=None, status="open"):
    """A task as a rule would have made it, with any due date and stored status."""
    with store.transaction() as tx:
        task = VisitTask(
            member_id=member_id, cause="hospitalized", cause_date=cause_date,
            cause_key=f"hospitalized:{member_id}:{cause_date.isoformat()}:{due_date}:{status}",
            reason="住院探望", due_date=due_date or cause_date + dt.timedelta(days=3), status=status,
        )
        tx.session.add(task)
        tx.session.flush()
        return task.id


# -- the hospital visit rule --------------------------------------------------

def test_hospitalization_creates_one_open_visit_task_and_announces_it(service, store):
    event = hospitalized()
    service.on_member_hospitalized(event)

    [task] = tasks(store)
    assert (task.member_id, task.branch_id, task.cause, task.status, task.assignee) == (7, 2, "hospitalized", "open", None)
    assert task.reason == "住院探望：市第一人民医院（2026-11-25入院）"
    assert task.due_date == dt.date(2026, 11, 28)
    assert task.cause_key == "hospitalized:7:2026-11-25"
    assert task.source_event_id == event.event_id

    [created] = emitted_events(store)
    assert created.event_type == "visit_task_created"
    assert created.data == {
        "task_id": task.id, "member_id": 7, "cause": "hospitalized",
        "due_date": dt.date(2026, 11, 28), "source_event_id": event.event_id, "branch_id": 2, "assignee": None,
    }


def test_due_days_come_from_the_setting(store, monkeypatch):
    monkeypatch.setenv("HOSPITAL_VISIT_DUE_DAYS", "5")
    service = worker_factory(WelfareService, db=store, hospital_visit_due_days=handlers.hospital_visit_due_days(),
                             clock=Clock())
    service.on_member_hospitalized(hospitalized())
    assert [task.due_date for task in tasks(store)] == [dt.date(2026, 11, 30)]


def test_the_due_days_default_to_3(monkeypatch):
    monkeypatch.delenv("HOSPITAL_VISIT_DUE_DAYS", raising=False)
    assert handlers.hospital_visit_due_days() == 3


@pytest.mark.parametrize("bad", ["three", "-1", "2.5"])
def test_a_bad_due_days_setting_stops_the_service_at_start(monkeypatch, bad):
    monkeypatch.setenv("HOSPITAL_VISIT_DUE_DAYS", bad)
    with pytest.raises(ValueError, match="HOSPITAL_VISIT_DUE_DAYS"):
        handlers.hospital_visit_due_days()


def test_a_redelivered_event_creates_one_task(service, store):
    event = hospitalized()
    service.on_member_hospitalized(event)
    service.on_member_hospitalized(event)
    assert len(tasks(store)) == 1
    assert emitted_types(store) == ["visit_task_created"]


def test_a_redelivered_event_is_claimed_and_not_handled_again(service, store, monkeypatch):
    calls = []
    monkeypatch.setattr(handlers, "create_hospital_visit", lambda tx, data, **kwargs: calls.append(data))
    event = hospitalized()
    service.on_member_hospitalized(event)
    service.on_member_hospitalized(event)
    assert len(calls) == 1
    with store.read() as session:
        claimed = session.execute(sa.select(inbox.c.handler, inbox.c.event_id)).all()
    assert claimed == [("welfare.on_member_hospitalized", event.event_id)]


def test_two_events_of_the_same_hospitalization_create_one_task(service, store):
    first, second = hospitalized(), hospitalized(hospital="第一人民医院")
    assert first.event_id != second.event_id
    service.on_member_hospitalized(first)
    service.on_member_hospitalized(second)
    [task] = tasks(store)
    assert task.source_event_id == first.event_id
    assert emitted_types(store) == ["visit_task_created"]


def test_another_stay_or_another_member_gets_its_own_task(service, store):
    service.on_member_hospitalized(hospitalized(member_id=7))
    service.on_member_hospitalized(hospitalized(member_id=7, date=ADMITTED + dt.timedelta(days=40)))
    service.on_member_hospitalized(hospitalized(member_id=8))
    assert [(task.member_id, task.cause_date) for task in tasks(store)] == [
        (7, ADMITTED), (7, ADMITTED + dt.timedelta(days=40)), (8, ADMITTED),
    ]
    assert emitted_types(store) == ["visit_task_created"] * 3


def test_the_handler_returns_what_it_created(store):
    with store.transaction() as tx:
        created = handlers.create_hospital_visit(tx, hospitalized().data, "e-1", due_days=3, today=TODAY)
    with store.transaction() as tx:
        again = handlers.create_hospital_visit(tx, hospitalized().data, "e-2", due_days=3, today=TODAY)
    assert [item["status"] for item in created] == ["open"]
    assert again == []


# -- reading ------------------------------------------------------------------

def test_get_visit_task_answers_the_contract_keys(store):
    task_id = add_task(store)
    with store.read() as session:
        item = handlers.get_visit_task(session, task_id, today=TODAY)
    assert CONTRACT_KEYS <= set(item)
    assert item["id"] == task_id
    assert item["due_date"] == "2026-11-28"
    assert item["status"] == "open"
    assert item["visit"] is None


@pytest.mark.parametrize("task_id", [999, "999", "abc", None, 0, -1, 2**40])
def test_get_a_missing_visit_task_is_not_found(store, task_id):
    with store.read() as session, pytest.raises(NotFound):
        handlers.get_visit_task(session, task_id, today=TODAY)


def test_get_shows_an_open_task_past_due_as_overdue(store):
    task_id = add_task(store, due_date=TODAY - dt.timedelta(days=1))
    with store.read() as session:
        assert handlers.get_visit_task(session, task_id, today=TODAY)["status"] == "overdue"
        assert handlers.get_visit_task(session, task_id, today=TODAY - dt.timedelta(days=1))["status"] == "open"


@pytest.fixture
def four_tasks(store):
    """overdue, open (due today), done (past due), cancelled; member 7 except the last."""
    return {
        "overdue": add_task(store, member_id=7, due_date=TODAY - dt.timedelta(days=1)),
        "open": add_task(store, member_id=7, due_date=TODAY),
        "done": add_task(store, member_id=7, due_date=TODAY - dt.timedelta(days=5), status="done"),
        "cancelled": add_task(store, member_id=8, due_date=TODAY + dt.timedelta(days=2), status="cancelled"),
    }


def listed(store, filters=None, page=1, page_size=20):
    with store.read() as session:
        return handlers.list_visit_tasks(session, filters, page, page_size, today=TODAY)


@pytest.mark.parametrize("status", ["open", "overdue", "done", "cancelled"])
def test_list_filters_by_status_as_seen_today(store, four_tasks, status):
    answer = listed(store, {"status": status})
    assert [item["id"] for item in answer["items"]] == [four_tasks[status]]
    assert answer["items"][0]["status"] == status
    assert answer["total"] == 1


def test_list_without_filters_shows_all_soonest_due_first(store, four_tasks):
    answer = listed(store)
    assert [item["status"] for item in answer["items"]] == ["done", "overdue", "open", "cancelled"]
    assert all(CONTRACT_KEYS <= set(item) for item in answer["items"])


def test_list_filters_by_member_id_given_as_a_string(store, four_tasks):
    answer = listed(store, {"member_id": "8"})
    assert [item["id"] for item in answer["items"]] == [four_tasks["cancelled"]]


def test_due_before_includes_tasks_due_on_that_day(store, four_tasks):
    answer = listed(store, {"due_before": TODAY.isoformat()})
    assert {item["id"] for item in answer["items"]} == {four_tasks["overdue"], four_tasks["open"], four_tasks["done"]}
    answer = listed(store, {"due_before": (TODAY - dt.timedelta(days=1)).isoformat(), "member_id": "7"})
    assert {item["id"] for item in answer["items"]} == {four_tasks["overdue"], four_tasks["done"]}


def test_filters_combine(store, four_tasks):
    answer = listed(store, {"member_id": "7", "status": "open", "due_before": TODAY.isoformat()})
    assert [item["id"] for item in answer["items"]] == [four_tasks["open"]]


@pytest.mark.parametrize("filters, field", [
    ({"status": "late"}, "status"),
    ({"member_id": "seven"}, "member_id"),
    ({"due_before": "2026-13-01"}, "due_before"),
    ({"due_before": "tomorrow"}, "due_before"),
    ({"assignee": "张三", "tip": "x"}, "tip"),
    ({"overdue": "maybe"}, "overdue"),
    ({"due_after": "2026-02-30"}, "due_after"),
    ({"cause": "whim"}, "cause"),
])
def test_bad_filters_are_invalid_input_naming_the_field(store, filters, field):
    with pytest.raises(InvalidInput) as caught:
        listed(store, filters)
    assert field in caught.value.fields


def test_list_pages(store):
    ids = [add_task(store, member_id=n, due_date=TODAY + dt.timedelta(days=n)) for n in range(1, 6)]
    first = listed(store, page=1, page_size=2)
    last = listed(store, page=3, page_size=2)
    beyond = listed(store, page=4, page_size=2)
    assert (first["total"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [item["id"] for item in first["items"]] == ids[:2]
    assert [item["id"] for item in last["items"]] == ids[4:]
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize("page, page_size", [(0, 20), ("x", 20), (1, 0), (1, 501)])
def test_bad_paging_is_invalid_input(store, page, page_size):
    with pytest.raises(InvalidInput):
        listed(store, page=page, page_size=page_size)


# -- completing ---------------------------------------------------------------

VISIT = {"visited_on": "2026-11-26", "visitors": ["王书记", "李委员"]}


def complete(store, task_id, data, completed_by="staff1", today=TODAY):
    with store.transaction() as tx:
        return handlers.complete_visit_task(tx, task_id, data, completed_by, today=today)


def test_completing_stores_the_visit_marks_the_task_done_and_announces_it(store):
    task_id = add_task(store)
    data = dict(VISIT, notes="精神尚可", needs=["轮椅"], cash="500.00", goods_value="200.5")
    item = complete(store, task_id, data)

    assert item["status"] == "done"
    assert item["visit"]["visited_on"] == "2026-11-26"
    assert item["visit"]["visitors"] == ["王书记", "李委员"]
    assert item["visit"]["needs"] == ["轮椅"]
    assert (item["visit"]["cash"], item["visit"]["goods_value"]) == ("500.00", "200.50")
    assert item["visit"]["completed_by"] == "staff1"
    with store.read() as session:
        record = session.get(VisitRecord, task_id)
        assert record.cash == Decimal("500.00") and record.notes == "精神尚可"

    [completed] = emitted_events(store)
    assert completed.event_type == "visit_completed"
    assert completed.data == {
        "task_id": task_id, "member_id": 7, "visited_on": dt.date(2026, 11, 26),
        "cash": Decimal("500.00"), "goods_value": Decimal("200.50"),
    }


def test_cash_and_goods_default_to_zero(store):
    task_id = add_task(store)
    item = complete(store, task_id, VISIT)
    assert (item["visit"]["cash"], item["visit"]["goods_value"]) == ("0.00", "0.00")
    assert item["visit"]["needs"] == [] and item["visit"]["notes"] is None
    [completed] = emitted_events(store)
    assert (completed.data["cash"], completed.data["goods_value"]) == (Decimal("0.00"), Decimal("0.00"))


def test_an_overdue_task_can_still_be_completed(store):
    task_id = add_task(store, due_date=TODAY - dt.timedelta(days=1))
    assert complete(store, task_id, VISIT)["status"] == "done"


@pytest.mark.parametrize("change, field", [
    ({"visited_on": "2026-11-27"}, "visited_on"),           # tomorrow
    ({"visited_on": "2026-11-24"}, "visited_on"),           # before admission
    ({"visited_on": "26/11/2026"}, "visited_on"),
    ({"visited_on": None}, "visited_on"),
    ({"visitors": []}, "visitors"),
    ({"visitors": ["  "]}, "visitors.0"),
    ({"visitors": "王书记"}, "visitors"),
    ({"visitors": ["王"] * 21}, "visitors"),
    ({"cash": 500.0}, "cash"),
    ({"cash": "-1.00"}, "cash"),
    ({"cash": "1.005"}, "cash"),
    ({"goods_value": "abc"}, "goods_value"),
    ({"goods_value": "NaN"}, "goods_value"),
    ({"needs": "轮椅"}, "needs"),
    ({"tip": "1.00"}, "tip"),
])
def test_bad_completions_are_invalid_input_and_change_nothing(store, change, field):
    task_id = add_task(store)
    with pytest.raises(InvalidInput) as caught:
        complete(store, task_id, dict(VISIT, **change))
    assert field in caught.value.fields
    assert [task.status for task in tasks(store)] == ["open"]
    assert emitted_types(store) == []


@pytest.mark.parametrize("missing", ["visited_on", "visitors"])
def test_visited_on_and_visitors_are_required(store, missing):
    task_id = add_task(store)
    data = {key: value for key, value in VISIT.items() if key != missing}
    with pytest.raises(InvalidInput) as caught:
        complete(store, task_id, data)
    assert caught.value.fields[missing] == ["必填 (required)"]


def test_a_body_that_is_not_an_object_is_invalid_input(store):
    with pytest.raises(InvalidInput):
        complete(store, add_task(store), ["2026-11-26"])


def test_completing_twice_is_a_conflict(store):
    task_id = add_task(store)
    complete(store, task_id, VISIT)
    with pytest.raises(Conflict):
        complete(store, task_id, dict(VISIT, cash="100.00"))
    with store.read() as session:
        assert session.get(VisitRecord, task_id).cash == Decimal("0.00")
    assert emitted_types(store) == ["visit_completed"]


def test_completing_a_cancelled_task_is_a_conflict(store):
    task_id = add_task(store, status="cancelled")
    with pytest.raises(Conflict):
        complete(store, task_id, VISIT)
    assert emitted_types(store) == []


def test_completing_a_missing_task_is_not_found(store):
    with pytest.raises(NotFound):
        complete(store, 999, VISIT)


def test_the_service_routes_rpc_calls_to_the_handlers(service, store):
    service.on_member_hospitalized(hospitalized(date=dt.date.today() - dt.timedelta(days=1)))
    [item] = service.list_visit_tasks({"member_id": "7"})["items"]
    assert service.get_visit_task(item["id"])["reason"] == item["reason"]
    done = service.complete_visit_task(item["id"], {"visited_on": dt.date.today().isoformat(), "visitors": ["王书记"]}, "staff1")
    assert done["status"] == "done" and done["visit"]["completed_by"] == "staff1"

"""Festival visits: lunar dates against published ones, the policy, the even
spread over visitors, and batches that never make a task twice."""
import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory

from welfare.domain import festivals
from welfare.handlers import festivals as handlers
from welfare.models import VisitTask
from welfare.service import WelfareService
from wuji_infra import events
from wuji_infra.clock import FixedClock
from wuji_infra.errors import InvalidInput
from wuji_infra.testing import emitted_events

# Published dates (国务院办公厅 holiday notices / Hong Kong Observatory calendar)
SPRING_FESTIVAL = {
    2000: dt.date(2000, 2, 5), 2020: dt.date(2020, 1, 25), 2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26), 2030: dt.date(2030, 2, 3),
}
DOUBLE_NINTH = {
    2020: dt.date(2020, 10, 25), 2021: dt.date(2021, 10, 14), 2022: dt.date(2022, 10, 4),
    2023: dt.date(2023, 10, 23), 2024: dt.date(2024, 10, 11), 2025: dt.date(2025, 10, 29),
    2026: dt.date(2026, 10, 18), 2027: dt.date(2027, 10, 8),
}


@pytest.mark.parametrize("year, day", sorted(SPRING_FESTIVAL.items()))
def test_spring_festival_falls_on_the_published_day(year, day):
    assert festivals.festival_date("spring_festival", year) == day


@pytest.mark.parametrize("year, day", sorted(DOUBLE_NINTH.items()))
def test_double_ninth_falls_on_the_published_day(year, day):
    assert festivals.festival_date("double_ninth", year) == day


def test_the_spread_is_even_whatever_the_loads_before():
    visitors = [(1, "甲"), (2, "乙"), (3, "丙")]
    counts = Counter(v for _, v in festivals.spread(range(100), visitors))
    assert sorted(counts.values()) == [33, 33, 34]
    counts = Counter(v for _, v in festivals.spread(range(10), visitors, loads={1: 5, 2: 0, 3: 1}))
    assert counts == {2: 5, 3: 4, 1: 1}  # 乙 and 丙 catch up with 甲 first: 6, 5, 5 in all
    assert festivals.spread([7], []) == [(7, None)]


def test_age_is_counted_on_the_festival_day_and_29_february_is_handled():
    day = dt.date(2027, 2, 6)
    assert festivals.born_on_or_before(day, 80) == dt.date(1947, 2, 6)
    assert festivals.born_on_or_before(dt.date(2028, 2, 29), 80) == dt.date(1948, 2, 29)
    assert festivals.born_on_or_before(dt.date(2028, 2, 29), 81) == dt.date(1947, 2, 28)


TODAY = dt.date(2027, 1, 25)  # 12 days before the Spring Festival of 2027 (6 February)


def register(service, member_id, born=dt.date(1950, 1, 1), **change):
    data = {"member_id": member_id, "branch_id": 1 + member_id % 3, "name": f"党员{member_id}", "birth_date": born,
            "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
            "mobility_limited": False, "org_relation": "unit", "specialties": [], **change}
    service.on_member_registered(events.new_event("member_registered", data, source="members"))


def festival_tasks(store):
    with store.read() as session:
        return session.execute(sa.select(VisitTask.member_id, VisitTask.assignee, VisitTask.due_date)
                               .where(VisitTask.cause == "festival").order_by(VisitTask.member_id)).all()


@pytest.fixture
def members(service):
    register(service, 1, born=dt.date(1947, 2, 6))          # 80 on the day: selected
    register(service, 2, born=dt.date(1947, 2, 7))          # 79 on the day
    register(service, 3, lives_alone=True)
    register(service, 4, hardship=True)
    register(service, 5, children_away=True)
    register(service, 6, born=dt.date(1930, 1, 1), status="deceased")
    for name in ("甲", "乙"):
        service.add_visitor({"name": name, "role": "staff"})


def test_a_batch_visits_whom_the_policy_selects_spread_over_the_visitors(service, store, members):
    answer = service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    assert answer["selected"] == answer["created"] == 3
    assert answer["assignees"] == {"甲": 2, "乙": 1}
    assert [(m, due) for m, _, due in festival_tasks(store)] == [(1, dt.date(2027, 2, 6)), (3, dt.date(2027, 2, 6)),
                                                                  (4, dt.date(2027, 2, 6))]
    created = [e for e in emitted_events(store) if e.event_type == "visit_task_created"]
    assert sorted(e.data["member_id"] for e in created) == [1, 3, 4]
    [task] = service.list_visit_tasks({"cause": "festival", "member_id": "1"})["items"]
    assert task["reason"] == "春节走访慰问（2027-02-06）"


def test_a_dry_run_names_whom_the_batch_would_visit_and_makes_nothing(service, store, members):
    preview = service.run_festival_batch({"festival": "spring_festival", "year": 2027, "dry_run": True})
    assert preview["dry_run"] is True
    assert (preview["selected"], preview["to_create"], preview["created"]) == (3, 3, 0)
    assert [(m["member_id"], m["name"], m["assignee"]) for m in preview["members"]] == [
        (3, "党员3", "甲"), (1, "党员1", "乙"), (4, "党员4", "甲")]  # by branch, then member; spread as the run will
    assert preview["assignees"] == {"甲": 2, "乙": 1}
    assert festival_tasks(store) == [] and not [e for e in emitted_events(store) if e.event_type == "visit_task_created"]

    made = service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    assert (made["dry_run"], made["created"], made["assignees"]) == (False, 3, preview["assignees"])
    assert "members" not in made
    assert sorted((m, a) for m, a, _ in festival_tasks(store)) == sorted((m["member_id"], m["assignee"]) for m in preview["members"])


def test_a_dry_run_after_the_batch_names_only_members_added_since(service, store, members):
    service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    register(service, 7, lives_alone=True)
    preview = service.run_festival_batch({"festival": "spring_festival", "year": 2027, "dry_run": True})
    assert (preview["selected"], preview["to_create"]) == (4, 1)
    assert preview["members"] == [{"member_id": 7, "name": "党员7", "branch_id": 2, "assignee": "乙"}]
    nobody = service.run_festival_batch({"festival": "spring_festival", "year": 2027, "dry_run": True, "policy": {
        "min_age": None, "lives_alone": False, "hardship": False, "children_away": False}})
    assert (nobody["selected"], nobody["to_create"], nobody["members"]) == (0, 0, [])


def test_a_batch_run_twice_creates_nothing_the_second_time(service, store, members):
    service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    again = service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    assert (again["selected"], again["created"]) == (3, 0)
    assert len(festival_tasks(store)) == 3
    # the batch is announced once, by the run that made its tasks; each task with its branch and visitor
    [made] = [e.data for e in emitted_events(store) if e.event_type == "festival_batch_made"]
    assert made == {"festival": "spring_festival", "year": 2027, "festival_date": dt.date(2027, 2, 6),
                    "tasks_created": 3}
    created = [e.data for e in emitted_events(store) if e.event_type == "visit_task_created"]
    assert sorted((d["member_id"], d["assignee"]) for d in created) == sorted(
        (m, a) for m, a, _ in festival_tasks(store))
    assert all(d["branch_id"] for d in created)


def test_a_second_run_adds_only_new_members_and_keeps_the_spread_even(service, store, members):
    service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    register(service, 7, lives_alone=True)
    again = service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    assert again["created"] == 1 and again["assignees"] == {"乙": 1}
    assert Counter(a for _, a, _ in festival_tasks(store)) == {"甲": 2, "乙": 2}


def test_another_festival_or_year_is_another_batch(service, store, members):
    service.run_festival_batch({"festival": "spring_festival", "year": 2027})
    # member 2 turns 80 before the Double Ninth
    assert service.run_festival_batch({"festival": "double_ninth", "year": 2027})["created"] == 4
    # by the Spring Festival of 2028 member 2 is 80 too
    assert service.run_festival_batch({"festival": "spring_festival", "year": 2028})["created"] == 4


def test_a_given_policy_overrides_the_stored_one(service, store, members):
    answer = service.run_festival_batch({"festival": "double_ninth", "year": 2027, "policy": {
        "min_age": None, "lives_alone": False, "hardship": False, "children_away": True}})
    assert answer["created"] == 1 and [m for m, _, _ in festival_tasks(store)] == [5]


def test_without_visitors_the_tasks_are_made_unassigned(service, store):
    register(service, 3, lives_alone=True)
    answer = service.run_festival_batch({"festival": "double_ninth", "year": 2027})
    assert answer["assignees"] == {handlers.UNASSIGNED: 1}


def test_the_timer_makes_the_batch_within_its_lead_days_by_the_default_policy(service, store, members):
    assert service.daily()["festival_tasks"] == 3
    assert service.daily()["festival_tasks"] == 0
    service.set_festival_policy("double_ninth", {"lead_days": 14})  # October: not yet
    assert service.daily()["festival_tasks"] == 0
    assert len(festival_tasks(store)) == 3


def test_the_timer_waits_for_the_lead_days(store, members):
    service = worker_factory(WelfareService, db=store, hospital_visit_due_days=3,
                             rule_due_days={"discharged": 7, "serious_illness": 3, "deceased": 2},
                             clock=FixedClock(dt.date(2027, 1, 22)))  # 15 days before
    assert service.daily()["festival_tasks"] == 0
    service.set_festival_policy("spring_festival", {"lead_days": 15})
    assert service.daily()["festival_tasks"] == 3


def test_policies_are_set_checked_and_listed_with_their_dates(service):
    answer = service.set_festival_policy("double_ninth", {"min_age": 70, "hardship": False}, "admin")
    assert (answer["min_age"], answer["hardship"], answer["lives_alone"], answer["lead_days"]) == (70, False, True, 14)
    listed = {item["festival"]: item for item in service.list_festival_policies({"year": "2026"})["items"]}
    assert listed["double_ninth"]["date"] == "2026-10-18" and listed["double_ninth"]["min_age"] == 70
    assert listed["double_ninth"]["stored"] is True
    spring = listed["spring_festival"]
    assert (spring["stored"], spring["min_age"], spring["date"], spring["batch_from"]) == (False, 80, "2026-02-17", "2026-02-03")
    for festival, body, field in (("easter", {}, "festival"), ("double_ninth", {"min_age": 10}, "min_age"),
                                  ("double_ninth", {"lead_days": -1}, "lead_days"),
                                  ("double_ninth", {"everyone": True}, "everyone")):
        with pytest.raises(InvalidInput) as caught:
            service.set_festival_policy(festival, body)
        assert field in caught.value.fields


@pytest.mark.parametrize("body, field", [
    ({"year": 2027}, "festival"),
    ({"festival": "spring_festival"}, "year"),
    ({"festival": "spring_festival", "year": 2200}, "year"),
    ({"festival": "spring_festival", "year": 2027, "policy": {"min_age": "old"}}, "policy.min_age"),
    ({"festival": "spring_festival", "year": 2027, "dry_run": "perhaps"}, "dry_run"),
])
def test_bad_batches_are_invalid_input(service, body, field):
    with pytest.raises(InvalidInput) as caught:
        service.run_festival_batch(body)
    assert field in caught.value.fields

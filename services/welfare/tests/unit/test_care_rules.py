"""The care rules beyond the hospital visit: member facts, discharge, serious
illness with pairing, death, birthdays, the daily timer, task changes,
expense refusals. On the real Store over in-memory SQLite, with a fixed clock."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory

from welfare.domain import daily, pairings as pairing_rules, tasks as task_rules
from welfare.handlers import daily as daily_work, pairings as pairing_handlers, tasks
from welfare.models import MemberFact, Pairing, TaskReminder, VisitTask
from welfare.service import WelfareService
from wuji_infra import access, events
from wuji_infra.clock import FixedClock
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 11, 26)  # a Thursday
DUE_DAYS = {"discharged": 7, "serious_illness": 3, "deceased": 2}


class Clock(FixedClock):
    """A fixed clock the test moves on: ``clock.day = ...``."""

    @property
    def day(self):
        return self.today()

    @day.setter
    def day(self, day):
        FixedClock.__init__(self, day)


@pytest.fixture
def clock():
    return Clock(TODAY)


@pytest.fixture
def service(store, clock):
    return worker_factory(WelfareService, db=store, hospital_visit_due_days=3,
                          rule_due_days=DUE_DAYS, clock=clock, caller=access.SYSTEM)


def facts(member_id=7, **change):
    data = {
        "member_id": member_id, "branch_id": 2, "name": f"党员{member_id}",
        "birth_date": dt.date(1940, 5, 1), "status": "active", "hardship": False,
        "lives_alone": True, "children_away": False, "mobility_limited": False,
        "org_relation": "unit", "pension_monthly": Decimal("6000.00"), "specialties": [],
    }
    data.update(change)
    return data


def member_event(event_type, member_id=7, **change):
    return events.new_event(event_type, facts(member_id, **change), source="members")


def health(event_type, member_id=7, date=TODAY, branch_id=2, **extra):
    data = {"member_id": member_id, "health_event_id": 100, "date": date, "branch_id": branch_id,
            "birth_date": dt.date(1940, 5, 1), "hardship": False, "lives_alone": True, **extra}
    return events.new_event(event_type, data, source="members")


def hospitalized(member_id=7, date=TODAY):
    return health("member_hospitalized", member_id, date, hospital="市第一人民医院")


def all_tasks(store):
    with store.read() as session:
        return [(t.member_id, t.cause, t.status, t.due_date, t.cancel_note)
                for t in session.scalars(sa.select(VisitTask).order_by(VisitTask.id))]


def pairings(store):
    with store.read() as session:
        return [(p.member_id, p.helper_id, p.active_member_id, p.reason, p.ended_on)
                for p in session.scalars(sa.select(Pairing).order_by(Pairing.id))]


def emitted(store, prefix=""):
    return [(e.event_type, e.data.get("task_id")) for e in emitted_events(store) if e.event_type.startswith(prefix)]


def add_visitor(store, name="王委员", role="committee", member_id=None, branch_id=2, pairs=True):
    with store.transaction() as tx:
        return pairing_handlers.add_visitor(tx, {"name": name, "role": role, "member_id": member_id,
                                                 "branch_id": branch_id, "pairs": pairs})["id"]


# -- member facts -------------------------------------------------------------

def test_registered_and_updated_members_are_kept_in_welfares_own_table(service, store):
    service.on_member_registered(member_event("member_registered"))
    service.on_member_updated(member_event("member_updated", hardship=True, branch_id=3))
    with store.read() as session:
        fact = session.get(MemberFact, 7)
        assert (fact.name, fact.branch_id, fact.hardship, fact.lives_alone, fact.status) == ("党员7", 3, True, True, "active")


def test_an_older_update_arriving_late_changes_nothing(service, store):
    older = member_event("member_updated", hardship=False)
    newer = member_event("member_updated", hardship=True)
    service.on_member_updated(newer)
    service.on_member_updated(older)
    with store.read() as session:
        assert session.get(MemberFact, 7).hardship is True


def test_a_dead_member_stays_dead_whatever_a_late_update_says(service, store):
    service.on_member_registered(member_event("member_registered"))
    service.on_member_deceased(health("member_deceased"))
    service.on_member_updated(member_event("member_updated", status="active"))
    with store.read() as session:
        assert session.get(MemberFact, 7).status == "deceased"


# -- discharge ----------------------------------------------------------------

def test_a_discharge_makes_a_home_follow_up_due_in_7_days(service, store):
    event = health("member_discharged")
    service.on_member_discharged(event)
    service.on_member_discharged(event)              # redelivered
    service.on_member_discharged(health("member_discharged"))  # same discharge, another message
    assert all_tasks(store) == [(7, "discharged", "open", dt.date(2026, 12, 3), None)]
    assert [t for t, _ in emitted(store)] == ["visit_task_created"]


def test_hospitalized_twice_in_a_week_gets_two_hospital_visits_and_a_follow_up(service, store):
    service.on_member_hospitalized(hospitalized(date=TODAY - dt.timedelta(days=6)))
    service.on_member_discharged(health("member_discharged", date=TODAY - dt.timedelta(days=4)))
    service.on_member_hospitalized(hospitalized(date=TODAY))
    assert [(cause, due) for _, cause, _, due, _ in all_tasks(store)] == [
        ("hospitalized", dt.date(2026, 11, 23)), ("discharged", dt.date(2026, 11, 29)),
        ("hospitalized", dt.date(2026, 11, 29)),
    ]


# -- serious illness and pairing ---------------------------------------------

def test_serious_illness_makes_a_visit_and_pairs_the_member_with_the_least_busy_helper(service, store):
    busy = add_visitor(store, "甲", branch_id=2)
    free = add_visitor(store, "乙", branch_id=2)
    add_visitor(store, "丙", branch_id=2, pairs=False)           # not willing
    service.on_member_seriously_ill(health("member_seriously_ill", member_id=8))
    service.on_member_seriously_ill(health("member_seriously_ill", member_id=7))
    assert [(m, cause, due) for m, cause, _, due, _ in all_tasks(store)] == [
        (8, "serious_illness", dt.date(2026, 11, 29)), (7, "serious_illness", dt.date(2026, 11, 29))]
    assert [(m, h) for m, h, *_ in pairings(store)] == [(8, busy), (7, free)]


def test_a_member_with_an_active_pairing_gets_no_second_one(service, store):
    add_visitor(store, "甲")
    add_visitor(store, "乙")
    service.on_member_seriously_ill(health("member_seriously_ill", date=TODAY - dt.timedelta(days=30)))
    service.on_member_seriously_ill(health("member_seriously_ill"))
    assert len(all_tasks(store)) == 2
    assert len(pairings(store)) == 1


def test_a_helper_of_the_members_own_branch_is_preferred_and_no_one_helps_himself(service, store):
    add_visitor(store, "外支部", branch_id=9)
    add_visitor(store, "本人", member_id=7, branch_id=2)
    same_branch = add_visitor(store, "本支部", role="member", member_id=50, branch_id=2)
    service.on_member_seriously_ill(health("member_seriously_ill", member_id=7))
    assert [h for _, h, *_ in pairings(store)] == [same_branch]


def test_without_a_willing_helper_the_member_is_left_unpaired_but_visited(service, store):
    add_visitor(store, "甲", pairs=False)
    service.on_member_seriously_ill(health("member_seriously_ill"))
    assert [cause for _, cause, *_ in all_tasks(store)] == ["serious_illness"]
    assert pairings(store) == []


def test_choose_helper_orders_by_branch_then_load_then_id():
    assert pairing_rules.choose_helper([], 7, 2) is None
    assert pairing_rules.choose_helper([(1, 7, 2, 0)], 7, 2) is None
    assert pairing_rules.choose_helper([(1, None, 3, 0), (2, None, 2, 5)], 7, 2) == 2
    assert pairing_rules.choose_helper([(1, None, 2, 2), (2, None, 2, 1), (3, None, 2, 1)], 7, 2) == 2


# -- death --------------------------------------------------------------------

def test_death_while_hospitalized_cancels_the_hospital_visit_and_makes_a_condolence_visit(service, store):
    add_visitor(store)
    service.on_member_registered(member_event("member_registered"))
    service.on_member_hospitalized(hospitalized(date=TODAY - dt.timedelta(days=2)))
    service.on_member_seriously_ill(health("member_seriously_ill", date=TODAY - dt.timedelta(days=1)))
    service.on_member_hospitalized(hospitalized(member_id=8))   # another member: untouched
    service.on_member_deceased(health("member_deceased"))

    assert all_tasks(store) == [
        (7, "hospitalized", "cancelled", dt.date(2026, 11, 27), task_rules.DECEASED_CANCEL_NOTE),
        (7, "serious_illness", "cancelled", dt.date(2026, 11, 28), task_rules.DECEASED_CANCEL_NOTE),
        (8, "hospitalized", "open", dt.date(2026, 11, 29), None),
        (7, "deceased", "open", dt.date(2026, 11, 28), None),
    ]
    [(_, _, active, _, ended)] = pairings(store)
    assert active is None and ended == TODAY
    cancelled = [e.data for e in emitted_events(store) if e.event_type == "visit_task_cancelled"]
    assert sorted(d["task_id"] for d in cancelled) == [1, 2] and {d["member_id"] for d in cancelled} == {7}


def test_a_death_reported_twice_makes_one_condolence_visit(service, store):
    service.on_member_deceased(health("member_deceased"))
    service.on_member_deceased(health("member_deceased", date=TODAY - dt.timedelta(days=1)))  # corrected date
    assert [cause for _, cause, *_ in all_tasks(store)] == ["deceased"]


def test_events_about_a_dead_member_arriving_late_make_no_visit(service, store):
    service.on_member_registered(member_event("member_registered"))
    service.on_member_deceased(health("member_deceased"))
    service.on_member_hospitalized(hospitalized(date=TODAY - dt.timedelta(days=3)))
    service.on_member_discharged(health("member_discharged"))
    service.on_member_seriously_ill(health("member_seriously_ill"))
    assert [cause for _, cause, *_ in all_tasks(store)] == ["deceased"]


def test_the_condolence_visit_is_not_cancelled_by_its_own_rule(service, store):
    service.on_member_deceased(health("member_deceased"))
    service.on_member_deceased(health("member_deceased"))
    assert [status for _, _, status, *_ in all_tasks(store)] == ["open"]


def test_the_due_days_settings_default_and_are_checked(monkeypatch):
    for name in tasks.RULE_DUE_DAYS_SETTINGS.values():
        monkeypatch.delenv(name, raising=False)
    assert tasks.rule_due_days() == {"discharged": 7, "serious_illness": 3, "deceased": 2}
    monkeypatch.setenv("CONDOLENCE_VISIT_DUE_DAYS", "1")
    assert tasks.rule_due_days()["deceased"] == 1
    monkeypatch.setenv("DISCHARGE_VISIT_DUE_DAYS", "a week")
    with pytest.raises(ValueError, match="DISCHARGE_VISIT_DUE_DAYS"):
        tasks.rule_due_days()


# -- birthdays ----------------------------------------------------------------

@pytest.mark.parametrize("born, today, age", [
    (dt.date(1936, 11, 30), dt.date(2026, 11, 30), 90),   # Monday birthday, that Monday
    (dt.date(1936, 12, 6), dt.date(2026, 11, 30), 90),    # Sunday birthday, from Monday
    (dt.date(1946, 12, 3), dt.date(2026, 12, 3), 80),     # on the day
    (dt.date(1941, 12, 1), dt.date(2026, 11, 30), 85),
    (dt.date(1931, 12, 1), dt.date(2026, 11, 30), 95),
    (dt.date(1926, 12, 1), dt.date(2026, 11, 30), 100),
    (dt.date(1923, 12, 1), dt.date(2026, 11, 30), 103),   # every year from 100
    (dt.date(1947, 1, 2), dt.date(2026, 12, 29), 80),     # the week starts in the old year
])
def test_a_milestone_birthday_gets_a_visit_in_its_week_due_on_the_day(born, today, age):
    planned = daily.birthday_visit(7, born, today)
    assert planned.due_date == daily.birthday_in(born, today.year if born.month >= today.month else today.year + 1)
    assert planned.cause_key == f"birthday:7:{age}"
    assert f"{age}岁" in planned.reason


@pytest.mark.parametrize("born, today", [
    (dt.date(1936, 12, 7), dt.date(2026, 12, 6)),    # next week
    (dt.date(1936, 11, 29), dt.date(2026, 11, 30)),  # last week, passed
    (dt.date(1944, 12, 1), dt.date(2026, 11, 30)),   # 82: no milestone
    (dt.date(1927, 12, 1), dt.date(2026, 11, 30)),   # 99: no milestone
])
def test_no_birthday_visit_outside_the_week_or_the_milestones(born, today):
    assert daily.birthday_visit(7, born, today) is None


def test_a_29_february_birthday_falls_on_28_february_in_other_years():
    assert daily.birthday_in(dt.date(1944, 2, 29), 2026) == dt.date(2026, 2, 28)
    assert daily.birthday_in(dt.date(1944, 2, 29), 2028) == dt.date(2028, 2, 29)
    assert daily.birthday_visit(7, dt.date(1946, 2, 28), dt.date(2026, 2, 23)).due_date == dt.date(2026, 2, 28)


def test_the_timer_makes_birthday_visits_once_for_active_members_only(service, store, clock):
    clock.day = dt.date(2026, 11, 30)
    service.on_member_registered(member_event("member_registered", 1, birth_date=dt.date(1936, 12, 2)))
    service.on_member_registered(member_event("member_registered", 2, birth_date=dt.date(1936, 12, 2), status="deceased"))
    service.on_member_registered(member_event("member_registered", 3, birth_date=dt.date(1937, 12, 2)))
    service.on_member_registered(member_event("member_registered", 4, birth_date=dt.date(1920, 12, 6)))
    assert service.daily()["birthday_tasks"] == 2
    clock.day = dt.date(2026, 12, 1)
    assert service.daily()["birthday_tasks"] == 0
    assert [(m, cause, due) for m, cause, _, due, _ in all_tasks(store)] == [
        (1, "birthday", dt.date(2026, 12, 2)), (4, "birthday", dt.date(2026, 12, 6))]


# -- the daily timer: reminders -------------------------------------------------

def test_due_soon_and_overdue_go_out_once_per_task_even_when_the_timer_runs_twice(service, store, clock):
    service.on_member_hospitalized(hospitalized(1, date=TODAY - dt.timedelta(days=2)))  # due tomorrow
    service.on_member_hospitalized(hospitalized(2, date=TODAY - dt.timedelta(days=4)))  # due yesterday
    service.on_member_hospitalized(hospitalized(3, date=TODAY))                         # due in 3 days
    ids = {member: task_id for member, task_id in zip((1, 2, 3), [t for _, t in emitted(store)])}

    assert service.daily() == {"birthday_tasks": 0, "festival_tasks": 0, "due_soon": 1, "overdue": 1}
    assert service.daily() == {"birthday_tasks": 0, "festival_tasks": 0, "due_soon": 0, "overdue": 0}
    assert emitted(store, "visit_task_d") == [("visit_task_due_soon", ids[1])]
    assert emitted(store, "visit_task_o") == [("visit_task_overdue", ids[2])]

    clock.day = TODAY + dt.timedelta(days=2)  # task 1 now overdue, task 3 due tomorrow
    service.daily()
    service.daily()
    assert emitted(store, "visit_task_d") == [("visit_task_due_soon", ids[1]), ("visit_task_due_soon", ids[3])]
    assert emitted(store, "visit_task_o") == [("visit_task_overdue", ids[2]), ("visit_task_overdue", ids[1])]


def test_done_and_cancelled_tasks_get_no_reminders(service, store):
    service.on_member_hospitalized(hospitalized(1, date=TODAY - dt.timedelta(days=5)))
    service.on_member_hospitalized(hospitalized(2, date=TODAY - dt.timedelta(days=5)))
    first, second = [t for _, t in emitted(store)]
    service.complete_visit_task(first, {"visited_on": TODAY.isoformat(), "visitors": ["王书记"]})
    service.cancel_visit_task(second, {"note": "家属婉拒探望"}, "staff1")
    assert service.daily()["overdue"] == 0


def test_a_reminder_already_marked_by_another_process_is_not_sent_again(store):
    with store.transaction() as tx:
        [task] = tasks.create_hospital_visit(tx, hospitalized(date=TODAY - dt.timedelta(days=5)).data, due_days=3,
                                             today=TODAY)
        tx.session.add(TaskReminder(task_id=task["id"], kind="overdue"))
    with store.transaction() as tx:
        assert daily_work.run_daily(tx, today=TODAY, now=FixedClock(TODAY).now())["overdue"] == 0
    assert emitted(store, "visit_task_o") == []


def test_the_reminder_event_carries_the_assignee(service, store):
    service.on_member_hospitalized(hospitalized(date=TODAY - dt.timedelta(days=2)))
    [(_, task_id)] = emitted(store)
    service.change_assignee(task_id, {"assignee": "李干事"})
    service.daily()
    [event] = [e for e in emitted_events(store) if e.event_type == "visit_task_due_soon"]
    assert event.data == {"task_id": task_id, "member_id": 7, "cause": "hospitalized",
                          "due_date": TODAY + dt.timedelta(days=1), "assignee": "李干事", "branch_id": 2}
    [assigned] = [e for e in emitted_events(store) if e.event_type == "visit_task_assigned"]
    assert assigned.data == {"task_id": task_id, "member_id": 7, "due_date": TODAY + dt.timedelta(days=1),
                             "assignee": "李干事", "branch_id": 2}


# -- task changes, filters ----------------------------------------------------

def test_cancelling_needs_a_note_and_only_an_open_task(service, store):
    service.on_member_hospitalized(hospitalized())
    [(_, task_id)] = emitted(store)
    for body, field in (({}, "note"), ({"note": "  "}, "note"), ({"note": "x", "why": 1}, "why")):
        with pytest.raises(InvalidInput) as caught:
            service.cancel_visit_task(task_id, body, "staff1")
        assert field in caught.value.fields
    done = service.cancel_visit_task(task_id, {"note": " 已转院外地 "}, "staff1")
    assert (done["status"], done["cancel_note"], done["cancelled_by"]) == ("cancelled", "已转院外地", "staff1")
    with pytest.raises(Conflict):
        service.cancel_visit_task(task_id, {"note": "again"}, "staff1")
    with pytest.raises(Conflict):
        service.change_assignee(task_id, {"assignee": "李干事"})
    with pytest.raises(NotFound):
        service.cancel_visit_task(999, {"note": "x"})


def test_the_assignee_can_be_changed_and_cleared(service, store):
    service.on_member_hospitalized(hospitalized())
    [(_, task_id)] = emitted(store)
    assert service.change_assignee(task_id, {"assignee": "李干事"})["assignee"] == "李干事"
    assert service.change_assignee(task_id, {"assignee": None})["assignee"] is None
    for body in ({}, {"assignee": ""}, {"assignee": "x" * 101}):
        with pytest.raises(InvalidInput) as caught:
            service.change_assignee(task_id, body)
        assert "assignee" in caught.value.fields


def test_list_filters_by_assignee_cause_overdue_and_due_range(service, store):
    service.on_member_hospitalized(hospitalized(1, date=TODAY - dt.timedelta(days=5)))  # overdue
    service.on_member_discharged(health("member_discharged", member_id=2))             # due +7
    service.on_member_hospitalized(hospitalized(3))                                    # due +3
    first, second, third = [t for _, t in emitted(store)]
    service.change_assignee(third, {"assignee": "李干事"})

    def ids(**filters):
        return [item["id"] for item in service.list_visit_tasks(filters)["items"]]
    assert ids(assignee="李干事") == [third]
    assert ids(cause="discharged") == [second]
    assert ids(overdue="true") == [first]
    assert ids(overdue="false") == [third, second]
    assert ids(due_after="2026-11-29", due_before="2026-12-03") == [third, second]
    assert ids(due_after="2026-11-30") == [second]


# -- visit records and funding's refusals -----------------------------------------

def test_a_visit_records_its_kind_defaulting_by_cause(service, store):
    service.on_member_hospitalized(hospitalized(1))
    service.on_member_discharged(health("member_discharged", member_id=2))
    first, second = [t for _, t in emitted(store)]
    visit = {"visited_on": TODAY.isoformat(), "visitors": ["王书记"]}
    assert service.complete_visit_task(first, visit)["visit"]["kind"] == "hospital"
    assert service.complete_visit_task(second, dict(visit, kind="video"))["visit"]["kind"] == "video"


def test_a_bad_visit_kind_is_invalid_input(service, store):
    service.on_member_hospitalized(hospitalized())
    [(_, task_id)] = emitted(store)
    with pytest.raises(InvalidInput) as caught:
        service.complete_visit_task(task_id, {"visited_on": TODAY.isoformat(), "visitors": ["王"], "kind": "letter"})
    assert "kind" in caught.value.fields


def refused(reference, reason="专项经费余额不足 (not enough funds)"):
    return events.new_event("expense_refused", {
        "year": 2026, "category": "visits_condolences", "amount": Decimal("500.00"),
        "reason": reason, "reference": reference, "member_id": 7}, source="funding")


def test_a_refused_expense_shows_on_its_visit(service, store):
    service.on_member_hospitalized(hospitalized())
    [(_, task_id)] = emitted(store)
    service.complete_visit_task(task_id, {"visited_on": TODAY.isoformat(), "visitors": ["王"], "cash": "500.00"})
    assert service.get_visit_task(task_id)["visit"]["expense_refused"] is None
    event = refused(f"visit:{task_id}")
    service.on_expense_refused(event)
    service.on_expense_refused(event)
    shown = service.get_visit_task(task_id)["visit"]["expense_refused"]
    assert shown["reason"] == "专项经费余额不足 (not enough funds)"


@pytest.mark.parametrize("reference", [None, "activity:1", "visit:999", "visit:abc"])
def test_refusals_of_other_expenses_change_nothing(store, reference):
    with store.transaction() as tx:
        assert tasks.record_expense_refused(tx, refused(reference).data, dt.datetime.now(dt.timezone.utc)) is False


# -- visitors and pairings lists ------------------------------------------------

def test_visitors_are_added_checked_and_listed(service, store):
    first = service.add_visitor({"name": "王委员", "role": "committee", "branch_id": 2, "pairs": True})
    assert first["active"] is True and first["pairs"] is True
    service.add_visitor({"name": "李干事", "role": "staff"})
    assert [v["name"] for v in service.list_visitors({"role": "staff"})["items"]] == ["李干事"]
    assert service.list_visitors({"pairs": "true"})["total"] == 1
    service.add_visitor({"name": "张", "role": "member", "member_id": 50})
    with pytest.raises(Conflict):
        service.add_visitor({"name": "张", "role": "member", "member_id": 50})
    for body, field in (({"role": "staff"}, "name"), ({"name": "x", "role": "boss"}, "role"),
                        ({"name": "x", "role": "staff", "pairs": "often"}, "pairs")):
        with pytest.raises(InvalidInput) as caught:
            service.add_visitor(body)
        assert field in caught.value.fields


def test_pairings_are_listed_with_their_helper_and_filtered(service, store):
    helper = add_visitor(store, "王委员")
    service.on_member_seriously_ill(health("member_seriously_ill", member_id=7))
    service.on_member_deceased(health("member_deceased", member_id=7))
    add_visitor(store, "李委员")
    service.on_member_seriously_ill(health("member_seriously_ill", member_id=8))
    answer = service.list_pairings({"active": "true"})
    # the pairing with the dead member ended, so 王委员 is free again and first by id
    assert [(p["member_id"], p["helper_name"], p["active"]) for p in answer["items"]] == [(8, "王委员", True)]
    ended = service.list_pairings({"member_id": "7"})["items"]
    assert [(p["helper_id"], p["active"], p["ended_on"]) for p in ended] == [(helper, False, TODAY.isoformat())]
    with pytest.raises(InvalidInput):
        service.list_pairings({"active": "perhaps"})

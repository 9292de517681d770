"""A member withdrawn as entered in error (member_withdrawn): open visit tasks cancelled with the
note, an active pairing ended, the copy withdrawn for good; out of the batches, lists and figures;
the visits made and what was given stay."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from welfare.domain import tasks as task_rules
from welfare.handlers import figures, pairings as pairing_handlers
from welfare.models import MemberFact, Pairing, VisitRecord, VisitTask
from wuji_infra import events

TODAY = dt.date(2026, 11, 26)
WITHDRAWN_AT = dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.timezone.utc)


def facts(member_id, **change):
    return {"member_id": member_id, "branch_id": 2, "name": f"党员{member_id}", "birth_date": dt.date(1936, 12, 2),
            "status": "active", "hardship": True, "lives_alone": True, "children_away": False,
            "mobility_limited": False, "org_relation": "unit", "pension_monthly": Decimal("6000.00"),
            "specialties": [], "counts_from": dt.date(2019, 1, 1), **change}


def member_event(event_type, member_id, **change):
    return events.new_event(event_type, facts(member_id, **change), source="members")


def health(event_type, member_id, date=TODAY, **extra):
    return events.new_event(event_type, {"member_id": member_id, "health_event_id": 100 + member_id, "date": date,
                                         "branch_id": 2, "birth_date": dt.date(1936, 12, 2), "hardship": True,
                                         "lives_alone": True, **extra}, source="members")


def withdrawn(member_id):
    return events.new_event("member_withdrawn", {"member_id": member_id, "branch_id": 2,
                                                 "withdrawn_at": WITHDRAWN_AT}, source="members")


def tasks_of(store, member_id):
    with store.read() as session:
        return [(t.cause, t.status, t.cancel_note, t.cancelled_by)
                for t in session.scalars(sa.select(VisitTask).where(VisitTask.member_id == member_id)
                                         .order_by(VisitTask.id))]


def status_of(store, member_id):
    with store.read() as session:
        return session.get(MemberFact, member_id).status


def test_open_tasks_are_cancelled_the_pairing_ends_and_the_copy_is_withdrawn_once(service, store):
    with store.transaction() as tx:
        pairing_handlers.add_visitor(tx, {"name": "王委员", "role": "committee", "branch_id": 2, "pairs": True})
    for member_id in (7, 8):
        service.on_member_registered(member_event("member_registered", member_id))
        service.on_member_hospitalized(health("member_hospitalized", member_id, hospital="市一医院"))
    service.on_member_seriously_ill(health("member_seriously_ill", 7))
    event = withdrawn(7)
    service.on_member_withdrawn(event)
    service.on_member_withdrawn(event)  # delivered twice: acts once
    note = task_rules.WITHDRAWN_CANCEL_NOTE
    assert note == "登记有误，已撤销"
    assert tasks_of(store, 7) == [("hospitalized", "cancelled", note, "system"),
                                  ("serious_illness", "cancelled", note, "system")]
    assert tasks_of(store, 8) == [("hospitalized", "open", None, None)]
    assert status_of(store, 7) == "withdrawn" and status_of(store, 8) == "active"
    with store.read() as session:
        [pairing] = session.execute(sa.select(Pairing.active_member_id, Pairing.ended_on, Pairing.end_reason)).all()
    assert tuple(pairing) == (None, TODAY, "登记有误，已撤销")
    # events recorded before the withdrawal and arriving after it make no task, and no later event revives them
    service.on_member_discharged(health("member_discharged", 7))
    service.on_member_deceased(health("member_deceased", 7))
    service.on_member_updated(member_event("member_updated", 7))
    assert [cause for cause, *_ in tasks_of(store, 7)] == ["hospitalized", "serious_illness"]
    assert status_of(store, 7) == "withdrawn"


def test_the_withdrawal_before_the_registration_still_withdraws(service, store):
    service.on_member_withdrawn(withdrawn(7))                                      # no copy yet: skipped
    service.on_member_updated(member_event("member_updated", 7, status="withdrawn"))  # sent with it
    service.on_member_registered(member_event("member_registered", 7))               # older: changes nothing
    assert status_of(store, 7) == "withdrawn"


def test_a_withdrawn_member_gets_no_birthday_visit_nor_is_listed_unpaired(service, store):
    for member_id in (7, 8):  # 90 on Friday
        service.on_member_registered(member_event("member_registered", member_id, birth_date=dt.date(1936, 11, 27)))
    service.on_member_withdrawn(withdrawn(7))
    with store.read() as session:
        unpaired = pairing_handlers.members_without_pairing(session)
    assert [m["member_id"] for m in unpaired["items"]] == [8]
    service.daily()
    with store.read() as session:
        birthdays = session.scalars(sa.select(VisitTask.member_id).where(VisitTask.cause == "birthday")).all()
    assert birthdays == [8]


def test_the_visits_made_and_their_money_stay_but_the_member_is_not_counted_visited(service, store):
    for member_id in (7, 8):
        service.on_member_registered(member_event("member_registered", member_id))
    with store.transaction() as tx:
        for member_id in (7, 8):
            task = VisitTask(member_id=member_id, branch_id=2, cause="hospitalized", cause_date=TODAY,
                             cause_key=f"hospitalized:{member_id}:x", reason="x", due_date=dt.date(2026, 11, 10),
                             status="done")
            tx.session.add(task)
            tx.session.flush()
            tx.session.add(VisitRecord(task_id=task.id, visited_on=dt.date(2026, 11, 5), visitors=["王书记"],
                                       cash=Decimal("500.00"), goods_value=Decimal("0")))
        # a visit done late: a miss of visits_on_time while the member counts
        task = VisitTask(member_id=7, branch_id=2, cause="hospitalized", cause_date=TODAY, reason="x",
                         cause_key="hospitalized:7:late", due_date=dt.date(2026, 10, 1), status="done")
        tx.session.add(task)
        tx.session.flush()
        tx.session.add(VisitRecord(task_id=task.id, visited_on=dt.date(2026, 10, 9), visitors=["王书记"],
                                   cash=Decimal("0"), goods_value=Decimal("0")))
    query = {"year": 2026, "as_of": TODAY.isoformat(), "branch_ids": None}

    def read(call):
        with store.read() as session:
            return call(session, query)
    assert read(figures.annual_figures)["members_visited"] == 2
    card = {i["key"]: i for i in read(figures.scorecard_items)["branches"][0]["items"]}
    assert not card["visits_on_time"]["met"]
    service.on_member_withdrawn(withdrawn(7))
    answer = read(figures.annual_figures)
    assert (answer["visits"], answer["members_visited"], answer["condolence_cash"]) == (3, 1, "1000.00")
    assert answer["visits_by_cause"][0]["members"] == 1
    card = {i["key"]: i for i in read(figures.scorecard_items)["branches"][0]["items"]}
    assert card["visits_on_time"]["met"]
    assert all("党员7" not in text for text in card["visits_twice_yearly"]["missing"])

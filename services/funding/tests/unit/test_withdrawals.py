"""A member withdrawn as entered in error (member_withdrawn): pending subsidy checks closed without
booking, no arrears, no dues taken, no new check; what was booked stays in the ledger."""
import dataclasses
import datetime as dt
import itertools
from decimal import Decimal

import pytest

from funding.domain import subsidy
from funding.handlers import dues as dues_handlers
from funding.handlers import figures
from funding.models import MemberFact
from wuji_infra import events
from wuji_infra.errors import Conflict

TODAY = dt.date(2026, 7, 15)
POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))
WITHDRAWN_AT = dt.datetime(2026, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
_ids = itertools.count(1)


def register(service, member_id):
    service.on_member_registered(dataclasses.replace(events.new_event("member_registered", {
        "member_id": member_id, "branch_id": 1, "name": f"党员{member_id}", "birth_date": dt.date(1940, 1, 2),
        "status": "active", "hardship": True, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": Decimal("4000.00")},
        source="members"), occurred_at=dt.datetime(2025, 12, 1, 4, tzinfo=dt.timezone.utc)))


def hospitalized(member_id, date):
    return events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": next(_ids), "date": date, "hospital": "市一医院",
        "branch_id": 1, "birth_date": dt.date(1940, 1, 2), "hardship": True, "lives_alone": False}, source="members")


def withdrawn(member_id):
    return events.new_event("member_withdrawn", {"member_id": member_id, "branch_id": 1,
                                                 "withdrawn_at": WITHDRAWN_AT}, source="members")


def checks_of(service, member_id):
    return [(c["status"], c["review_note"], c["expense_id"] is not None)
            for c in service.list_subsidy_checks({"member_id": str(member_id)})["items"]]


def test_pending_checks_close_without_booking_and_booked_money_stays(service, store):
    for member_id in (1, 2):
        register(service, member_id)
    service.add_budget({"year": 2026, "source": "special_fund", "amount": "5000.00"}, "clerk")
    service.on_member_hospitalized(hospitalized(1, dt.date(2026, 3, 10)))
    [booked] = service.list_subsidy_checks({"member_id": "1"})["items"]
    service.approve_subsidy(booked["id"], "clerk")
    service.on_member_hospitalized(hospitalized(1, dt.date(2026, 6, 10)))
    service.on_member_hospitalized(hospitalized(2, dt.date(2026, 6, 10)))
    event = withdrawn(1)
    service.on_member_withdrawn(event)
    service.on_member_withdrawn(event)  # delivered twice: acts once
    assert checks_of(service, 1) == [("closed", "登记有误，已撤销", False), ("approved", None, True)]
    assert checks_of(service, 2) == [("pending_approval", None, False)]
    assert service.get_balances({"year": "2026"})["sources"]["special_fund"]["spent"] == "500.00"
    assert [c["id"] for c in service.list_subsidy_checks({"status": "closed"})["items"]] != []
    # an event recorded before the withdrawal and arriving after it makes no check
    service.on_member_hospitalized(hospitalized(1, dt.date(2026, 7, 1)))
    assert len(checks_of(service, 1)) == 2
    with store.read() as session:
        assert session.get(MemberFact, 1).status == "withdrawn"


def test_a_withdrawn_member_owes_no_dues_and_pays_none(service, store):
    for member_id in (1, 2):
        register(service, member_id)
    service.fix_dues({"year": 2026}, "clerk")
    service.on_member_withdrawn(withdrawn(1))
    with store.read() as session:
        owing = dues_handlers.dues_arrears(session, {"year": "2026"}, today=TODAY)
        card = figures.scorecard_items(session, {"year": 2026, "as_of": TODAY.isoformat(), "branch_ids": None})
    assert [m["member_id"] for m in owing["items"]] == [2]
    [branch] = card["branches"]
    assert all("党员1" not in text for item in branch["items"] for text in item["missing"])
    with pytest.raises(Conflict) as one:
        service.pay_dues({"member_id": 1, "year": 2026, "month": 7, "paid_by": "member"}, "clerk")
    assert "member_id" in one.value.fields
    with pytest.raises(Conflict) as collection:
        service.collect_dues({"branch_id": 1, "year": 2026, "month": 7, "member_ids": [1, 2]}, "clerk")
    assert "已撤销" in collection.value.fields["member_ids"][0]
    assert service.collect_dues({"branch_id": 1, "year": 2026, "month": 7, "member_ids": [2]}, "clerk")["paid"]

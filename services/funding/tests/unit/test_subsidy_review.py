"""Subsidy checks on serious illness, the yearly cap, and approval or rejection by staff."""
import datetime as dt
import itertools
from decimal import Decimal

import pytest

from funding.domain import subsidy
from funding.service import read_subsidy_policy
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"), yearly_cap=Decimal("1200.00"))
_ids = itertools.count(1)


def health_event(event_type, member_id, date, hardship=True):
    data = {"member_id": member_id, "health_event_id": next(_ids), "date": date, "branch_id": 1,
            "birth_date": dt.date(1950, 1, 1), "hardship": hardship, "lives_alone": False}
    if event_type == "member_hospitalized":
        data["hospital"] = "市中医院"
    return events.new_event(event_type, data, source="members")


def only_check(service, member_id):
    [check] = service.list_subsidy_checks({"member_id": str(member_id)})["items"]
    return check


def test_a_serious_illness_is_checked_like_a_hospitalization(service, store):
    event = health_event("member_seriously_ill", 1, dt.date(2026, 5, 6))
    service.on_member_seriously_ill(event)
    service.on_member_seriously_ill(event)
    check = only_check(service, 1)
    assert (check["cause"], check["status"], check["amount"]) == ("serious_illness", "pending_approval", "500.00")
    assert check["reason"] == "生活困难党员，重病补助 500.00 元"
    assert [e.event_type for e in emitted_events(store)] == ["subsidy_checked"]


def test_the_yearly_cap_counts_what_was_granted_or_is_waiting(service):
    for day in (dt.date(2026, 1, 5), dt.date(2026, 3, 5), dt.date(2026, 6, 5), dt.date(2027, 1, 5)):
        service.on_member_hospitalized(health_event("member_hospitalized", 2, day))
    checks = {c["event_date"]: c for c in service.list_subsidy_checks({"member_id": "2"})["items"]}
    assert checks["2026-01-05"]["amount"] == "500.00"
    assert checks["2026-03-05"]["amount"] == "500.00"
    third = checks["2026-06-05"]
    assert (third["eligible"], third["amount"]) == (True, "200.00")
    assert third["reason"] == "生活困难党员，住院补助 200.00 元（本年已获补助 1000.00 元，每人每年上限 1200.00 元）"
    assert checks["2027-01-05"]["amount"] == "500.00"   # a new year

    service.on_member_hospitalized(health_event("member_hospitalized", 2, dt.date(2026, 9, 5)))
    fourth = [c for c in service.list_subsidy_checks({"member_id": "2"})["items"] if c["event_date"] == "2026-09-05"][0]
    assert (fourth["eligible"], fourth["amount"], fourth["status"]) == (False, "0.00", "not_eligible")
    assert fourth["reason"] == "生活困难党员，但本年已获补助 1200.00 元，已达每人每年上限 1200.00 元"


def test_a_rejected_check_no_longer_counts_against_the_cap(service):
    for day in (dt.date(2026, 1, 5), dt.date(2026, 2, 5)):
        service.on_member_hospitalized(health_event("member_hospitalized", 3, day))
    first = [c for c in service.list_subsidy_checks({"member_id": "3"})["items"] if c["event_date"] == "2026-01-05"][0]
    service.reject_subsidy(first["id"], {"reason": "已由工会补助"}, "clerk")
    service.on_member_hospitalized(health_event("member_hospitalized", 3, dt.date(2026, 3, 5)))
    latest = service.list_subsidy_checks({"member_id": "3"})["items"][0]
    assert latest["amount"] == "500.00"


def test_approval_books_a_hardship_subsidy_and_a_second_approval_is_409(service, store):
    service.add_budget({"year": 2026, "source": "dues_rebate", "amount": "300.00"})
    service.add_budget({"year": 2026, "source": "special_fund", "amount": "1000.00"})
    service.on_member_hospitalized(health_event("member_hospitalized", 4, dt.date(2026, 4, 1)))
    check = only_check(service, 4)

    approved = service.approve_subsidy(check["id"], "clerk")
    assert (approved["status"], approved["reviewed_by"]) == ("approved", "clerk")
    expense = service.get_expense(approved["expense_id"])
    assert (expense["category"], expense["amount"], expense["member_id"], expense["reference"]) == (
        "hardship_subsidy", "500.00", 4, f"subsidy:{check['id']}")
    assert expense["allocations"] == [{"source": "dues_rebate", "amount": "300.00"},
                                      {"source": "special_fund", "amount": "200.00"}]
    booked = [e for e in emitted_events(store) if e.event_type == "expense_booked"]
    assert [e.data["reference"] for e in booked] == [f"subsidy:{check['id']}"]

    with pytest.raises(Conflict) as raised:
        service.approve_subsidy(check["id"], "clerk")
    assert "已批准" in raised.value.message
    with pytest.raises(Conflict):
        service.reject_subsidy(check["id"], {"reason": "重复"})
    assert service.get_balances({"year": "2026"})["sources"]["special_fund"]["balance"] == "800.00"
    # announced once, by the approval: the refused second review says nothing
    reviewed = [e.data for e in emitted_events(store) if e.event_type == "subsidy_reviewed"]
    assert reviewed == [{"check_id": check["id"], "member_id": 4, "status": "approved"}]


def test_an_approval_the_sources_cannot_cover_is_409_and_the_check_stays_pending(service, store):
    service.add_budget({"year": 2026, "source": "unit_subsidy", "amount": "100.00"})
    service.on_member_hospitalized(health_event("member_hospitalized", 5, dt.date(2026, 4, 1)))
    check = only_check(service, 5)
    with pytest.raises(Conflict) as raised:
        service.approve_subsidy(check["id"], "clerk")
    assert raised.value.fields["unit_subsidy"] == ["余额 100.00 元 (balance 100.00)"]
    assert only_check(service, 5)["status"] == "pending_approval"
    assert service.list_ledger({"category": "hardship_subsidy"})["total"] == 0
    assert not [e for e in emitted_events(store) if e.event_type == "subsidy_reviewed"]


def test_rejection_keeps_its_reason_and_the_decision(service, store):
    service.on_member_hospitalized(health_event("member_hospitalized", 6, dt.date(2026, 4, 1)))
    check = only_check(service, 6)
    with pytest.raises(InvalidInput) as raised:
        service.reject_subsidy(check["id"], {})
    assert "reason" in raised.value.fields
    rejected = service.reject_subsidy(check["id"], {"reason": "家属已放弃申请"}, "clerk")
    assert (rejected["status"], rejected["review_note"], rejected["reviewed_by"]) == ("rejected", "家属已放弃申请", "clerk")
    assert rejected["reason"] == check["reason"]
    with pytest.raises(Conflict):
        service.approve_subsidy(check["id"])
    assert service.list_subsidy_checks({"status": "rejected"})["total"] == 1
    reviewed = [e.data for e in emitted_events(store) if e.event_type == "subsidy_reviewed"]
    assert reviewed == [{"check_id": check["id"], "member_id": 6, "status": "rejected"}]


def test_a_check_not_eligible_cannot_be_approved(service):
    service.on_member_hospitalized(health_event("member_hospitalized", 7, dt.date(2026, 4, 1), hardship=False))
    check = only_check(service, 7)
    assert check["status"] == "not_eligible"
    with pytest.raises(Conflict) as raised:
        service.approve_subsidy(check["id"])
    assert "不符合条件" in raised.value.message


def test_review_of_a_check_that_does_not_exist(service):
    with pytest.raises(NotFound):
        service.approve_subsidy(404)
    with pytest.raises(InvalidInput):
        service.reject_subsidy("x", {"reason": "r"})


def test_the_yearly_cap_comes_from_its_setting(monkeypatch):
    monkeypatch.setenv("SUBSIDY_YEARLY_CAP", "3000")
    assert read_subsidy_policy().yearly_cap == Decimal("3000.00")
    monkeypatch.setenv("SUBSIDY_YEARLY_CAP", "-1")
    with pytest.raises(ValueError, match="SUBSIDY_YEARLY_CAP"):
        read_subsidy_policy()

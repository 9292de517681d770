"""Separation of duties for money: a policy the admin switches on. Off, the office
reviews subsidies and reverses money as before; on, only an approver does, and
never reverses what they booked themselves."""
import datetime as dt
from decimal import Decimal

import pytest

from funding.domain import duties, policy, subsidy
from wuji_infra import access, events
from wuji_infra.errors import Forbidden, InvalidInput

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))

STAFF = access.Access("wang", access.STAFF)
ADMIN = access.Access("admin", access.ADMIN)
APPROVER = access.Access("zhao", access.APPROVER)
OTHER_APPROVER = access.Access("qian", access.APPROVER)


def test_the_rule():
    assert duties.duty_problem(False, access.STAFF, "wang") is None
    assert duties.duty_problem(False, access.APPROVER, "zhao", booked_by="zhao") is None
    assert duties.duty_problem(True, access.STAFF, "wang") == duties.ONLY_APPROVER
    assert duties.duty_problem(True, access.ADMIN, "admin") == duties.ONLY_APPROVER
    assert duties.duty_problem(True, access.APPROVER, "zhao") is None
    assert duties.duty_problem(True, access.APPROVER, "zhao", booked_by="wang") is None
    assert duties.duty_problem(True, access.APPROVER, "zhao", booked_by="zhao") == duties.NOT_YOUR_OWN


def separate(service, on=True):
    return service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "separation_of_duties": on}, "admin")


def pending_check(service, member_id):
    service.on_member_hospitalized(events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": member_id, "date": dt.date(2026, 5, 6), "branch_id": 1,
        "birth_date": dt.date(1940, 1, 2), "hardship": True, "lives_alone": False, "hospital": "市中医院"},
        source="members"))
    [check] = service.list_subsidy_checks({"member_id": str(member_id)})["items"]
    return check["id"]


@pytest.fixture
def money(service):
    """A budget (that nothing spends) and an expense, both booked by staff member wang, and two pending checks."""
    service.caller = STAFF
    service.add_budget({"year": 2026, "source": "special_fund", "amount": "5000.00"}, "wang")
    budget = service.add_budget({"year": 2026, "source": "public_fund", "amount": "300.00"}, "wang")
    expense = service.book_expense({"year": 2026, "category": "activities", "amount": "100.00",
                                    "description": "重阳节活动"}, "wang")
    return {"budget": budget["id"], "expense": expense["id"], "checks": [pending_check(service, 1), pending_check(service, 2)]}


def as_(service, caller):
    service.caller = caller
    return service


def test_the_policy_keeps_the_switch_and_it_is_off_by_default(service):
    assert service.get_policy()["separation_of_duties"] is False
    assert separate(service)["separation_of_duties"] is True
    kept = service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "note": "改分配"}, "admin")
    assert kept["separation_of_duties"] is True            # absent: as in force
    assert separate(service, False)["separation_of_duties"] is False
    history = service.list_policy_history()["items"]
    assert [v["separation_of_duties"] for v in history] == [False, True, True]
    with pytest.raises(InvalidInput) as raised:
        separate(service, "maybe")
    assert "separation_of_duties" in raised.value.fields


def test_off_the_office_reviews_and_reverses_as_before(service, money):
    first, second = money["checks"]
    assert as_(service, STAFF).approve_subsidy(first, "wang")["status"] == "approved"
    assert as_(service, ADMIN).reject_subsidy(second, {"reason": "已由工会补助"}, "admin")["status"] == "rejected"
    assert as_(service, STAFF).reverse_budget(money["budget"], {"reason": "录错"}, "wang")["reversal"]["reversed_by"] == "wang"
    assert as_(service, STAFF).reverse_expense(money["expense"], {"reason": "录错"}, "wang")["reversal"]["reversed_by"] == "wang"


def test_on_only_an_approver_reviews_a_subsidy(service, money):
    separate(service)
    first, second = money["checks"]
    for caller in (STAFF, ADMIN):
        with pytest.raises(Forbidden) as raised:
            as_(service, caller).approve_subsidy(first, caller.user)
        assert raised.value.message == duties.ONLY_APPROVER
        with pytest.raises(Forbidden):
            as_(service, caller).reject_subsidy(second, {"reason": "x"}, caller.user)
    assert as_(service, APPROVER).approve_subsidy(first, "zhao")["reviewed_by"] == "zhao"
    assert as_(service, APPROVER).reject_subsidy(second, {"reason": "已由工会补助"}, "zhao")["status"] == "rejected"


def test_on_only_another_approver_reverses_money(service, money):
    separate(service)
    with pytest.raises(Forbidden):
        as_(service, STAFF).reverse_expense(money["expense"], {"reason": "录错"}, "wang")
    with pytest.raises(Forbidden):
        as_(service, STAFF).reverse_budget(money["budget"], {"reason": "录错"}, "wang")
    # an approver's own budget (booked while they were staff, or before the switch)
    own = as_(service, STAFF).add_budget({"year": 2026, "source": "public_fund", "amount": "10.00"}, "zhao")
    with pytest.raises(Forbidden) as raised:
        as_(service, APPROVER).reverse_budget(own["id"], {"reason": "录错"}, "zhao")
    assert raised.value.message == duties.NOT_YOUR_OWN
    assert as_(service, OTHER_APPROVER).reverse_budget(own["id"], {"reason": "录错"}, "qian")["reversal"]["reversed_by"] == "qian"
    assert as_(service, APPROVER).reverse_expense(money["expense"], {"reason": "录错"}, "zhao")["reversal"]["reversed_by"] == "zhao"


def test_on_an_approver_may_not_reverse_the_expense_of_a_subsidy_they_approved(service, money):
    separate(service)
    approved = as_(service, APPROVER).approve_subsidy(money["checks"][0], "zhao")
    with pytest.raises(Forbidden) as raised:
        service.reverse_expense(approved["expense_id"], {"reason": "重复"}, "zhao")
    assert raised.value.message == duties.NOT_YOUR_OWN
    assert as_(service, OTHER_APPROVER).reverse_expense(approved["expense_id"], {"reason": "重复"}, "qian")["reversal"]

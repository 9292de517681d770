"""A branch secretary sees and records only the subsidy checks and dues of the members
of their branches (by funding's copy of the roster); the office sees every branch.
And the personal facts in funding's answers are marked for the gateway to mask."""
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from funding import schemas
from funding.domain import subsidy
from wuji_infra import access, events
from wuji_infra.errors import Forbidden, NotFound

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))

A, B = 1, 2                      # two branches
OURS, THEIRS = 101, 201          # a member of each
SECRETARY_A = access.Access("li", access.SECRETARY, [A])
STAFF = access.Access("wang", access.STAFF)


def register(service, member_id, branch_id):
    service.on_member_registered(dataclasses.replace(events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": f"党员{member_id}",
        "birth_date": dt.date(1940, 1, 2), "status": "active", "hardship": True, "lives_alone": False,
        "children_away": False, "mobility_limited": False, "org_relation": "unit",
        "pension_monthly": Decimal("4000.00")}, source="members"),
        occurred_at=dt.datetime(2025, 12, 1, 4, tzinfo=dt.timezone.utc)))


def hospitalized(service, member_id, branch_id):
    service.on_member_hospitalized(events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": member_id, "date": dt.date(2026, 5, 6), "branch_id": branch_id,
        "birth_date": dt.date(1940, 1, 2), "hardship": True, "lives_alone": False, "hospital": "市中医院"},
        source="members"))


def pay(service, member_id, month=6):
    return service.pay_dues({"member_id": member_id, "year": 2026, "month": month, "paid_by": "member",
                             "paid_on": "2026-07-01"}, "clerk")


@pytest.fixture
def branches(service):
    """A member in each branch, each with a subsidy check, dues fixed and June paid; as the office."""
    for member_id, branch_id in ((OURS, A), (THEIRS, B)):
        register(service, member_id, branch_id)
        hospitalized(service, member_id, branch_id)
    service.fix_dues({"year": 2026}, "clerk")
    pay(service, OURS)
    pay(service, THEIRS)
    checks = {c["member_id"]: c["id"] for c in service.list_subsidy_checks()["items"]}
    return checks


def members_of(page):
    return sorted({item["member_id"] for item in page["items"]})


def test_a_secretary_lists_only_their_branches_subsidy_checks(service, branches):
    service.caller = SECRETARY_A
    page = service.list_subsidy_checks()
    assert (members_of(page), page["total"]) == ([OURS], 1)
    theirs = service.list_subsidy_checks({"member_id": str(THEIRS)})
    assert (theirs["items"], theirs["total"]) == ([], 0)
    service.caller = STAFF
    assert members_of(service.list_subsidy_checks()) == [OURS, THEIRS]


def test_a_secretary_gets_their_branches_check_and_not_found_for_another(service, branches):
    service.caller = SECRETARY_A
    assert service.get_subsidy_check(branches[OURS])["member_id"] == OURS
    with pytest.raises(NotFound):
        service.get_subsidy_check(branches[THEIRS])
    with pytest.raises(NotFound):
        service.get_subsidy_check(9999)          # one that does not exist: the same answer
    service.caller = STAFF
    assert service.get_subsidy_check(branches[THEIRS])["member_id"] == THEIRS


def test_a_check_of_a_member_funding_has_not_heard_of_is_the_offices_only(service):
    hospitalized(service, 301, A)                # no member_registered yet: no branch known
    [check] = service.list_subsidy_checks()["items"]
    service.caller = SECRETARY_A
    assert service.list_subsidy_checks()["total"] == 0
    with pytest.raises(NotFound):
        service.get_subsidy_check(check["id"])


@pytest.mark.parametrize("rpc", ["list_dues_rates", "list_dues_payments"])
def test_a_secretary_lists_only_their_branches_dues(service, branches, rpc):
    service.caller = SECRETARY_A
    page = getattr(service, rpc)({"year": "2026"})
    assert (members_of(page), page["total"]) == ([OURS], 1)
    theirs = getattr(service, rpc)({"year": "2026", "member_id": str(THEIRS)})
    assert (theirs["items"], theirs["total"]) == ([], 0)
    service.caller = STAFF
    page = getattr(service, rpc)({"year": "2026"})
    assert (members_of(page), page["total"]) == ([OURS, THEIRS], 2)


def test_a_secretary_sees_only_their_branches_arrears(service, branches):
    service.caller = SECRETARY_A
    owing = service.dues_arrears({"year": "2026"})
    assert (members_of(owing), owing["total"]) == ([OURS], 1)
    assert service.dues_arrears({"year": "2026", "member_id": str(THEIRS)})["total"] == 0
    service.caller = STAFF
    owing = service.dues_arrears({"year": "2026"})
    assert (members_of(owing), owing["total"]) == ([OURS, THEIRS], 2)


def test_a_secretary_records_dues_of_their_branches_members_only(service, branches):
    service.caller = SECRETARY_A
    assert pay(service, OURS, month=7)["member_id"] == OURS
    with pytest.raises(Forbidden):
        pay(service, THEIRS, month=7)
    with pytest.raises(Forbidden):
        pay(service, 999, month=7)               # a member funding does not know: no branch of theirs
    service.caller = STAFF
    assert pay(service, THEIRS, month=7)["member_id"] == THEIRS
    assert service.list_dues_payments({"year": "2026", "member_id": str(THEIRS)})["total"] == 2


# -- personal facts marked for the gateway -----------------------------------------

@pytest.mark.parametrize("schema, field, kind", [
    (schemas.SubsidyCheckOut, "reason", access.HEALTH),
    (schemas.SubsidyCheckOut, "review_note", access.HEALTH),
    (schemas.DuesRateOut, "pension_basis", access.PENSION),
    (schemas.DuesRateOut, "reason", access.PENSION),
    (schemas.DuesPaymentOut, "payer_name", access.CONTACT),
])
def test_personal_facts_in_the_answers_are_marked(schema, field, kind):
    declared = schema._declared_fields[field]
    assert declared.metadata["sensitive"] == kind
    # a masked value ("***") is a string, so a marked field is documented as one
    assert isinstance(declared, schemas.fields.String) or getattr(declared, "as_string", False)

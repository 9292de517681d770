"""Budgets, expenses, balances, the ledger and the allocation policy, on in-memory SQLite."""
import datetime as dt
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa

from funding.domain import ledger, policy, subsidy
from funding.models import Expense, LedgerEntry, MemberFact
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))
_ids = itertools.count(1)


def budget(service, source, amount, year=2026):
    return service.add_budget({"year": year, "source": source, "amount": amount}, "staff1")


def expense(service, amount, category="activities", year=2026, **extra):
    return service.book_expense({"year": year, "category": category, "amount": amount,
                                 "description": "重阳节活动", **extra}, "staff1")


def balance_of(service, year=2026):
    return {source: row["balance"] for source, row in service.get_balances({"year": str(year)})["sources"].items()}


# -- budgets and balances -------------------------------------------------------

def test_budgets_of_a_source_and_year_add_up(service):
    first = budget(service, "special_fund", "1000.00")
    second = budget(service, "special_fund", "250.50")
    assert first["budget_total"] == "1000.00" and second["budget_total"] == "1250.50"
    assert second["id"] != first["id"]
    answer = service.get_balances({"year": "2026"})
    assert answer["year"] == 2026
    assert answer["sources"]["special_fund"] == {"budget": "1250.50", "spent": "0.00", "balance": "1250.50"}
    assert answer["sources"]["unit_subsidy"] == {"budget": "0.00", "spent": "0.00", "balance": "0.00"}
    assert service.get_balances({"year": "2027"})["sources"]["special_fund"]["budget"] == "0.00"


@pytest.mark.parametrize("body, field", [
    ({"year": 2026, "source": "lottery", "amount": "10.00"}, "source"),
    ({"year": 2026, "source": "special_fund", "amount": "0"}, "amount"),
    ({"year": 2026, "source": "special_fund", "amount": "-5.00"}, "amount"),
    ({"year": 2026, "source": "special_fund", "amount": "1.005"}, "amount"),
    ({"year": 2026, "source": "special_fund", "amount": 10.5}, "amount"),
    ({"year": 2026, "source": "special_fund", "amount": "1000000000.01"}, "amount"),
    ({"year": "2026", "source": "special_fund", "amount": "10.00"}, "year"),
    ({"year": 1800, "source": "special_fund", "amount": "10.00"}, "year"),
    ({"source": "special_fund", "amount": "10.00"}, "year"),
    ({"year": 2026, "source": "special_fund", "amount": "10.00", "extra": 1}, "extra"),
])
def test_a_bad_budget_is_refused_naming_the_field(service, body, field):
    with pytest.raises(InvalidInput) as raised:
        service.add_budget(body)
    assert field in raised.value.fields


def test_balances_need_a_good_year(service):
    for query in ({}, {"year": "abc"}, {"year": "3000"}):
        with pytest.raises(InvalidInput) as raised:
            service.get_balances(query)
        assert "year" in raised.value.fields


# -- expenses -------------------------------------------------------------------

def test_an_expense_is_split_over_the_allowed_sources_in_policy_order(service, store):
    # activities: special_fund, then dues_rebate, then public_fund
    budget(service, "special_fund", "100.00")
    budget(service, "public_fund", "500.00")
    budget(service, "unit_subsidy", "900.00")   # not allowed for activities
    booked = expense(service, "250.00", member_id=7, date="2026-10-09")
    assert booked["allocations"] == [{"source": "special_fund", "amount": "100.00"},
                                     {"source": "public_fund", "amount": "150.00"}]
    assert balance_of(service) == {"special_fund": "0.00", "dues_rebate": "0.00",
                                   "public_fund": "350.00", "unit_subsidy": "900.00"}
    assert service.get_expense(booked["id"])["allocations"] == booked["allocations"]
    [event] = [e for e in emitted_events(store) if e.event_type == "expense_booked"]
    assert event.data == {"expense_id": booked["id"], "year": 2026, "category": "activities",
                          "amount": Decimal("250.00"), "reference": None, "member_id": 7}


def test_an_expense_the_sources_cannot_cover_is_409_naming_each_balance_and_books_nothing(service, store):
    budget(service, "special_fund", "100.00")
    budget(service, "dues_rebate", "20.00")
    budget(service, "public_fund", "30.00")
    with pytest.raises(Conflict) as raised:
        expense(service, "150.01")
    assert raised.value.fields == {
        "special_fund": ["余额 100.00 元 (balance 100.00)"],
        "dues_rebate": ["余额 20.00 元 (balance 20.00)"],
        "public_fund": ["余额 30.00 元 (balance 30.00)"],
    }
    assert "经费不足" in raised.value.message and "150.00" in raised.value.message
    with store.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Expense)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 3   # the budgets
    assert not [e for e in emitted_events(store) if e.event_type == "expense_booked"]
    assert expense(service, "150.00")["allocations"][-1] == {"source": "public_fund", "amount": "30.00"}
    assert set(balance_of(service).values()) == {"0.00"}


def test_money_of_another_year_is_not_spent(service):
    budget(service, "special_fund", "100.00", year=2025)
    with pytest.raises(Conflict):
        expense(service, "10.00", year=2026)


@pytest.mark.parametrize("change, field", [
    ({"category": "banquets"}, "category"),
    ({"amount": "0.00"}, "amount"),
    ({"description": ""}, "description"),
    ({"date": "2025-12-31"}, "date"),
    ({"date": "31/12/2026"}, "date"),
    ({"member_id": "7"}, "member_id"),
    ({"member_id": 0}, "member_id"),
])
def test_a_bad_expense_is_refused_naming_the_field(service, change, field):
    budget(service, "special_fund", "100.00")
    body = {"year": 2026, "category": "activities", "amount": "10.00", "description": "活动", **change}
    with pytest.raises(InvalidInput) as raised:
        service.book_expense(body)
    assert field in raised.value.fields


def test_get_expense_that_does_not_exist(service):
    with pytest.raises(NotFound):
        service.get_expense(99)
    with pytest.raises(InvalidInput):
        service.get_expense("1")


# -- the ledger -----------------------------------------------------------------

def test_the_ledger_filters_and_pages(service):
    budget(service, "special_fund", "1000.00")
    budget(service, "public_fund", "1000.00")
    budget(service, "special_fund", "50.00", year=2025)
    expense(service, "100.00", member_id=7, date="2026-03-01")
    expense(service, "40.00", category="facilities", date="2026-06-01")

    everything = service.list_ledger({}, 1, 2)
    assert everything["total"] == 5 and len(everything["items"]) == 2 and everything["page_size"] == 2
    assert everything["items"][0]["category"] == "facilities"   # newest first
    assert service.list_ledger({"year": "2025"})["total"] == 1
    assert service.list_ledger({"source": "public_fund"})["total"] == 1
    [mine] = service.list_ledger({"member_id": "7"})["items"]
    assert (mine["kind"], mine["amount"], mine["source"], mine["entry_date"]) == ("expense", "100.00", "special_fund", "2026-03-01")
    assert service.list_ledger({"category": "facilities"})["total"] == 1
    assert service.list_ledger({"date_from": "2026-02-01", "date_to": "2026-04-01"})["total"] == 1


@pytest.mark.parametrize("filters, field", [
    ({"source": "x"}, "source"), ({"year": "x"}, "year"), ({"member_id": "-1"}, "member_id"),
    ({"date_from": "2026-13-01"}, "date_from"), ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_from"),
    ({"colour": "red"}, "colour"),
])
def test_bad_ledger_filters(service, filters, field):
    with pytest.raises(InvalidInput) as raised:
        service.list_ledger(filters)
    assert field in raised.value.fields


# -- the policy -----------------------------------------------------------------

def test_the_default_policy_covers_every_category():
    assert set(policy.DEFAULT_ALLOCATION) == set(ledger.CATEGORIES)
    assert policy.allocation_problems(policy.DEFAULT_ALLOCATION) == {}


def test_the_policy_is_the_default_until_set_and_keeps_its_history(service):
    shown = service.get_policy()
    assert shown["version"] == 0 and shown["allocation"] == policy.DEFAULT_ALLOCATION
    assert service.list_policy_history()["total"] == 0

    changed = dict(policy.DEFAULT_ALLOCATION, activities=["public_fund", "special_fund"])
    first = service.set_policy({"allocation": changed, "note": "公用经费优先"}, "admin")
    second = service.set_policy({"allocation": policy.DEFAULT_ALLOCATION}, "admin")
    assert (first["version"], second["version"]) == (1, 2)
    assert service.get_policy()["version"] == 2
    history = service.list_policy_history()
    assert [v["version"] for v in history["items"]] == [2, 1]
    assert history["items"][1]["allocation"]["activities"] == ["public_fund", "special_fund"]
    assert history["items"][1]["note"] == "公用经费优先" and history["items"][1]["created_by"] == "admin"


def test_a_changed_policy_changes_the_order_of_payment(service):
    budget(service, "special_fund", "100.00")
    budget(service, "public_fund", "100.00")
    service.set_policy({"allocation": dict(policy.DEFAULT_ALLOCATION, activities=["public_fund", "special_fund"])})
    assert expense(service, "120.00")["allocations"] == [{"source": "public_fund", "amount": "100.00"},
                                                         {"source": "special_fund", "amount": "20.00"}]


@pytest.mark.parametrize("allocation, field", [
    ({k: v for k, v in policy.DEFAULT_ALLOCATION.items() if k != "newspapers"}, "allocation.newspapers"),
    (dict(policy.DEFAULT_ALLOCATION, newspapers=[]), "allocation.newspapers"),
    (dict(policy.DEFAULT_ALLOCATION, newspapers=["gold"]), "allocation.newspapers"),
    (dict(policy.DEFAULT_ALLOCATION, newspapers=["public_fund", "public_fund"]), "allocation.newspapers"),
    (dict(policy.DEFAULT_ALLOCATION, newspapers="public_fund"), "allocation.newspapers"),
    (dict(policy.DEFAULT_ALLOCATION, parties=["public_fund"]), "allocation.parties"),
    ("public_fund", "allocation"),
])
def test_a_bad_policy_is_refused_and_changes_nothing(service, allocation, field):
    with pytest.raises(InvalidInput) as raised:
        service.set_policy({"allocation": allocation})
    assert field in raised.value.fields
    assert service.get_policy()["version"] == 0


# -- money from events ----------------------------------------------------------

def visit_completed(task_id, cash="300.00", goods="200.00", member_id=7, visited_on=dt.date(2026, 4, 2)):
    return events.new_event("visit_completed", {
        "task_id": task_id, "member_id": member_id, "visited_on": visited_on,
        "cash": Decimal(cash), "goods_value": Decimal(goods)}, source="welfare")


def activity_recorded(activity_id, cost="800.00", category="activities"):
    return events.new_event("activity_recorded", {
        "activity_id": activity_id, "branch_id": 1, "kind": "红色教育基地参观", "date": dt.date(2026, 7, 1),
        "participants": 25, "cost": Decimal(cost), "expense_category": category}, source="activities")


def test_a_completed_visit_is_booked_once_per_visit(service, store):
    budget(service, "dues_rebate", "400.00")
    budget(service, "special_fund", "1000.00")
    first = visit_completed(11)
    service.on_visit_completed(first)
    service.on_visit_completed(first)                   # redelivered
    service.on_visit_completed(visit_completed(11))     # another event for the same visit
    [booked] = [e for e in emitted_events(store) if e.event_type == "expense_booked"]
    assert booked.data["reference"] == "visit:11" and booked.data["amount"] == Decimal("500.00")
    assert booked.data["category"] == "visits_condolences" and booked.data["member_id"] == 7
    assert balance_of(service)["dues_rebate"] == "0.00" and balance_of(service)["special_fund"] == "900.00"
    [entry] = service.list_ledger({"member_id": "7", "source": "special_fund"})["items"]
    assert entry["reference"] == "visit:11" and entry["entry_date"] == "2026-04-02"


def test_a_visit_with_nothing_given_books_nothing(service, store):
    service.on_visit_completed(visit_completed(12, cash="0.00", goods="0.00"))
    assert not emitted_events(store)


def test_a_visit_that_cannot_be_covered_is_refused_with_its_reason(service, store):
    budget(service, "dues_rebate", "100.00")
    service.on_visit_completed(visit_completed(13))
    [refused] = [e for e in emitted_events(store) if e.event_type == "expense_refused"]
    assert refused.data["reference"] == "visit:13" and refused.data["amount"] == Decimal("500.00")
    assert "经费不足" in refused.data["reason"] and "党费返还余额 100.00 元" in refused.data["reason"]
    assert balance_of(service)["dues_rebate"] == "100.00"


def test_an_activity_with_a_cost_is_booked_in_its_category_once(service, store):
    budget(service, "special_fund", "5000.00")
    event = activity_recorded(5)
    service.on_activity_recorded(event)
    service.on_activity_recorded(event)
    service.on_activity_recorded(activity_recorded(6, cost="0.00"))
    [booked] = [e for e in emitted_events(store) if e.event_type == "expense_booked"]
    assert booked.data["reference"] == "activity:5" and booked.data["category"] == "activities"
    assert balance_of(service)["special_fund"] == "4200.00"


def test_an_activity_with_an_unknown_category_is_refused(service, store):
    budget(service, "special_fund", "5000.00")
    service.on_activity_recorded(activity_recorded(7, category="banquets"))
    [refused] = emitted_events(store)
    assert refused.event_type == "expense_refused" and "banquets" in refused.data["reason"]


def member_event(event_type, member_id=7, pension="4800.00", status="active", hardship=False):
    return events.new_event(event_type, {
        "member_id": member_id, "branch_id": 1, "name": "张三", "birth_date": dt.date(1940, 1, 2),
        "status": status, "hardship": hardship, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": Decimal(pension)}, source="members")


def test_member_facts_are_kept_and_an_older_event_changes_nothing(service, store):
    registered = member_event("member_registered")
    updated = member_event("member_updated", pension="5200.00", hardship=True)
    service.on_member_registered(registered)
    service.on_member_updated(updated)
    service.on_member_updated(registered.__class__(**{**registered.__dict__, "event_id": "x" * 36,
                                                      "event_type": "member_updated"}))  # old facts, late
    with store.read() as session:
        fact = session.get(MemberFact, 7)
        assert (fact.pension_monthly, fact.hardship, fact.name) == (Decimal("5200.00"), True, "张三")


# -- corrections ----------------------------------------------------------------

def test_a_reversed_expense_gives_each_source_its_part_back_once(service, store):
    budget(service, "special_fund", "100.00")
    budget(service, "public_fund", "500.00")
    booked = expense(service, "250.00")
    reversed_ = service.reverse_expense(booked["id"], {"reason": "金额录入错误"}, "clerk")
    assert reversed_["reversal"]["reason"] == "金额录入错误" and reversed_["reversal"]["reversed_by"] == "clerk"
    assert reversed_["allocations"] == booked["allocations"]          # the expense itself is not edited
    assert balance_of(service)["special_fund"] == "100.00" and balance_of(service)["public_fund"] == "500.00"
    assert service.get_balances({"year": "2026"})["sources"]["public_fund"]["spent"] == "0.00"
    entries = service.list_ledger({"year": "2026"})["items"]
    assert [(e["kind"], e["source"], e["amount"]) for e in entries[:2]] == [
        ("reversal", "special_fund", "100.00"), ("reversal", "public_fund", "150.00")]
    assert service.list_ledger({"year": "2026"})["total"] == 6          # 2 budgets, 2 entries, 2 reversals
    with pytest.raises(Conflict):
        service.reverse_expense(booked["id"], {"reason": "再次"})
    with pytest.raises(InvalidInput) as raised:
        service.reverse_expense(booked["id"], {})
    assert "reason" in raised.value.fields
    with pytest.raises(NotFound):
        service.reverse_expense(999, {"reason": "x"})
    statement = service.get_statement({"year": "2026"})
    assert statement["spending_by_category"]["activities"]["total"] == "0.00"


def test_a_reversed_budget_lowers_the_income_of_its_source_by_an_added_entry_once(service, store):
    kept = budget(service, "special_fund", "1000.00")
    wrong = budget(service, "special_fund", "300.00")
    budget(service, "special_fund", "50.00", year=2025)
    reversed_ = service.reverse_budget(wrong["id"], {"reason": "重复录入"}, "clerk")
    assert (reversed_["id"], reversed_["amount"], reversed_["source"], reversed_["year"]) == (
        wrong["id"], "300.00", "special_fund", 2026)
    assert (reversed_["reversal"]["reason"], reversed_["reversal"]["reversed_by"]) == ("重复录入", "clerk")
    assert service.get_balances({"year": "2026"})["sources"]["special_fund"] == {
        "budget": "1000.00", "spent": "0.00", "balance": "1000.00"}
    assert service.get_balances({"year": "2025"})["sources"]["special_fund"]["budget"] == "50.00"
    [entry] = [e for e in service.list_ledger({"year": "2026"})["items"] if e["kind"] == "budget_reversal"]
    assert (entry["id"], entry["amount"], entry["source"], entry["reference"]) == (
        reversed_["reversal"]["entry_id"], "300.00", "special_fund", f"budget:{wrong['id']}")
    assert service.list_ledger({"year": "2026"})["total"] == 3       # both budgets stay, one entry added
    with store.read() as session:                                    # the budget entry itself is not edited
        assert session.get(LedgerEntry, wrong["id"]).amount == Decimal("300.00")
    statement = service.get_statement({"year": "2026"})
    assert statement["income"]["special_fund"] == {"budget": "1000.00", "dues_rebate": "0.00", "total": "1000.00"}

    with pytest.raises(Conflict) as raised:
        service.reverse_budget(wrong["id"], {"reason": "再次"})
    assert "已冲销" in raised.value.message
    listed = service.list_budgets({"year": "2026"})
    assert [(b["id"], b["reversal"] is None) for b in listed["items"]] == [(wrong["id"], False), (kept["id"], True)]


def test_a_budget_already_spent_cannot_be_reversed_and_nothing_is_written(service, store):
    made = budget(service, "special_fund", "500.00")
    budget(service, "public_fund", "1000.00")
    expense(service, "200.01")                     # activities: special_fund pays first
    with pytest.raises(Conflict) as raised:
        service.reverse_budget(made["id"], {"reason": "预算调减"})
    assert raised.value.fields == {"special_fund": ["余额 299.99 元 (balance 299.99)"]}
    assert "余额 299.99 元" in raised.value.message and "500.00" in raised.value.message
    assert balance_of(service)["special_fund"] == "299.99"
    assert service.list_budgets({})["items"][-1]["reversal"] is None
    with store.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 3
    # once the expense is reversed the money is back, and the budget can go
    [booked] = service.list_ledger({"category": "activities"})["items"]
    service.reverse_expense(booked["expense_id"], {"reason": "作废"})
    service.reverse_budget(made["id"], {"reason": "预算调减"})
    assert service.get_balances({"year": "2026"})["sources"]["special_fund"] == {
        "budget": "0.00", "spent": "0.00", "balance": "0.00"}


def test_only_a_budget_entry_is_reversed_by_its_id(service):
    budget(service, "special_fund", "500.00")
    expense(service, "10.00")
    [spent] = service.list_ledger({"category": "activities"})["items"]
    for unknown in (999, spent["id"]):                 # an expense's ledger entry is no budget
        with pytest.raises(NotFound):
            service.reverse_budget(unknown, {"reason": "x"})
    with pytest.raises(InvalidInput) as raised:
        service.reverse_budget("1", {"reason": "x"})
    assert "budget_id" in raised.value.fields


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "长" * 301}, {"reason": "x", "amount": "1.00"}])
def test_a_budget_reversal_needs_a_short_reason(service, body):
    made = budget(service, "special_fund", "500.00")
    with pytest.raises(InvalidInput):
        service.reverse_budget(made["id"], body)
    assert balance_of(service)["special_fund"] == "500.00"


def test_budgets_are_listed_by_year_and_source_and_paged(service):
    budget(service, "special_fund", "100.00")
    budget(service, "public_fund", "200.00")
    budget(service, "special_fund", "300.00", year=2027)
    expense(service, "10.00")                       # spending is no budget: not listed
    everything = service.list_budgets({}, 1, 2)
    assert (everything["total"], len(everything["items"]), everything["page"], everything["page_size"]) == (3, 2, 1, 2)
    assert everything["items"][0]["amount"] == "300.00"      # newest first
    first = service.list_budgets({"year": "2026", "source": "public_fund"})["items"][0]
    assert first == {"id": first["id"], "year": 2026, "source": "public_fund", "amount": "200.00",
                     "description": "2026年公用经费预算", "date": first["date"], "recorded_by": "staff1",
                     "recorded_at": first["recorded_at"], "reversal": None}
    assert service.list_budgets({"source": "special_fund"})["total"] == 2
    for filters, field in (({"year": "x"}, "year"), ({"source": "gold"}, "source"), ({"kind": "budget"}, "kind")):
        with pytest.raises(InvalidInput) as raised:
            service.list_budgets(filters)
        assert field in raised.value.fields


# -- the rules of corrections, as plain functions ----------------------------------

def test_each_kind_of_entry_counts_for_or_against_its_total():
    d = Decimal
    assert ledger.ledger_effect("budget", d("10.00")) == ("budget", d("10.00"))
    assert ledger.ledger_effect("budget_reversal", d("10.00")) == ("budget", d("-10.00"))
    assert ledger.ledger_effect("dues_rebate", d("3.00")) == ("dues_rebate", d("3.00"))
    assert ledger.ledger_effect("expense", d("4.00")) == ("expense", d("4.00"))
    assert ledger.ledger_effect("reversal", d("4.00")) == ("expense", d("-4.00"))
    sums = [("budget", d("100.00")), ("budget_reversal", d("30.00")), ("dues_rebate", d("5.00")),
            ("expense", d("50.00")), ("reversal", d("20.00"))]
    assert ledger.source_totals(sums) == (d("75.00"), d("30.00"))
    assert ledger.source_totals([]) == (d("0.00"), d("0.00"))


@pytest.mark.parametrize("amount, balance, refused", [
    ("300.00", "300.00", False), ("300.00", "1000.00", False), ("300.00", "299.99", True), ("0.01", "0.00", True),
])
def test_a_budget_can_be_reversed_only_while_its_source_still_has_it(amount, balance, refused):
    refusal = ledger.budget_reversal_refusal("public_fund", Decimal(amount), Decimal(balance))
    assert (refusal is not None) == refused
    if refused:
        assert f"公用经费余额 {balance} 元" in refusal and amount in refusal


def test_a_reversal_of_the_longest_reason_fits_the_ledger_and_keeps_the_whole_reason(service, store):
    entry = budget(service, "special_fund", "1000.00")
    reason = "录" * 300
    reversed_budget = service.reverse_budget(entry["id"], {"reason": reason}, "staff1")
    assert reversed_budget["reversal"]["reason"] == reason
    with store.read() as session:
        description = session.get(LedgerEntry, reversed_budget["reversal"]["entry_id"]).description
    assert len(description) == ledger.DESCRIPTION_CHARACTERS and description.endswith("…")
    assert ledger.reversal_description("支出", 7, "录错") == "冲销支出 7：录错"

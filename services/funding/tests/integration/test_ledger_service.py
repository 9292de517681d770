"""Budgets, expenses and the events that bring money, in a nameko container on
the real RabbitMQ and PostgreSQL: parallel expenses never overdraw."""
import contextlib
import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import eventlet
import pytest
import sqlalchemy as sa
from kombu import Connection, Queue
from nameko.standalone.events import event_dispatcher, get_event_exchange
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_waiter

from funding.domain import ledger
from funding.models import LedgerEntry, SourceBalance
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import handled, signed_context

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 30


def rpc(amqp_uri):
    return ClusterRpcClient(uri=amqp_uri, timeout=20, context_data=signed_context())


def ledger_totals(db_url, year):
    """(income, spent) per source summed from the ledger rows, and the balance rows, read directly."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            sums = connection.execute(sa.select(LedgerEntry.source, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
                                      .where(LedgerEntry.year == year)
                                      .group_by(LedgerEntry.source, LedgerEntry.kind)).all()
            rows = connection.execute(sa.select(SourceBalance.source, SourceBalance.income_fen, SourceBalance.spent_fen)
                                      .where(SourceBalance.year == year)).all()
    finally:
        engine.dispose()
    return {(s, k): total for s, k, total in sums}, {s: (i, o) for s, i, o in rows}


def test_parallel_expenses_never_overdraw_and_the_books_add_up(funding, amqp_uri):
    _, db_url = funding
    year = 2031
    with rpc(amqp_uri) as client:
        client.funding.add_budget({"year": year, "source": "special_fund", "amount": "500.00"})
        client.funding.add_budget({"year": year, "source": "public_fund", "amount": "500.00"})

    # two categories that pay from the same two sources in opposite orders:
    # activities special_fund first, newspapers public_fund first
    def book(n):
        category = "activities" if n % 2 else "newspapers"
        with rpc(amqp_uri) as client:
            try:
                return client.funding.book_expense(
                    {"year": year, "category": category, "amount": "100.00", "description": f"并发支出 {n}"})
            except Conflict as refused:
                return refused

    pool = eventlet.GreenPool(30)
    answers = list(pool.imap(book, range(30)))

    booked = [a for a in answers if isinstance(a, dict)]
    refused = [a for a in answers if isinstance(a, Conflict)]
    assert len(booked) == 10 and len(refused) == 20, answers   # anything else (a deadlock) fails here
    assert all(sum(Decimal(p["amount"]) for p in b["allocations"]) == Decimal("100.00") for b in booked)
    with rpc(amqp_uri) as client:
        shown = client.funding.get_balances({"year": str(year)})["sources"]
    assert shown["special_fund"] == {"budget": "500.00", "spent": "500.00", "balance": "0.00"}
    assert shown["public_fund"] == {"budget": "500.00", "spent": "500.00", "balance": "0.00"}
    sums, rows = ledger_totals(db_url, year)
    assert sums == {("special_fund", "budget"): Decimal("500.00"), ("special_fund", "expense"): Decimal("500.00"),
                    ("public_fund", "budget"): Decimal("500.00"), ("public_fund", "expense"): Decimal("500.00")}
    assert rows == {"special_fund": (50000, 50000), "public_fund": (50000, 50000)}


def test_a_refused_expense_answers_each_allowed_balance(funding, amqp_uri):
    with rpc(amqp_uri) as client:
        client.funding.add_budget({"year": 2032, "source": "dues_rebate", "amount": "80.00"})
        with pytest.raises(Conflict) as raised:
            client.funding.book_expense({"year": 2032, "category": "hardship_subsidy", "amount": "100.00",
                                         "description": "困难补助"})
        assert raised.value.fields == {"dues_rebate": ["余额 80.00 元 (balance 80.00)"],
                                       "special_fund": ["余额 0.00 元 (balance 0.00)"],
                                       "unit_subsidy": ["余额 0.00 元 (balance 0.00)"]}
        assert client.funding.list_ledger({"year": "2032"})["total"] == 1


def test_budget_reversals_racing_expenses_never_overdraw_and_each_budget_goes_once(funding, amqp_uri):
    _, db_url = funding
    year = 2037
    with rpc(amqp_uri) as client:
        budgets = [client.funding.add_budget({"year": year, "source": "special_fund", "amount": "300.00"})["id"]
                   for _ in range(2)]

    # 6 expenses of 100 and 2 reversals of each 300 budget at once, all on the one balance row
    def act(n):
        with rpc(amqp_uri) as client:
            try:
                if n < 6:
                    return "expense", client.funding.book_expense(
                        {"year": year, "category": "activities", "amount": "100.00", "description": f"并发 {n}"})
                return "reversal", client.funding.reverse_budget(budgets[n % 2], {"reason": f"调减 {n}"}, "clerk")
            except Conflict as refused:
                return "refused", refused

    answers = list(eventlet.GreenPool(10).imap(act, range(10)))
    expenses = [a for kind, a in answers if kind == "expense"]
    reversals = [a for kind, a in answers if kind == "reversal"]
    assert len(reversals) <= 2 and len({r["id"] for r in reversals}) == len(reversals)   # each budget once
    assert 100 * len(expenses) + 300 * len(reversals) <= 600, answers
    refusals = [a for kind, a in answers if kind == "refused"]
    assert all("已冲销" in r.message or "余额" in r.message or "经费不足" in r.message for r in refusals), refusals
    with rpc(amqp_uri) as client:
        shown = client.funding.get_balances({"year": str(year)})["sources"]["special_fund"]
        listed = client.funding.list_budgets({"year": str(year)})
        assert client.funding.list_ledger({"year": str(year), "source": "special_fund"})["total"] == (
            2 + len(expenses) + len(reversals))
        with pytest.raises(NotFound):
            client.funding.reverse_budget(10 ** 6, {"reason": "x"})
    assert Decimal(shown["balance"]) == Decimal(600 - 100 * len(expenses) - 300 * len(reversals)) >= 0
    assert Decimal(shown["budget"]) == Decimal(600 - 300 * len(reversals))
    assert sorted(b["id"] for b in listed["items"] if b["reversal"]) == sorted(r["id"] for r in reversals)
    sums, rows = ledger_totals(db_url, year)
    income, spent = ledger.source_totals([(kind, total) for (source, kind), total in sums.items()])
    assert rows["special_fund"] == (int(income * 100), int(spent * 100))


@contextlib.contextmanager
def funding_messages(amqp_uri, routing_key):
    """Our own queue on funding.events; yields ``take(reference)`` -> the next envelope for it."""
    queue = Queue(f"test-funding-{routing_key}-{uuid.uuid4().hex[:8]}", exchange=get_event_exchange("funding"),
                  routing_key=routing_key, exclusive=True, auto_delete=True)
    with Connection(amqp_uri) as connection:
        bound = queue(connection.default_channel)
        bound.declare()

        def take(reference):
            with eventlet.Timeout(DEADLINE_SECONDS, AssertionError(f"no {routing_key} for {reference}")):
                while True:
                    message = bound.get(no_ack=True)
                    if message is not None and message.payload["data"]["reference"] == reference:
                        return message.payload
                    if message is None:
                        eventlet.sleep(0.05)
        yield take


def test_a_published_visit_is_booked_once_and_an_uncovered_one_refused(funding, amqp_uri):
    container, _ = funding
    with rpc(amqp_uri) as client:
        client.funding.add_budget({"year": 2033, "source": "dues_rebate", "amount": "600.00"})
    paid = events.new_event("visit_completed", {"task_id": 801, "member_id": 41, "visited_on": dt.date(2033, 2, 1),
                                                "cash": Decimal("500.00"), "goods_value": Decimal("0.00")}, source="welfare")
    unpaid = events.new_event("visit_completed", {"task_id": 802, "member_id": 42, "visited_on": dt.date(2033, 2, 2),
                                                  "cash": Decimal("200.00"), "goods_value": Decimal("100.00")}, source="welfare")
    dispatch = event_dispatcher(uri=amqp_uri)
    with funding_messages(amqp_uri, "expense_booked") as booked, funding_messages(amqp_uri, "expense_refused") as refused:
        with entrypoint_waiter(container, "on_visit_completed", timeout=DEADLINE_SECONDS, callback=handled(paid, 2)):
            dispatch("welfare", "visit_completed", events.to_message(paid))
            dispatch("welfare", "visit_completed", events.to_message(paid))
        announced = booked("visit:801")
        with entrypoint_waiter(container, "on_visit_completed", timeout=DEADLINE_SECONDS, callback=handled(unpaid)):
            dispatch("welfare", "visit_completed", events.to_message(unpaid))
        refusal = refused("visit:802")
    assert announced["data"]["amount"] == "500.00" and announced["data"]["member_id"] == 41
    assert refusal["data"]["member_id"] == 42 and "党费返还余额 100.00 元" in refusal["data"]["reason"]
    with rpc(amqp_uri) as client:
        assert client.funding.list_ledger({"year": "2033", "category": "visits_condolences"})["total"] == 1
        assert client.funding.get_balances({"year": "2033"})["sources"]["dues_rebate"]["balance"] == "100.00"


def test_a_published_activity_with_a_cost_is_booked(funding, amqp_uri):
    container, _ = funding
    with rpc(amqp_uri) as client:
        client.funding.add_budget({"year": 2034, "source": "special_fund", "amount": "1000.00"})
    event = events.new_event("activity_recorded", {
        "activity_id": 901, "branch_id": 1, "kind": "书画展", "date": dt.date(2034, 5, 4), "participants": 18,
        "cost": Decimal("350.00"), "expense_category": "activities"}, source="activities")
    with funding_messages(amqp_uri, "expense_booked") as booked:
        with entrypoint_waiter(container, "on_activity_recorded", timeout=DEADLINE_SECONDS, callback=handled(event)):
            event_dispatcher(uri=amqp_uri)("activities", "activity_recorded", events.to_message(event))
        announced = booked("activity:901")
    assert announced["data"]["category"] == "activities" and announced["data"]["amount"] == "350.00"
    with rpc(amqp_uri) as client:
        assert client.funding.get_balances({"year": "2034"})["sources"]["special_fund"]["balance"] == "650.00"


def test_a_serious_illness_checked_and_two_approvals_at_once_book_it_once(funding, amqp_uri):
    container, _ = funding
    event = events.new_event("member_seriously_ill", {
        "member_id": 51, "health_event_id": 5100, "date": dt.date(2035, 3, 3), "branch_id": 1,
        "birth_date": dt.date(1945, 1, 1), "hardship": True, "lives_alone": True}, source="members")
    with entrypoint_waiter(container, "on_member_seriously_ill", timeout=DEADLINE_SECONDS, callback=handled(event)):
        event_dispatcher(uri=amqp_uri)("members", "member_seriously_ill", events.to_message(event))
    with rpc(amqp_uri) as client:
        client.funding.add_budget({"year": 2035, "source": "special_fund", "amount": "5000.00"})
        [check] = client.funding.list_subsidy_checks({"member_id": "51"})["items"]
    assert (check["cause"], check["status"]) == ("serious_illness", "pending_approval")

    def approve(_):
        with rpc(amqp_uri) as client:
            try:
                return client.funding.approve_subsidy(check["id"], "clerk")
            except Conflict as refused:
                return refused

    answers = list(eventlet.GreenPool(4).imap(approve, range(4)))
    assert len([a for a in answers if isinstance(a, dict)]) == 1
    assert len([a for a in answers if isinstance(a, Conflict)]) == 3, answers
    with rpc(amqp_uri) as client:
        assert client.funding.list_ledger({"year": "2035", "category": "hardship_subsidy"})["total"] == 1
        assert client.funding.get_balances({"year": "2035"})["sources"]["special_fund"]["balance"] == "4500.00"


def test_a_registered_members_dues_are_fixed_paid_and_rebated(funding, amqp_uri):
    container, _ = funding
    event = events.new_event("member_registered", {
        "member_id": 61, "branch_id": 1, "name": "王老", "birth_date": dt.date(1938, 6, 1), "status": "active",
        "hardship": False, "lives_alone": False, "children_away": True, "mobility_limited": False,
        "org_relation": "community", "pension_monthly": Decimal("6200.00")}, source="members")
    with entrypoint_waiter(container, "on_member_registered", timeout=DEADLINE_SECONDS, callback=handled(event)):
        event_dispatcher(uri=amqp_uri)("members", "member_registered", events.to_message(event))
    with rpc(amqp_uri) as client:
        assert client.funding.fix_dues({"year": 2036})["fixed"] >= 1
        paid = client.funding.pay_dues({"member_id": 61, "year": 2036, "month": 2, "paid_by": "relative",
                                        "payer_name": "王小明", "paid_on": "2036-03-01"})
        assert (paid["amount"], paid["rebate"]) == ("62.00", "31.00")
        with pytest.raises(Conflict):
            client.funding.pay_dues({"member_id": 61, "year": 2036, "month": 2, "paid_by": "member",
                                     "paid_on": "2036-03-01"})
        assert client.funding.get_balances({"year": "2036"})["sources"]["dues_rebate"]["balance"] == "31.00"


def test_a_member_registered_mid_year_owes_dues_from_that_month(funding, amqp_uri):
    container, _ = funding
    facts = {"branch_id": 1, "name": "李老", "birth_date": dt.date(1940, 3, 1), "status": "active", "hardship": False,
             "lives_alone": False, "children_away": False, "mobility_limited": False, "org_relation": "unit",
             "pension_monthly": Decimal("4000.00")}
    early = events.new_event("member_registered", {"member_id": 71, **facts}, source="members")
    joined = events.new_event("member_registered", {"member_id": 72, **facts}, source="members")
    early = dataclasses.replace(early, occurred_at=dt.datetime(2024, 12, 1, tzinfo=dt.timezone.utc))
    joined = dataclasses.replace(joined, occurred_at=dt.datetime(2025, 5, 14, 9, tzinfo=dt.timezone.utc))
    for event in (early, joined):
        with entrypoint_waiter(container, "on_member_registered", timeout=DEADLINE_SECONDS, callback=handled(event)):
            event_dispatcher(uri=amqp_uri)("members", "member_registered", events.to_message(event))
    with rpc(amqp_uri) as client:
        fixed = client.funding.fix_dues({"year": 2025}, "clerk")
        assert fixed["joined_during_year"] == [{"member_id": 72, "from_month": 5}]
        with pytest.raises(InvalidInput):
            client.funding.fix_dues({"year": 2025, "from_month": 13})
        owing = {item["member_id"]: item for item in client.funding.dues_arrears({"year": "2025"})["items"]}
        assert [m["month"] for m in owing[71]["months"]] == list(range(1, 13))
        assert [m["month"] for m in owing[72]["months"]] == list(range(5, 13))
        assert owing[72]["total"] == "160.00"
        with pytest.raises(Conflict):
            client.funding.pay_dues({"member_id": 72, "year": 2025, "month": 4, "paid_by": "member",
                                     "paid_on": "2025-06-01"})
        paid = client.funding.pay_dues({"member_id": 72, "year": 2025, "month": 5, "paid_by": "member",
                                        "paid_on": "2025-06-01"})
        assert paid["amount"] == "20.00"


def test_a_refused_cost_is_kept_shown_in_the_report_and_booked_once_money_is_there(funding, amqp_uri):
    container, _ = funding
    event = events.new_event("activity_recorded", {
        "activity_id": 9701, "branch_id": 1, "kind": "书画展", "date": dt.date(2037, 5, 3), "participants": 12,
        "cost": Decimal("800.00"), "expense_category": "activities"}, source="activities")
    query = {"year": 2037, "as_of": "2037-12-31"}
    with funding_messages(amqp_uri, "expense_refused") as refused:
        with entrypoint_waiter(container, "on_activity_recorded", timeout=DEADLINE_SECONDS, callback=handled(event)):
            event_dispatcher(uri=amqp_uri)("activities", "activity_recorded", events.to_message(event))
        refused("activity:9701")
    with rpc(amqp_uri) as client:
        [row] = client.funding.list_refused_expenses({"year": "2037"})["items"]
        assert (row["reference"], row["amount"], row["status"]) == ("activity:9701", "800.00", "refused")
        assert client.funding.annual_figures(query)["refused"] == {"count": 1, "amount": "800.00"}
        office = {item["key"]: item for item in client.funding.scorecard_items({**query, "branch_ids": None})["office"]}
        assert not office["funds_assured"]["met"] and office["funds_assured"]["misses"] == 1
        assert "2037-05-03" in office["funds_assured"]["missing"][0]
        with pytest.raises(Conflict):   # still no money: 409, the row stays refused
            client.funding.book_refused_expense(row["id"])
        assert client.funding.list_refused_expenses({"year": "2037", "status": "refused"})["total"] == 1
        client.funding.add_budget({"year": 2037, "source": "special_fund", "amount": "1000.00"})
        with funding_messages(amqp_uri, "expense_booked") as booked:
            done = client.funding.book_refused_expense(row["id"])
            announced = booked("activity:9701")
        assert done["status"] == "booked" and done["expense_id"] == announced["data"]["expense_id"]
        with pytest.raises(Conflict) as twice:
            client.funding.book_refused_expense(row["id"])
        assert "已入账" in twice.value.message
        figures = client.funding.annual_figures(query)
        assert figures["refused"] == {"count": 0, "amount": "0.00"}
        assert figures["totals"]["spent"] == "800.00" and figures["totals"]["balance"] == "200.00"
        office = {item["key"]: item for item in client.funding.scorecard_items({**query, "branch_ids": None})["office"]}
        assert office["funds_assured"] == {"key": "funds_assured", "met": True, "missing": [], "misses": 0}
        assert office["budget_not_overdrawn"]["met"]

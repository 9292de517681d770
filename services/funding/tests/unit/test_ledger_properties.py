"""Property test: random budgets, expenses and reversals of both never overdraw, and the books always add up."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from funding.domain import ledger, policy
from funding.handlers import ledger as ledger_handlers
from funding.models import Base, LedgerEntry
from wuji_infra.clock import FixedClock
from wuji_infra.errors import Conflict
from wuji_infra.testing import in_memory_store

YEAR = 2026
TODAY = dt.date(YEAR, 7, 15)
NOW = FixedClock(TODAY).now()
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
budgets = st.tuples(st.just("budget"), st.sampled_from(list(ledger.SOURCES)), money)
expenses = st.tuples(st.just("expense"), st.sampled_from(list(ledger.CATEGORIES)), money)
# reverse the n-th booked expense, or the n-th budget (modulo how many there are), if any
reversals = st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50), st.just(None))
budget_reversals = st.tuples(st.just("reverse_budget"), st.integers(min_value=0, max_value=50), st.just(None))


def ledger_sums(session):
    """(income, spent) per source, summed from the ledger itself."""
    rows = session.execute(sa.select(LedgerEntry.source, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
                           .where(LedgerEntry.year == YEAR).group_by(LedgerEntry.source, LedgerEntry.kind))
    by_source = {source: [] for source in ledger.SOURCES}
    for source, kind, total in rows:
        by_source[source].append((kind, Decimal(total).quantize(Decimal("0.01"))))
    return {source: ledger.source_totals(sums) for source, sums in by_source.items()}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(budgets, expenses, reversals, budget_reversals), max_size=20))
def test_no_overdraft_allocations_sum_to_the_expense_and_balances_are_budgets_minus_spending(operations):
    store = in_memory_store("funding", Base.metadata)
    expected = {source: Decimal("0.00") for source in ledger.SOURCES}   # a model of the balances
    booked_so_far = []   # (expense id, its parts, reversed?)
    budgeted_so_far = []   # (budget id, source, amount, reversed?)
    for kind, what, amount in operations:
        if kind == "reverse_budget" and budgeted_so_far:
            n = what % len(budgeted_so_far)
            budget_id, source, budgeted, done = budgeted_so_far[n]
            try:
                with store.transaction() as tx:
                    ledger_handlers.reverse_budget(tx, budget_id, {"reason": "预算更正"}, today=TODAY)
            except Conflict:
                # reversed already, or the money is (partly) spent: then nothing changed
                assert done or expected[source] < budgeted
            else:
                assert not done and expected[source] >= budgeted
                expected[source] -= budgeted
                budgeted_so_far[n] = (budget_id, source, budgeted, True)
                event("a budget reversed")
        elif kind == "reverse" and booked_so_far:
            n = what % len(booked_so_far)
            expense_id, parts, done = booked_so_far[n]
            try:
                with store.transaction() as tx:
                    ledger_handlers.reverse_expense(tx, expense_id, {"reason": "更正"}, today=TODAY, now=NOW)
            except Conflict:
                assert done
            else:
                assert not done
                for source, part in parts:
                    expected[source] += part
                booked_so_far[n] = (expense_id, parts, True)
        elif kind == "budget":
            with store.transaction() as tx:
                made = ledger_handlers.add_budget(tx, {"year": YEAR, "source": what, "amount": str(amount)}, today=TODAY)
            expected[what] += amount
            budgeted_so_far.append((made["id"], what, amount, False))
        elif kind == "expense":
            allowed = policy.DEFAULT_ALLOCATION[what]
            can_pay = sum((expected[s] for s in allowed), Decimal("0.00"))
            try:
                with store.transaction() as tx:
                    booked = ledger_handlers.book_expense(tx, {"year": YEAR, "category": what, "amount": str(amount),
                                                               "description": "测试"}, today=TODAY, now=NOW)
            except Conflict as refused:
                assert can_pay < amount
                assert set(refused.fields) == set(allowed)
            else:
                assert can_pay >= amount
                parts = [(a["source"], Decimal(a["amount"])) for a in booked["allocations"]]
                assert sum(part for _, part in parts) == amount
                assert all(part > 0 and source in allowed for source, part in parts)
                # policy order: a later source pays only once every earlier one is empty
                for source, part in parts[:-1]:
                    assert part == expected[source]
                for source, part in parts:
                    expected[source] -= part
                booked_so_far.append((booked["id"], parts, False))

        with store.read() as session:
            shown = ledger_handlers.get_balances(session, {"year": str(YEAR)})["sources"]
            sums = ledger_sums(session)
        for source in ledger.SOURCES:
            income, spent = sums[source]
            assert Decimal(shown[source]["balance"]) >= 0
            assert Decimal(shown[source]["balance"]) == income - spent == expected[source]
            assert Decimal(shown[source]["budget"]) == income
            assert Decimal(shown[source]["spent"]) == spent

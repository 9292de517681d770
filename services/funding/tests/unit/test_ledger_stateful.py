"""Stateful property test of the ledger (make faults runs it too): budgets, expenses and their
reversals as requests that may be retried with their key, and visits' money as
``visit_completed`` events that may come twice or be sent again for the same visit. After every
step the books must add up, no source may be overdrawn, and nothing may be booked twice."""
import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from nameko.testing.services import worker_factory

from funding.domain import ledger, policy, subsidy
from funding.models import Base, Expense, LedgerEntry
from funding.service import FundingService
from wuji_infra import access, events
from wuji_infra.clock import FixedClock
from wuji_infra.errors import Conflict
from wuji_infra.idempotency import Request
from wuji_infra.testing import in_memory_store

YEAR = 2026
TODAY = dt.date(YEAR, 7, 15)
POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000.00"), places=2)


class Ledger(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.store = in_memory_store("funding", Base.metadata)
        self.service = worker_factory(FundingService, clock=FixedClock(TODAY), db=self.store,
                                      subsidy_settings=POLICY, caller=access.SYSTEM)
        self.balances = {source: Decimal("0.00") for source in ledger.SOURCES}   # the model
        self.expenses = []          # (id, [(source, part)], reversed?)
        self.visits_paid = {}       # task id -> the amount booked for it

    def call(self, method, *args, retried=False):
        """An RPC as the gateway makes it, under a request key; ``retried``: the client sends the
        same request again (its answer lost), which must answer the first result."""
        key = Request(str(uuid.uuid4()), "fingerprint")
        keyed = self.store.for_request(key)
        self.service.db = keyed
        try:
            first = keyed.once(lambda: getattr(self.service, method)(*args))
            if retried:
                again = self.store.for_request(key)
                self.service.db = again
                assert again.once(lambda: getattr(self.service, method)(*args)) == first
            return first
        finally:
            self.service.db = self.store

    def paid(self, parts, allowed):
        assert all(part > 0 and source in allowed for source, part in parts)
        for source, part in parts:
            self.balances[source] -= part

    @rule(source=st.sampled_from(sorted(ledger.SOURCES)), amount=money, retried=st.booleans())
    def add_budget(self, source, amount, retried):
        self.call("add_budget", {"year": YEAR, "source": source, "amount": str(amount)}, retried=retried)
        self.balances[source] += amount

    @rule(category=st.sampled_from(sorted(policy.DEFAULT_ALLOCATION)), amount=money, retried=st.booleans())
    def book_expense(self, category, amount, retried):
        allowed = policy.DEFAULT_ALLOCATION[category]
        can_pay = sum((self.balances[source] for source in allowed), Decimal("0.00"))
        body = {"year": YEAR, "category": category, "amount": str(amount), "description": "测试支出"}
        try:
            booked = self.call("book_expense", body, retried=retried)
        except Conflict:
            assert can_pay < amount
            return
        assert can_pay >= amount
        parts = [(allocation["source"], Decimal(allocation["amount"])) for allocation in booked["allocations"]]
        assert sum(part for _, part in parts) == amount
        self.paid(parts, allowed)
        self.expenses.append((booked["id"], parts, False))

    @precondition(lambda self: self.expenses)
    @rule(n=st.integers(min_value=0), retried=st.booleans())
    def reverse_expense(self, n, retried):
        index = n % len(self.expenses)
        expense_id, parts, reversed_already = self.expenses[index]
        try:
            self.call("reverse_expense", expense_id, {"reason": "更正"}, retried=retried)
        except Conflict:
            assert reversed_already
            return
        assert not reversed_already
        for source, part in parts:
            self.balances[source] += part
        self.expenses[index] = (expense_id, parts, True)

    @rule(task_id=st.integers(min_value=1, max_value=5), cash=money, times=st.integers(min_value=1, max_value=3),
          new_event=st.booleans())
    def visit_completed(self, task_id, cash, times, new_event):
        """A visit's money: delivered ``times`` times, or (``new_event``) announced again for the
        same visit under a new event id; booked once per visit, whatever comes."""
        data = {"task_id": task_id, "member_id": 7, "visited_on": TODAY, "cash": cash, "goods_value": Decimal("0.00")}
        event = events.new_event("visit_completed", data, source="welfare")
        for _ in range(times):
            self.service.on_visit_completed(events.from_message(events.to_message(event)))
        if new_event:
            again = events.new_event("visit_completed", data, source="welfare")
            self.service.on_visit_completed(events.from_message(events.to_message(again)))
        with self.store.read() as session:
            booked = session.scalars(sa.select(Expense).where(Expense.reference == events.expense_reference("visit", task_id))).all()
        assert len(booked) <= 1
        if booked and task_id not in self.visits_paid:
            parts = [(allocation["source"], Decimal(allocation["amount"]))
                     for allocation in self.service.get_expense(booked[0].id)["allocations"]]
            self.paid(parts, policy.DEFAULT_ALLOCATION["visits_condolences"])
            self.visits_paid[task_id] = booked[0].amount

    @invariant()
    def the_books_add_up_and_no_source_is_overdrawn(self):
        shown = self.service.get_balances({"year": str(YEAR)})["sources"]
        with self.store.read() as session:
            sums = session.execute(sa.select(LedgerEntry.source, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
                                   .where(LedgerEntry.year == YEAR).group_by(LedgerEntry.source, LedgerEntry.kind)).all()
        for source in ledger.SOURCES:
            income, spent = ledger.source_totals(
                [(kind, Decimal(total).quantize(Decimal("0.01"))) for row_source, kind, total in sums
                 if row_source == source])
            assert Decimal(shown[source]["balance"]) >= 0
            assert Decimal(shown[source]["balance"]) == income - spent == self.balances[source]


Ledger.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
TestLedger = Ledger.TestCase

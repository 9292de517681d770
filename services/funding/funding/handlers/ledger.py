"""Budgets, balances, expenses and the ledger: money into and out of the four sources.

Budgets and dues rebates are income of a source; an expense is split over the
sources its category's policy allows (domain.ledger.allocate), all or nothing.
Nothing is ever edited: a mistake is corrected by a reversing entry.
"""
import logging

import sqlalchemy as sa

from funding.domain import ledger
from funding.handlers.policy import check_duties, current_allocation
from funding.models import (
    BudgetReversal, Expense, ExpenseReversal, LedgerEntry, RefusedExpense, SourceBalance, fen_to_yuan, yuan_to_fen,
)
from funding.schemas import (
    BalancesOut, BalancesQuery, BudgetAddedOut, BudgetFilters, BudgetIn, BudgetOut, ExpenseDetailOut, ExpenseIn,
    ExpenseOut, LedgerEntryOut, LedgerFilters, RefusedExpenseOut, RefusedFilters, RejectionIn, whole_id,
)
from wuji_infra.access import SYSTEM
from wuji_infra.db import dialect_insert, get_or_404, where_chosen
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.events import expense_reference
from wuji_infra.validation import load, page_of, paging

log = logging.getLogger(__name__)

BUDGET_ENTRY = ("预算", "budget entry")
EXPENSE = ("支出", "expense")


def _upsert(session, table, values, index_elements, set_):
    statement = dialect_insert(session, table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=index_elements, set_=set_(statement.excluded)))


def add_income(session, year, source, amount):
    _upsert(session, SourceBalance.__table__,
            {"year": year, "source": source, "income_fen": yuan_to_fen(amount), "spent_fen": 0},
            ["year", "source"], lambda new: {"income_fen": SourceBalance.__table__.c.income_fen + new.income_fen})


def add_budget(tx, data, actor=None, *, today):
    """A yearly budget for one source; budgets of the same source and year add up."""
    chosen = load(BudgetIn(), data)
    entry = LedgerEntry(
        year=chosen["year"], source=chosen["source"], kind=ledger.BUDGET, amount=chosen["amount"],
        description=chosen["note"] or f"{chosen['year']}年{ledger.SOURCES[chosen['source']]}预算",
        entry_date=today, recorded_by=actor,
    )
    tx.session.add(entry)
    add_income(tx.session, chosen["year"], chosen["source"], chosen["amount"])
    tx.session.flush()
    total = fen_to_yuan(tx.session.scalar(sa.select(SourceBalance.income_fen).where(
        SourceBalance.year == chosen["year"], SourceBalance.source == chosen["source"])))
    return BudgetAddedOut().dump({"id": entry.id, "year": entry.year, "source": entry.source, "amount": entry.amount,
                                  "note": chosen["note"], "budget_total": total})


class _With:
    """A row seen with what was queried beside it (its reversal), for one dump through a schema."""

    def __init__(self, row, **beside):
        self._row = row
        self.__dict__.update(beside)

    def __getattr__(self, name):
        return getattr(self._row, name)


_BUDGET_OUT = BudgetOut()


def _budget_out(entry, reversal):
    return _BUDGET_OUT.dump(_With(entry, reversal=reversal))


def list_budgets(session, filters=None, page=1, page_size=20):
    """Budget entries, newest first, by year and source, each with its reversal (or None)."""
    chosen = load(BudgetFilters(), filters or {})
    query = (sa.select(LedgerEntry, BudgetReversal)
             .outerjoin(BudgetReversal, BudgetReversal.budget_entry_id == LedgerEntry.id)
             .where(LedgerEntry.kind == ledger.BUDGET).order_by(LedgerEntry.id.desc()))
    for name, column in (("year", LedgerEntry.year), ("source", LedgerEntry.source)):
        if name in chosen:
            query = query.where(column == chosen[name])
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": [_budget_out(entry, reversal) for entry, reversal in rows], "total": total,
            "page": page, "page_size": page_size}


def reverse_budget(tx, budget_id, data, actor=None, *, today, access=SYSTEM):
    """Correct a budget entry by a reversing entry: the source's income goes down by it; once per entry.

    Nothing is edited: the budget entry stays and a ``budget_reversal`` entry
    is added. The budget entry is locked first (two reversals at once: the
    second finds the first), then its source's balance row, the one row an
    expense of that source also locks, so no expense can spend the money while
    the reversal checks it is still there. Refused (409, nothing written) when
    the balance is less than the budget: some of it is already spent. Under
    separation of duties only an approver who did not enter the budget reverses it (403).
    """
    whole_id(budget_id, "budget_id")
    entry = get_or_404(tx.session, LedgerEntry, budget_id, BUDGET_ENTRY, lock=True)
    if entry.kind != ledger.BUDGET:      # an expense's or a rebate's entry is no budget entry
        raise NotFound(f"预算 {budget_id} 不存在 (no such budget entry)")
    check_duties(tx.session, access, booked_by=entry.recorded_by)
    reason = load(RejectionIn(), data)["reason"]
    reversed_already = tx.session.scalar(sa.select(BudgetReversal.id).where(BudgetReversal.budget_entry_id == budget_id))
    problem = ledger.reversal_problem("预算", budget_id, "budget_id", reversed_already is not None)
    if problem:
        raise Conflict(*problem)
    balance = _lock_balances(tx.session, entry.year, [entry.source]).get(entry.source, ledger.ZERO)
    refusal = ledger.budget_reversal_refusal(entry.source, entry.amount, balance)
    if refusal:
        raise Conflict(refusal, {entry.source: [f"余额 {balance} 元 (balance {balance})"]})
    reversing = LedgerEntry(
        year=entry.year, source=entry.source, kind=ledger.BUDGET_REVERSAL, amount=entry.amount,
        reference=f"budget:{entry.id}", description=ledger.reversal_description("预算", entry.id, reason),
        entry_date=today, recorded_by=actor)
    tx.session.add(reversing)
    tx.session.execute(sa.update(SourceBalance)
                       .where(SourceBalance.year == entry.year, SourceBalance.source == entry.source)
                       .values(income_fen=SourceBalance.income_fen - yuan_to_fen(entry.amount)),
                       execution_options={"synchronize_session": False})
    tx.session.flush()
    reversal = BudgetReversal(budget_entry_id=entry.id, reversal_entry_id=reversing.id, reason=reason,
                              reversed_by=actor)
    tx.session.add(reversal)
    tx.session.flush()
    log.info("budget entry %s (%s %s, %s) reversed by %s", entry.id, entry.year, entry.source, entry.amount, actor)
    return _budget_out(entry, reversal)


def get_balances(session, query=None):
    """Budget, spent and balance of every source in a year (sources with nothing show zeros)."""
    year = load(BalancesQuery(), query or {})["year"]
    rows = {row.source: row for row in session.scalars(sa.select(SourceBalance).where(SourceBalance.year == year))}
    sources = {}
    for source in ledger.SOURCES:
        row = rows.get(source)
        income, spent = (row.income, row.spent) if row else (ledger.ZERO, ledger.ZERO)
        sources[source] = {"budget": income, "spent": spent, "balance": income - spent}
    return BalancesOut().dump({"year": year, "sources": sources})


# -- expenses -----------------------------------------------------------------

# Every expense runs these: built once, with bound parameters, so SQLAlchemy
# finds them in its statement cache instead of keying new ones each time.
_LOCK_BALANCES = (
    sa.select(SourceBalance)
    .where(SourceBalance.year == sa.bindparam("year"), SourceBalance.source.in_(sa.bindparam("sources", expanding=True)))
    .order_by(SourceBalance.source)
    .with_for_update()
)
_ADD_SPENT = (
    sa.update(SourceBalance)
    .where(SourceBalance.year == sa.bindparam("of_year"), SourceBalance.source == sa.bindparam("of_source"))
    .values(spent_fen=SourceBalance.spent_fen + sa.bindparam("fen"))
    .execution_options(synchronize_session=False)
)


def _lock_balances(session, year, sources):
    """What each source has, its row locked until the transaction ends.

    Rows are locked in one fixed order (by source name), whatever order the
    policy pays them in, so two expenses never deadlock. SQLite ignores FOR
    UPDATE; it lets one writer at a time anyway.
    """
    rows = session.scalars(_LOCK_BALANCES, {"year": year, "sources": sorted(sources)}).all()
    return {row.source: row.balance for row in rows}


def _add_spent(session, year, source, fen):
    """Spending (negative: money given back) on a source's balance row."""
    session.execute(_ADD_SPENT, {"of_year": year, "of_source": source, "fen": fen})


def book(tx, *, year, category, amount, description, expense_date, now, member_id=None, reference=None,
         actor=None, refusal_aborts=False):
    """Book an expense across the sources its policy allows, all or nothing.

    Raises ledger.NotEnoughFunds when the sources cannot cover it. With
    ``refusal_aborts`` the caller promises that a refusal rolls back the whole
    transaction (an RPC raising Conflict): then the expense row and its event
    are written before the balances are locked, so the locks are held for as
    few statements as possible. Without it nothing is written before the
    allocation succeeds, and the caller may go on (to announce a refusal).
    """
    session = tx.session
    order = current_allocation(session)[category]
    expense = Expense(year=year, category=category, amount=amount, description=description,
                      member_id=member_id, reference=reference, expense_date=expense_date, booked_by=actor)

    def write_expense():
        session.add(expense)
        session.flush()
        tx.emit("expense_booked", {"expense_id": expense.id, "year": year, "category": category,
                                   "amount": amount, "reference": reference, "member_id": member_id})

    if refusal_aborts:
        write_expense()
    parts = ledger.allocate(category, amount, order, _lock_balances(session, year, order))
    if not refusal_aborts:
        write_expense()
    session.execute(sa.insert(LedgerEntry), [dict(
        year=year, source=source, kind=ledger.EXPENSE, amount=part, category=category,
        expense_id=expense.id, member_id=member_id, reference=reference, description=description,
        entry_date=expense_date, recorded_by=actor, recorded_at=now,
    ) for source, part in parts])
    for source, part in parts:
        _add_spent(session, year, source, yuan_to_fen(part))
    return {"id": expense.id, "year": year, "category": category, "amount": f"{amount:.2f}",
            "description": description, "member_id": member_id, "reference": reference,
            "date": expense_date.isoformat(),
            "allocations": [{"source": source, "amount": f"{part:.2f}"} for source, part in parts]}


def not_enough_funds(exc):
    """The 409 of an expense the allowed sources cannot cover: what each one has."""
    return Conflict(exc.reason(), {source: [f"余额 {available} 元 (balance {available})"]
                                   for source, available in exc.available.items()})


_EXPENSE_IN = ExpenseIn()  # made once: the busiest input, and a schema is costly to build


def book_expense(tx, data, actor=None, *, today, now):
    """An expense entered by staff: 201 with its allocations, or Conflict when it cannot be covered."""
    chosen = load(_EXPENSE_IN, data)
    try:
        return book(tx, year=chosen["year"], category=chosen["category"], amount=chosen["amount"],
                    description=chosen["description"], expense_date=chosen["date"] or today,
                    now=now, member_id=chosen["member_id"], actor=actor, refusal_aborts=True)
    except ledger.NotEnoughFunds as exc:
        raise not_enough_funds(exc) from None


_EXPENSE_DETAIL_OUT = ExpenseDetailOut()


def _expense_out(session, expense):
    reversal = session.scalar(sa.select(ExpenseReversal).where(ExpenseReversal.expense_id == expense.id))
    return _EXPENSE_DETAIL_OUT.dump(_With(expense, reversal=reversal))


def get_expense(session, expense_id):
    whole_id(expense_id, "expense_id")
    expense = get_or_404(session, Expense, expense_id, EXPENSE)
    return _expense_out(session, expense)


def reverse_expense(tx, expense_id, data, actor=None, *, today, now, access=SYSTEM):
    """Correct an expense by reversing entries: each source gets its part back; once per expense.

    Nothing is edited: the expense and its entries stay, and a reversal entry
    per source is added. The expense row is locked, so two reversals at once
    make one; the balance rows are updated in the fixed lock order. Under
    separation of duties only an approver who did not book the expense reverses it (403).
    """
    whole_id(expense_id, "expense_id")
    expense = get_or_404(tx.session, Expense, expense_id, EXPENSE, lock=True)
    check_duties(tx.session, access, booked_by=expense.booked_by)
    reason = load(RejectionIn(), data)["reason"]
    reversed_already = tx.session.scalar(sa.select(ExpenseReversal.id).where(ExpenseReversal.expense_id == expense_id))
    problem = ledger.reversal_problem("支出", expense_id, "expense_id", reversed_already is not None)
    if problem:
        raise Conflict(*problem)
    entries = sorted(expense.entries, key=lambda e: e.source)
    for entry in entries:
        _add_spent(tx.session, entry.year, entry.source, -yuan_to_fen(entry.amount))
    tx.session.execute(sa.insert(LedgerEntry), [dict(
        year=e.year, source=e.source, kind=ledger.REVERSAL, amount=e.amount, category=e.category,
        expense_id=expense.id, member_id=e.member_id, reference=e.reference,
        description=ledger.reversal_description("支出", expense.id, reason), entry_date=today, recorded_by=actor,
        recorded_at=now,
    ) for e in entries])
    tx.session.add(ExpenseReversal(expense_id=expense.id, reason=reason, reversed_by=actor))
    tx.session.flush()
    return _expense_out(tx.session, expense)


def list_ledger(session, filters=None, page=1, page_size=20):
    """Ledger entries, newest first, by year, source, category, member and date range."""
    chosen = load(LedgerFilters(), filters or {})
    problem = ledger.date_range_problem(chosen.get("date_from"), chosen.get("date_to"))
    if problem:
        raise InvalidInput(*problem)
    query = sa.select(LedgerEntry).order_by(LedgerEntry.id.desc())
    for name, column in (("year", LedgerEntry.year), ("source", LedgerEntry.source),
                         ("category", LedgerEntry.category), ("member_id", LedgerEntry.member_id)):
        if name in chosen:
            query = query.where(column == chosen[name])
    if "date_from" in chosen:
        query = query.where(LedgerEntry.entry_date >= chosen["date_from"])
    if "date_to" in chosen:
        query = query.where(LedgerEntry.entry_date <= chosen["date_to"])
    return page_of(session, query, LedgerEntryOut().dump, page, page_size)


# -- money that events bring --------------------------------------------------

def _book_for_cause(tx, *, reference, year, category, amount, description, expense_date, member_id, now):
    """Book the expense of one cause (a visit, an activity) once; announce a refusal.

    A second event for the same cause finds the first expense by its reference
    and books nothing. When the sources cannot cover it, expense_refused goes
    out with the reason, and nothing is booked.
    """
    existing = tx.session.scalar(sa.select(Expense).where(Expense.reference == reference))
    if existing is not None:
        log.info("expense %s already booked for %s", existing.id, reference)
        return ExpenseOut().dump(existing)
    # book refuses before it writes anything, so the refusal's event can commit alone
    try:
        return book(tx, year=year, category=category, amount=amount, description=description,
                    expense_date=expense_date, now=now, member_id=member_id, reference=reference)
    except ledger.NotEnoughFunds as exc:
        log.warning("expense for %s refused: %s", reference, exc.reason())
        refuse_cause(tx, reference=reference, year=year, category=category, amount=amount, description=description,
                     member_id=member_id, expense_date=expense_date, reason=exc.reason(), now=now)
        return None


def refuse_cause(tx, *, reference, reason, now, **expense):
    """A cause's expense not booked: kept to book later (a second refusal updates the reason)
    and announced, so the activity or the visit shows it."""
    session = tx.session
    refused = session.scalar(sa.select(RefusedExpense).where(RefusedExpense.reference == reference))
    if refused is None:
        session.add(RefusedExpense(reference=reference, reason=reason, refused_at=now, **expense))
    elif refused.status == "refused":
        refused.reason, refused.refused_at = reason, now
    session.flush()
    tx.emit("expense_refused", {"year": expense["year"], "category": expense["category"], "amount": expense["amount"],
                                "reason": reason, "reference": reference, "member_id": expense["member_id"]})


REFUSED = ("未入账支出", "refused expense")


def list_refused_expenses(session, filters=None, page=1, page_size=20):
    """The causes' expenses refused for want of money, newest first; filters ``year``, ``status``."""
    chosen = load(RefusedFilters(), filters or {})
    query = sa.select(RefusedExpense).order_by(RefusedExpense.refused_at.desc(), RefusedExpense.id.desc())
    query = where_chosen(query, RefusedExpense, chosen, equal=("year", "status"))
    return page_of(session, query, RefusedExpenseOut().dump, page, page_size)


def book_refused_expense(tx, refused_id, actor=None, *, now):
    """Book a refused expense now, by today's policy and balances, all or nothing: 409 when
    the sources still cannot cover it (nothing written) or when it is booked already."""
    refused = get_or_404(tx.session, RefusedExpense, whole_id(refused_id, "refused_id"), REFUSED, lock=True)
    if refused.status == "booked":
        raise Conflict(f"已入账（支出 {refused.expense_id}）(booked already)", {"status": ["已入账 (booked)"]})
    problem = ledger.category_problem(refused.category)
    if problem:
        raise Conflict(problem, {"category": [problem]})
    try:
        expense = book(tx, year=refused.year, category=refused.category, amount=refused.amount,
                       description=refused.description, expense_date=refused.expense_date, now=now,
                       member_id=refused.member_id, reference=refused.reference, actor=actor, refusal_aborts=True)
    except ledger.NotEnoughFunds as exc:
        raise not_enough_funds(exc) from None
    refused.status, refused.expense_id, refused.booked_by, refused.booked_at = "booked", expense["id"], actor, now
    return RefusedExpenseOut().dump(refused)


def book_visit_expense(tx, data, *, now):
    """visit_completed: the cash and goods given become a visits_condolences expense, once per visit."""
    amount = data["cash"] + data["goods_value"]
    if amount <= 0:
        return None
    return _book_for_cause(
        tx, reference=expense_reference("visit", data["task_id"]), year=data["visited_on"].year,
        category="visits_condolences", amount=amount, member_id=data["member_id"],
        description=f"走访慰问：慰问金 {data['cash']:.2f} 元，慰问品 {data['goods_value']:.2f} 元（走访任务 {data['task_id']}）",
        expense_date=data["visited_on"], now=now,
    )


def book_activity_expense(tx, data, *, now):
    """activity_recorded with a cost: an expense of the activity's category, once per activity."""
    if data["cost"] <= 0:
        return None
    category = data["expense_category"]
    reason = ledger.category_problem(category)
    expense = dict(reference=expense_reference("activity", data["activity_id"]), year=data["date"].year,
                   category=category, amount=data["cost"], member_id=None, expense_date=data["date"],
                   description=f"组织活动：{data['kind']}（活动 {data['activity_id']}，{data['participants']} 人参加）")
    if reason:
        # activities sent a category outside the contract: say so, book nothing
        log.warning("activity %s: %s", data["activity_id"], reason)
        refuse_cause(tx, reason=reason, now=now, **expense)
        return None
    return _book_for_cause(tx, now=now, **expense)



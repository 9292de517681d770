"""What the funding service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
"""
import base64
import dataclasses
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa

from funding import domain
from funding.workbook import statement_workbook
from funding.models import (
    BudgetReversal, DuesPayment, DuesRate, Expense, ExpenseReversal, FundingPolicy, LedgerEntry, MemberFact, SourceBalance, SubsidyCheck, fen_to_yuan, yuan_to_fen,
)
from funding.schemas import (
    BalancesQuery, BudgetFilters, BudgetIn, ExpenseIn, ExpenseOut, LedgerEntryOut, LedgerFilters, PolicyIn, PolicyOut,
    ArrearsQuery, StatementQuery, DuesAdjustmentIn, DuesPaymentIn, DuesPaymentOut, DuesRateOut, FixDuesIn, RejectionIn,
    SubsidyCheckFilters, SubsidyCheckOut,
)
from wuji_infra.db import dialect_insert
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.types import office_date
from wuji_infra.validation import load, page_of, paging

log = logging.getLogger(__name__)


# -- subsidy checks -------------------------------------------------------------

def check_subsidy(tx, cause, data, source_event_id, settings):
    """Decide and record the subsidy for a hospitalization or a serious illness, once per member, cause and day.

    ``data`` is the health event's data (dates parsed). A second event of the
    same cause (same member, same date) finds the first check and changes
    nothing. Two such events at once collide on ``cause_key``; the loser's
    handler is retried and then finds the winner's check. The subsidy policy
    is the one in force now (the funding policy's, or ``settings`` while no
    version set it); the check keeps its version. What the member got or waits
    to get this year counts against the policy's yearly cap.
    """
    cause_key = domain.subsidy_cause_key(cause, data["member_id"], data["date"])
    existing = tx.session.scalar(sa.select(SubsidyCheck).where(SubsidyCheck.cause_key == cause_key))
    if existing is not None:
        log.info("subsidy check %s already made for %s; event %s changes nothing",
                 existing.id, cause_key, source_event_id)
        return SubsidyCheckOut().dump(existing)

    policy, version = subsidy_policy_in_force(tx.session, settings)
    decision = domain.decide_subsidy(
        policy, cause, birth_date=data["birth_date"], hardship=data["hardship"], on=data["date"],
        received=_subsidy_this_year(tx.session, data["member_id"], data["date"].year),
    )
    check = SubsidyCheck(
        member_id=data["member_id"], cause=cause, cause_key=cause_key,
        eligible=decision.eligible, amount=decision.amount, reason=decision.reason,
        event_date=data["date"], source_event_id=source_event_id,
        status=domain.status_of_decision(decision), policy_version=version,
    )
    tx.session.add(check)
    tx.session.flush()
    tx.emit("subsidy_checked", {
        "check_id": check.id, "member_id": check.member_id, "cause": check.cause,
        "eligible": check.eligible, "amount": check.amount, "source_event_id": source_event_id,
    })
    return SubsidyCheckOut().dump(check)


def _subsidy_this_year(session, member_id, year):
    """Subsidy granted to the member in ``year``, or waiting for approval."""
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SubsidyCheck.amount), 0))
        .where(SubsidyCheck.member_id == member_id,
               SubsidyCheck.status.in_(domain.COUNTS_AGAINST_CAP),
               SubsidyCheck.event_date >= dt.date(year, 1, 1),
               SubsidyCheck.event_date <= dt.date(year, 12, 31))
    )
    return Decimal(total).quantize(Decimal("0.01"))


def _check_to_review(tx, check_id):
    _whole_number(check_id, "check_id")
    check = tx.session.get(SubsidyCheck, check_id, with_for_update=True)
    if check is None:
        raise NotFound(f"补助核查 {check_id} 不存在 (no such subsidy check)")
    if check.status != domain.PENDING_APPROVAL:
        raise Conflict(f"补助核查 {check_id} 状态为「{domain.STATUS_LABELS[check.status]}」，不能再审批"
                       f" (the check is {check.status}, not pending approval)",
                       {"status": [check.status]})
    return check


def approve_subsidy(tx, check_id, approved_by=None):
    """Approve a pending check: its amount is booked as a hardship_subsidy expense.

    The check row is locked, so of two approvals at once the second finds it
    approved (409). When the sources cannot cover it, 409 with their
    balances, and the check stays pending.
    """
    check = _check_to_review(tx, check_id)
    try:
        expense = _book(
            tx, year=check.event_date.year, category="hardship_subsidy", amount=check.amount,
            description=f"困难党员补助（{domain.SUBSIDY_CAUSES[check.cause]}，补助核查 {check.id}）",
            expense_date=_today() if _today().year == check.event_date.year else check.event_date,
            member_id=check.member_id, reference=f"subsidy:{check.id}", booked_by=approved_by,
            refusal_aborts=True,
        )
    except domain.NotEnoughFunds as exc:
        raise not_enough_funds(exc) from None
    check.status = domain.APPROVED
    check.reviewed_by = approved_by
    check.reviewed_at = dt.datetime.now(dt.timezone.utc)
    check.expense_id = expense["id"]
    tx.session.flush()
    return SubsidyCheckOut().dump(check)


def reject_subsidy(tx, check_id, data, rejected_by=None):
    """Reject a pending check with a reason a person can read; its decision and reason stay."""
    chosen = load(RejectionIn(), data)
    check = _check_to_review(tx, check_id)
    check.status = domain.REJECTED
    check.review_note = chosen["reason"]
    check.reviewed_by = rejected_by
    check.reviewed_at = dt.datetime.now(dt.timezone.utc)
    tx.session.flush()
    return SubsidyCheckOut().dump(check)


def get_subsidy_check(session, check_id):
    if isinstance(check_id, bool) or not isinstance(check_id, int):
        raise InvalidInput("编号应为整数 (check_id must be a whole number)",
                           {"check_id": ["应为整数 (must be a whole number)"]})
    check = session.get(SubsidyCheck, check_id)
    if check is None:
        raise NotFound(f"补助核查 {check_id} 不存在 (no such subsidy check)")
    return SubsidyCheckOut().dump(check)


def list_subsidy_checks(session, filters=None, page=1, page_size=20):
    """Newest first."""
    chosen = load(SubsidyCheckFilters(), filters or {})
    query = sa.select(SubsidyCheck).order_by(SubsidyCheck.id.desc())
    if "member_id" in chosen:
        query = query.where(SubsidyCheck.member_id == chosen["member_id"])
    if "status" in chosen:
        query = query.where(SubsidyCheck.status == chosen["status"])
    return page_of(session, query, SubsidyCheckOut().dump, page, page_size)


# -- helpers ------------------------------------------------------------------

def _whole_number(value, field):
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} 应为整数 ({field} must be a whole number)",
                           {field: ["应为整数 (must be a whole number)"]})
    return value


def _upsert(session, table, values, index_elements, set_):
    statement = dialect_insert(session, table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=index_elements, set_=set_(statement.excluded)))


def _today():
    return dt.date.today()


# -- the funding policy: allocation, dues rebate, subsidy -----------------------
# The newest version is in force; while none was set, the default (version 0).
# The subsidy's minimum age, amount and yearly cap come from the settings
# (SUBSIDY_MIN_AGE, SUBSIDY_AMOUNT, SUBSIDY_YEARLY_CAP: ``settings``, a
# domain.SubsidyPolicy the service reads at start) until a version sets them.

_NEWEST_POLICY = sa.select(FundingPolicy).order_by(FundingPolicy.id.desc()).limit(1)


def _current_policy_row(session):
    return session.scalar(_NEWEST_POLICY)


def _subsidy_of(row, settings):
    """The subsidy policy of a version: its own, or the settings when it set none."""
    if row is None or row.subsidy_min_age is None:
        return settings
    return domain.SubsidyPolicy(min_age=row.subsidy_min_age, amount=row.subsidy_amount,
                                yearly_cap=row.subsidy_yearly_cap)


def _subsidy_out(subsidy, from_settings):
    return {"subsidy_min_age": subsidy.min_age, "subsidy_amount": f"{subsidy.amount:.2f}",
            "subsidy_yearly_cap": f"{subsidy.yearly_cap:.2f}", "subsidy_from_settings": from_settings}


def _policy_out(row, settings):
    from_settings = row.subsidy_min_age is None
    return {**PolicyOut().dump(row), **_subsidy_out(_subsidy_of(row, settings), from_settings)}


def _default_policy(settings):
    return {"version": 0, "allocation": domain.DEFAULT_ALLOCATION,
            "dues_rebate_ratio": f"{domain.DEFAULT_DUES_REBATE_RATIO:.4f}", "note": "默认政策 (the default policy)",
            "created_by": None, "created_at": None, **_subsidy_out(settings, True)}


def current_rebate_ratio(session):
    row = _current_policy_row(session)
    return row.dues_rebate_ratio if row is not None else domain.DEFAULT_DUES_REBATE_RATIO


def subsidy_policy_in_force(session, settings):
    """(the subsidy policy in force, the version it belongs to: 0 for the default)."""
    row = _current_policy_row(session)
    return _subsidy_of(row, settings), (row.id if row is not None else 0)


def current_policy(session, settings):
    """The policy in force: the newest version, or the default while none was set (version 0)."""
    row = _current_policy_row(session)
    return _policy_out(row, settings) if row is not None else _default_policy(settings)


def current_allocation(session):
    row = _current_policy_row(session)
    return row.allocation if row is not None else domain.DEFAULT_ALLOCATION


def set_policy(tx, data, settings, created_by=None):
    """A new version of the policy; the old ones stay as its history.

    What the body omits is taken from the version in force: the rebate ratio,
    and the subsidy policy (while no version set the subsidy, it stays with
    the settings). Setting one of the three subsidy fields sets all three,
    the others as they are in force.
    """
    chosen = load(PolicyIn(), data)
    in_force = _current_policy_row(tx.session)
    problems = domain.allocation_problems(chosen["allocation"])
    ratio = chosen.get("dues_rebate_ratio", current_rebate_ratio(tx.session))
    problem = domain.rebate_ratio_problem(ratio)
    if problem:
        problems["dues_rebate_ratio"] = [problem]
    given = {domain.SUBSIDY_FIELDS[field]: chosen[field] for field in domain.SUBSIDY_FIELDS if field in chosen}
    if given:
        subsidy = dataclasses.replace(_subsidy_of(in_force, settings), **given)
        problems.update(domain.subsidy_policy_problems(subsidy))
        own_subsidy = (subsidy.min_age, subsidy.amount, subsidy.yearly_cap)
    elif in_force is not None:
        own_subsidy = (in_force.subsidy_min_age, in_force.subsidy_amount, in_force.subsidy_yearly_cap)
    else:
        own_subsidy = (None, None, None)
    if problems:
        raise InvalidInput("经费政策有误 (invalid funding policy)", problems)
    allocation = {category: list(chosen["allocation"][category]) for category in domain.CATEGORIES}
    row = FundingPolicy(allocation=allocation, dues_rebate_ratio=ratio, note=chosen["note"], created_by=created_by,
                        subsidy_min_age=own_subsidy[0], subsidy_amount=own_subsidy[1], subsidy_yearly_cap=own_subsidy[2])
    tx.session.add(row)
    tx.session.flush()
    log.info("funding policy version %s set by %s", row.id, created_by)
    return _policy_out(row, settings)


def policy_history(session, settings, page=1, page_size=20):
    """Every version set, newest first (the default, version 0, is not listed)."""
    return page_of(session, sa.select(FundingPolicy).order_by(FundingPolicy.id.desc()),
                   lambda row: _policy_out(row, settings), page, page_size)


# -- budgets and balances -----------------------------------------------------

def _add_income(session, year, source, amount):
    _upsert(session, SourceBalance.__table__,
            {"year": year, "source": source, "income_fen": yuan_to_fen(amount), "spent_fen": 0},
            ["year", "source"], lambda new: {"income_fen": SourceBalance.__table__.c.income_fen + new.income_fen})


def add_budget(tx, data, recorded_by=None):
    """A yearly budget for one source; budgets of the same source and year add up."""
    chosen = load(BudgetIn(), data)
    entry = LedgerEntry(
        year=chosen["year"], source=chosen["source"], kind=domain.BUDGET, amount=chosen["amount"],
        description=chosen["note"] or f"{chosen['year']}年{domain.SOURCES[chosen['source']]}预算",
        entry_date=_today(), recorded_by=recorded_by,
    )
    tx.session.add(entry)
    _add_income(tx.session, chosen["year"], chosen["source"], chosen["amount"])
    tx.session.flush()
    total = fen_to_yuan(tx.session.scalar(sa.select(SourceBalance.income_fen).where(
        SourceBalance.year == chosen["year"], SourceBalance.source == chosen["source"])))
    return {"id": entry.id, "year": entry.year, "source": entry.source, "amount": f"{entry.amount:.2f}",
            "note": chosen["note"], "budget_total": f"{total:.2f}"}


def _budget_out(entry, reversal):
    return {"id": entry.id, "year": entry.year, "source": entry.source, "amount": f"{entry.amount:.2f}",
            "description": entry.description, "date": entry.entry_date.isoformat(),
            "recorded_by": entry.recorded_by, "recorded_at": entry.recorded_at.isoformat(),
            "reversal": None if reversal is None else {
                "reason": reversal.reason, "reversed_by": reversal.reversed_by,
                "reversed_at": reversal.reversed_at.isoformat(), "entry_id": reversal.reversal_entry_id}}


def list_budgets(session, filters=None, page=1, page_size=20):
    """Budget entries, newest first, by year and source, each with its reversal (or None)."""
    chosen = load(BudgetFilters(), filters or {})
    query = (sa.select(LedgerEntry, BudgetReversal)
             .outerjoin(BudgetReversal, BudgetReversal.budget_entry_id == LedgerEntry.id)
             .where(LedgerEntry.kind == domain.BUDGET).order_by(LedgerEntry.id.desc()))
    for name, column in (("year", LedgerEntry.year), ("source", LedgerEntry.source)):
        if name in chosen:
            query = query.where(column == chosen[name])
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": [_budget_out(entry, reversal) for entry, reversal in rows], "total": total,
            "page": page, "page_size": page_size}


def reverse_budget(tx, entry_id, data, reversed_by=None):
    """Correct a budget entry by a reversing entry: the source's income goes down by it; once per entry.

    Nothing is edited: the budget entry stays and a ``budget_reversal`` entry
    is added. The budget entry is locked first (two reversals at once: the
    second finds the first), then its source's balance row, the one row an
    expense of that source also locks, so no expense can spend the money while
    the reversal checks it is still there. Refused (409, nothing written) when
    the balance is less than the budget: some of it is already spent.
    """
    _whole_number(entry_id, "budget_id")
    reason = load(RejectionIn(), data)["reason"]
    entry = tx.session.get(LedgerEntry, entry_id, with_for_update=True)
    if entry is None or entry.kind != domain.BUDGET:
        raise NotFound(f"预算 {entry_id} 不存在 (no such budget entry)")
    if tx.session.scalar(sa.select(BudgetReversal.id).where(BudgetReversal.budget_entry_id == entry_id)):
        raise Conflict(f"预算 {entry_id} 已冲销 (already reversed)", {"budget_id": ["已冲销 (already reversed)"]})
    balance = _lock_balances(tx.session, entry.year, [entry.source]).get(entry.source, domain.ZERO)
    refusal = domain.budget_reversal_refusal(entry.source, entry.amount, balance)
    if refusal:
        raise Conflict(refusal, {entry.source: [f"余额 {balance} 元 (balance {balance})"]})
    reversing = LedgerEntry(
        year=entry.year, source=entry.source, kind=domain.BUDGET_REVERSAL, amount=entry.amount,
        reference=f"budget:{entry.id}", description=f"冲销预算 {entry.id}：{reason}",
        entry_date=_today(), recorded_by=reversed_by)
    tx.session.add(reversing)
    tx.session.execute(sa.update(SourceBalance)
                       .where(SourceBalance.year == entry.year, SourceBalance.source == entry.source)
                       .values(income_fen=SourceBalance.income_fen - yuan_to_fen(entry.amount)),
                       execution_options={"synchronize_session": False})
    tx.session.flush()
    reversal = BudgetReversal(budget_entry_id=entry.id, reversal_entry_id=reversing.id, reason=reason,
                              reversed_by=reversed_by)
    tx.session.add(reversal)
    tx.session.flush()
    log.info("budget entry %s (%s %s, %s) reversed by %s", entry.id, entry.year, entry.source, entry.amount, reversed_by)
    return _budget_out(entry, reversal)


def balances(session, query):
    """Budget, spent and balance of every source in a year (sources with nothing show zeros)."""
    year = load(BalancesQuery(), query)["year"]
    rows = {row.source: row for row in session.scalars(sa.select(SourceBalance).where(SourceBalance.year == year))}
    sources = {}
    for source in domain.SOURCES:
        row = rows.get(source)
        income, spent = (row.income, row.spent) if row else (domain.ZERO, domain.ZERO)
        sources[source] = {"budget": f"{income:.2f}", "spent": f"{spent:.2f}", "balance": f"{income - spent:.2f}"}
    return {"year": year, "sources": sources}


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


def _book(tx, *, year, category, amount, description, expense_date, member_id=None, reference=None,
          booked_by=None, refusal_aborts=False):
    """Book an expense across the sources its policy allows, all or nothing.

    Raises domain.NotEnoughFunds when the sources cannot cover it. With
    ``refusal_aborts`` the caller promises that a refusal rolls back the whole
    transaction (an RPC raising Conflict): then the expense row and its event
    are written before the balances are locked, so the locks are held for as
    few statements as possible. Without it nothing is written before the
    allocation succeeds, and the caller may go on (to announce a refusal).
    """
    session = tx.session
    order = current_allocation(session)[category]
    expense = Expense(year=year, category=category, amount=amount, description=description,
                      member_id=member_id, reference=reference, expense_date=expense_date, booked_by=booked_by)

    def write_expense():
        session.add(expense)
        session.flush()
        tx.emit("expense_booked", {"expense_id": expense.id, "year": year, "category": category,
                                   "amount": amount, "reference": reference, "member_id": member_id})

    if refusal_aborts:
        write_expense()
    parts = domain.allocate(category, amount, order, _lock_balances(session, year, order))
    if not refusal_aborts:
        write_expense()
    session.execute(sa.insert(LedgerEntry), [dict(
        year=year, source=source, kind=domain.EXPENSE, amount=part, category=category,
        expense_id=expense.id, member_id=member_id, reference=reference, description=description,
        entry_date=expense_date, recorded_by=booked_by, recorded_at=dt.datetime.now(dt.timezone.utc),
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


def book_expense(tx, data, booked_by=None):
    """An expense entered by staff: 201 with its allocations, or Conflict when it cannot be covered."""
    chosen = load(_EXPENSE_IN, data)
    try:
        return _book(tx, year=chosen["year"], category=chosen["category"], amount=chosen["amount"],
                     description=chosen["description"], expense_date=chosen["date"] or _today(),
                     member_id=chosen["member_id"], booked_by=booked_by, refusal_aborts=True)
    except domain.NotEnoughFunds as exc:
        raise not_enough_funds(exc) from None


def _expense_out(session, expense):
    out = ExpenseOut().dump(expense)
    reversal = session.scalar(sa.select(ExpenseReversal).where(ExpenseReversal.expense_id == expense.id))
    out["reversal"] = None if reversal is None else {
        "reason": reversal.reason, "reversed_by": reversal.reversed_by,
        "reversed_at": reversal.reversed_at.isoformat()}
    return out


def get_expense(session, expense_id):
    _whole_number(expense_id, "expense_id")
    expense = session.get(Expense, expense_id)
    if expense is None:
        raise NotFound(f"支出 {expense_id} 不存在 (no such expense)")
    return _expense_out(session, expense)


def reverse_expense(tx, expense_id, data, reversed_by=None):
    """Correct an expense by reversing entries: each source gets its part back; once per expense.

    Nothing is edited: the expense and its entries stay, and a reversal entry
    per source is added. The expense row is locked, so two reversals at once
    make one; the balance rows are updated in the fixed lock order.
    """
    _whole_number(expense_id, "expense_id")
    reason = load(RejectionIn(), data)["reason"]
    expense = tx.session.get(Expense, expense_id, with_for_update=True)
    if expense is None:
        raise NotFound(f"支出 {expense_id} 不存在 (no such expense)")
    if tx.session.scalar(sa.select(ExpenseReversal.id).where(ExpenseReversal.expense_id == expense_id)):
        raise Conflict(f"支出 {expense_id} 已冲销 (already reversed)", {"expense_id": ["已冲销 (already reversed)"]})
    entries = sorted(expense.entries, key=lambda e: e.source)
    today = _today()
    for entry in entries:
        _add_spent(tx.session, entry.year, entry.source, -yuan_to_fen(entry.amount))
    tx.session.execute(sa.insert(LedgerEntry), [dict(
        year=e.year, source=e.source, kind=domain.REVERSAL, amount=e.amount, category=e.category,
        expense_id=expense.id, member_id=e.member_id, reference=e.reference,
        description=f"冲销支出 {expense.id}：{reason}", entry_date=today, recorded_by=reversed_by,
        recorded_at=dt.datetime.now(dt.timezone.utc),
    ) for e in entries])
    tx.session.add(ExpenseReversal(expense_id=expense.id, reason=reason, reversed_by=reversed_by))
    tx.session.flush()
    return _expense_out(tx.session, expense)


def list_ledger(session, filters=None, page=1, page_size=20):
    """Ledger entries, newest first, by year, source, category, member and date range."""
    chosen = load(LedgerFilters(), filters or {})
    if "date_from" in chosen and "date_to" in chosen and chosen["date_from"] > chosen["date_to"]:
        raise InvalidInput("日期范围有误 (date_from is after date_to)",
                           {"date_from": ["不能晚于 date_to (must not be after date_to)"]})
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

def _book_for_cause(tx, *, reference, year, category, amount, description, expense_date, member_id):
    """Book the expense of one cause (a visit, an activity) once; announce a refusal.

    A second event for the same cause finds the first expense by its reference
    and books nothing. When the sources cannot cover it, expense_refused goes
    out with the reason, and nothing is booked.
    """
    existing = tx.session.scalar(sa.select(Expense).where(Expense.reference == reference))
    if existing is not None:
        log.info("expense %s already booked for %s", existing.id, reference)
        return ExpenseOut().dump(existing)
    # _book refuses before it writes anything, so the refusal's event can commit alone
    try:
        return _book(tx, year=year, category=category, amount=amount, description=description,
                     expense_date=expense_date, member_id=member_id, reference=reference)
    except domain.NotEnoughFunds as exc:
        log.warning("expense for %s refused: %s", reference, exc.reason())
        tx.emit("expense_refused", {"year": year, "category": category, "amount": amount,
                                    "reason": exc.reason(), "reference": reference, "member_id": member_id})
        return None


def book_visit_expense(tx, data):
    """visit_completed: the cash and goods given become a visits_condolences expense, once per visit."""
    amount = data["cash"] + data["goods_value"]
    if amount <= 0:
        return None
    return _book_for_cause(
        tx, reference=f"visit:{data['task_id']}", year=data["visited_on"].year,
        category="visits_condolences", amount=amount, member_id=data["member_id"],
        description=f"走访慰问：慰问金 {data['cash']:.2f} 元，慰问品 {data['goods_value']:.2f} 元（走访任务 {data['task_id']}）",
        expense_date=data["visited_on"],
    )


def book_activity_expense(tx, data):
    """activity_recorded with a cost: an expense of the activity's category, once per activity."""
    if data["cost"] <= 0:
        return None
    category = data["expense_category"]
    if category not in domain.CATEGORIES:
        # activities sent a category outside the contract: say so, book nothing
        reason = f"未知的支出类别 {category!r} (unknown expense category)"
        log.warning("activity %s: %s", data["activity_id"], reason)
        tx.emit("expense_refused", {"year": data["date"].year, "category": category, "amount": data["cost"],
                                    "reason": reason, "reference": f"activity:{data['activity_id']}"})
        return None
    return _book_for_cause(
        tx, reference=f"activity:{data['activity_id']}", year=data["date"].year, category=category,
        amount=data["cost"], member_id=None, expense_date=data["date"],
        description=f"组织活动：{data['kind']}（活动 {data['activity_id']}，{data['participants']} 人参加）",
    )


def record_member_facts(tx, data, occurred_at, registered=False):
    """member_registered / member_updated: keep funding's copy of the facts; a late older event changes nothing.

    The day the member came on the roster is the day of the first event funding
    hears of them, and member_registered's own day when it comes (also late,
    after an update that overtook it).
    """
    fact = tx.session.get(MemberFact, data["member_id"], with_for_update=True)
    if fact is not None and registered:
        fact.registered_on = min(fact.registered_on or office_date(occurred_at), office_date(occurred_at))
    if fact is not None and fact.as_of >= occurred_at:
        log.info("member %s: facts of %s are older than those kept, ignored", data["member_id"], occurred_at)
        tx.session.flush()
        return
    if fact is None:
        fact = MemberFact(member_id=data["member_id"], registered_on=office_date(occurred_at))
        tx.session.add(fact)
    fact.branch_id = data["branch_id"]
    fact.name = data["name"]
    fact.birth_date = data["birth_date"]
    fact.status = data["status"]
    fact.left_on = _left_on(fact, data["status"], None, occurred_at)
    fact.hardship = data["hardship"]
    fact.pension_monthly = data["pension_monthly"]
    fact.as_of = occurred_at
    tx.session.flush()


def _left_on(fact, status, left_on, occurred_at):
    """The day a member died or left the system: the event's own date when it
    has one, else the day already known, else the day the news came."""
    if status not in domain.LEAVING_STATUSES:
        return None
    return left_on or fact.left_on or office_date(occurred_at)


# -- Party dues ---------------------------------------------------------------

def _rates(session, member_id, year, lock=False):
    query = sa.select(DuesRate).where(DuesRate.member_id == member_id, DuesRate.year == year).order_by(DuesRate.id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).all()


def fix_dues(tx, data, recorded_by=None):
    """Fix a year's monthly dues of every active member from the pension funding knows.

    Meant for the start of the year; run again, it fixes only members not yet
    fixed (newcomers) and never changes a fixed amount: that takes an adjustment.
    A member who came on the roster during the year owes from that month
    (domain.first_month_due); one who came after it is not fixed for it. An
    explicit ``from_month`` is the office's word for everyone this run fixes.
    """
    chosen = load(FixDuesIn(), data)
    year, explicit = chosen["year"], chosen["from_month"]
    already = set(tx.session.scalars(sa.select(DuesRate.member_id).where(DuesRate.year == year)))
    fixed, without_pension, joined_during_year, registered_after_year = [], [], [], []
    members = tx.session.scalars(sa.select(MemberFact).where(MemberFact.status == "active").order_by(MemberFact.member_id))
    for member in members:
        if member.member_id in already:
            continue
        if member.pension_monthly is None:
            without_pension.append(member.member_id)
            continue
        from_month = explicit or domain.first_month_due(year, member.registered_on)
        if from_month is None:
            registered_after_year.append(member.member_id)
            continue
        reason = f"按{year}年初月基本养老金 {member.pension_monthly:.2f} 元核定"
        if explicit:
            reason = f"按月基本养老金 {member.pension_monthly:.2f} 元核定，自{year}年{from_month}月起（经办人指定）"
        elif from_month > 1:
            reason = (f"{member.registered_on.isoformat()} 登记，按月基本养老金 {member.pension_monthly:.2f} 元核定，"
                      f"自{year}年{from_month}月起")
            joined_during_year.append({"member_id": member.member_id, "from_month": from_month})
        tx.session.add(DuesRate(
            member_id=member.member_id, year=year, from_month=from_month, kind="fixed",
            monthly_amount=domain.monthly_dues(member.pension_monthly), pension_basis=member.pension_monthly,
            reason=reason, recorded_by=recorded_by,
        ))
        fixed.append(member.member_id)
    tx.session.flush()
    return {"year": year, "fixed": len(fixed), "already_fixed": len(already), "from_month": explicit,
            "without_pension": without_pension, "joined_during_year": joined_during_year,
            "registered_after_year": registered_after_year}


def adjust_dues(tx, data, recorded_by=None):
    """A recorded change of a member's monthly dues from a month on (e.g. hardship: less or nothing)."""
    chosen = load(DuesAdjustmentIn(), data)
    if not _rates(tx.session, chosen["member_id"], chosen["year"], lock=True):
        raise Conflict(f"党员 {chosen['member_id']} {chosen['year']}年党费尚未核定 (dues not fixed for that year)",
                       {"member_id": ["尚未核定党费 (dues not fixed)"]})
    rate = DuesRate(member_id=chosen["member_id"], year=chosen["year"], from_month=chosen["from_month"],
                    monthly_amount=chosen["monthly_amount"], kind="adjustment", reason=chosen["reason"],
                    recorded_by=recorded_by)
    tx.session.add(rate)
    tx.session.flush()
    return DuesRateOut().dump(rate)


def list_dues_rates(session, filters=None, page=1, page_size=20):
    chosen = load(ArrearsQuery(), filters or {})
    query = sa.select(DuesRate).where(DuesRate.year == chosen["year"]).order_by(DuesRate.member_id, DuesRate.id)
    if "member_id" in chosen:
        query = query.where(DuesRate.member_id == chosen["member_id"])
    return page_of(session, query, DuesRateOut().dump, page, page_size)


def pay_dues(tx, data, recorded_by=None):
    """A month's dues paid, by the member or a relative; at most 6 months late.

    The share set by policy is income of the dues_rebate source, in the same
    transaction. The member's rate rows are locked, so two payments of one
    month at once cannot both be recorded.
    """
    chosen = load(DuesPaymentIn(), data)
    member_id, year, month = chosen["member_id"], chosen["year"], chosen["month"]
    paid_on = chosen["paid_on"] or _today()
    behind = domain.months_behind(year, month, paid_on)
    if behind < 0:
        raise InvalidInput("不能预缴以后月份的党费 (dues of a later month cannot be paid yet)",
                           {"month": ["不能晚于缴纳月份 (must not be after the month paid in)"]})
    if behind > domain.MAX_BACK_MONTHS:
        raise InvalidInput(f"补缴党费最多{domain.MAX_BACK_MONTHS}个月 (at most {domain.MAX_BACK_MONTHS} months back)",
                           {"month": [f"已超过{behind}个月，不能补缴 ({behind} months back)"]})
    rates = _rates(tx.session, member_id, year, lock=True)
    due = domain.due_in_month([(r.from_month, r.monthly_amount) for r in rates], month)
    if due is None and rates:
        first = min(r.from_month for r in rates)
        raise Conflict(f"党员 {member_id} {year}年自{first}月起缴纳党费，{month}月无应缴党费"
                       f" (dues are owed from month {first})", {"month": [f"自{first}月起缴纳 (from month {first})"]})
    if due is None:
        raise Conflict(f"党员 {member_id} {year}年{month}月党费尚未核定 (dues not fixed)",
                       {"member_id": ["尚未核定党费 (dues not fixed)"]})
    if due == 0:
        raise Conflict(f"党员 {member_id} {year}年{month}月免缴党费 (no dues for that month)", {"month": ["免缴 (no dues)"]})
    paid = tx.session.scalar(sa.select(DuesPayment).where(
        DuesPayment.member_id == member_id, DuesPayment.year == year, DuesPayment.month == month))
    if paid is not None:
        raise Conflict(f"党员 {member_id} {year}年{month}月党费已缴纳 (already paid)", {"month": ["已缴纳 (already paid)"]})
    rebate = domain.rebate_of(due, current_rebate_ratio(tx.session))
    payment = DuesPayment(member_id=member_id, year=year, month=month, amount=due, paid_by=chosen["paid_by"],
                          payer_name=chosen["payer_name"], paid_on=paid_on, rebate=rebate, recorded_by=recorded_by)
    tx.session.add(payment)
    if rebate > 0:
        # the rebate is income of the year it is collected in
        tx.session.add(LedgerEntry(
            year=paid_on.year, source="dues_rebate", kind=domain.DUES_REBATE, amount=rebate, member_id=member_id,
            reference=f"dues:{member_id}:{year}-{month:02d}", entry_date=paid_on, recorded_by=recorded_by,
            description=f"党费返还：党员 {member_id} {year}年{month}月党费 {due:.2f} 元",
        ))
        _add_income(tx.session, paid_on.year, "dues_rebate", rebate)
    tx.session.flush()
    return DuesPaymentOut().dump(payment)


def list_dues_payments(session, filters=None, page=1, page_size=20):
    chosen = load(ArrearsQuery(), filters or {})
    query = sa.select(DuesPayment).where(DuesPayment.year == chosen["year"]).order_by(
        DuesPayment.member_id, DuesPayment.month)
    if "member_id" in chosen:
        query = query.where(DuesPayment.member_id == chosen["member_id"])
    return page_of(session, query, DuesPaymentOut().dump, page, page_size)


def dues_arrears(session, filters=None, page=1, page_size=20, today=None):
    """Per member whose dues are fixed for the year: the months due so far and unpaid."""
    chosen = load(ArrearsQuery(), filters or {})
    page, page_size = paging(page, page_size)
    year, today = chosen["year"], today or _today()
    query = sa.select(DuesRate).where(DuesRate.year == year).order_by(DuesRate.member_id, DuesRate.id)
    if "member_id" in chosen:
        query = query.where(DuesRate.member_id == chosen["member_id"])
    rates = {}
    for rate in session.scalars(query):
        rates.setdefault(rate.member_id, []).append((rate.from_month, rate.monthly_amount))
    paid = set(session.execute(sa.select(DuesPayment.member_id, DuesPayment.month)
                               .where(DuesPayment.year == year, DuesPayment.member_id.in_(list(rates)))).all())
    facts = {row.member_id: row for row in session.execute(
        sa.select(MemberFact.member_id, MemberFact.name, MemberFact.left_on)
        .where(MemberFact.member_id.in_(list(rates)))).all()}
    owing = []
    for member_id, member_rates in rates.items():
        fact = facts.get(member_id)
        months = [{"month": month, "amount": f"{due:.2f}"}
                  for month, due in domain.months_due(member_rates, year, today, fact.left_on if fact else None)
                  if (member_id, month) not in paid]
        if months:
            total = sum((Decimal(m["amount"]) for m in months), Decimal("0.00"))
            owing.append({"member_id": member_id, "name": fact.name if fact else None, "months": months,
                          "total": f"{total:.2f}"})
    start = (page - 1) * page_size
    return {"year": year, "items": owing[start:start + page_size], "total": len(owing),
            "page": page, "page_size": page_size}


# -- the yearly statement -----------------------------------------------------

def statement(session, query):
    """A year's money: income by source, spending by category and by source, balances."""
    year = load(StatementQuery(), query)["year"]
    zero = domain.ZERO
    income = {source: {"budget": zero, "dues_rebate": zero} for source in domain.SOURCES}
    by_category = {category: {"total": zero, **{s: zero for s in domain.SOURCES}} for category in domain.CATEGORIES}
    by_source = {source: zero for source in domain.SOURCES}
    rows = session.execute(
        sa.select(LedgerEntry.source, LedgerEntry.kind, LedgerEntry.category, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.year == year)
        .group_by(LedgerEntry.source, LedgerEntry.kind, LedgerEntry.category)
    )
    for source, kind, category, total in rows:
        counts_in, signed = domain.ledger_effect(kind, Decimal(total).quantize(Decimal("0.01")))
        if counts_in in domain.INCOME_KINDS:
            income[source][counts_in] += signed
            continue
        by_category[category][source] += signed
        by_category[category]["total"] += signed
        by_source[source] += signed

    def text(mapping):
        return {key: f"{value:.2f}" for key, value in mapping.items()}

    return {
        "year": year,
        "income": {source: text({**parts, "total": parts["budget"] + parts["dues_rebate"]})
                   for source, parts in income.items()},
        "spending_by_category": {category: text(parts) for category, parts in by_category.items()},
        "spending_by_source": text(by_source),
        "balances": balances(session, {"year": str(year)})["sources"],
    }


def statement_xlsx(session, query):
    """The statement as an Excel workbook with Chinese headings, base64 for the JSON RPC."""
    data = statement(session, query)
    return {"filename": f"funding-statement-{data['year']}.xlsx",
            "content_base64": base64.b64encode(statement_workbook(data)).decode("ascii")}


def record_member_status(tx, member_id, status, occurred_at, left_on=None):
    """member_deceased / member_transferred: the status funding keeps (dues are fixed for
    active members only) and, for a death or a move out of the system, the day it happened."""
    fact = tx.session.get(MemberFact, member_id, with_for_update=True)
    if fact is None:
        log.info("member %s: status %s of %s not applied (unknown member)", member_id, status, occurred_at)
        return
    if fact.as_of >= occurred_at:
        # newer facts are kept, but a death's or departure's own date still counts
        # (members sends member_updated in the same moment as member_deceased)
        if left_on is not None and fact.status == status:
            fact.left_on = left_on
            tx.session.flush()
        return
    fact.status = status
    fact.left_on = _left_on(fact, status, left_on, occurred_at)
    fact.as_of = occurred_at
    tx.session.flush()

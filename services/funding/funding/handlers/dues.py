"""Party dues: fixing a year's rates from the pension, adjusting them, payments
(with their rebate into the dues_rebate source) and arrears."""
import datetime as dt

import sqlalchemy as sa

from funding.domain import dues, ledger
from funding.handlers.ledger import add_income
from funding.handlers.member_facts import WITHDRAWN_MEMBERS, branch_of, is_withdrawn, scoped_to_members
from funding.handlers.policy import current_rebate_ratio
from funding.models import DuesPayment, DuesRate, LedgerEntry, MemberFact
from funding.schemas import (
    ArrearsOut, ArrearsQuery, DuesAdjustmentIn, DuesCollectionIn, DuesCollectionOut, DuesFixedOut, DuesMonthOut,
    DuesMonthQuery, DuesPaymentIn, DuesPaymentOut, DuesRateOut, FixDuesIn,
)
from wuji_infra.access import SYSTEM
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.validation import load, page_of, paging


def _rates(session, member_id, year, lock=False):
    query = sa.select(DuesRate).where(DuesRate.member_id == member_id, DuesRate.year == year).order_by(DuesRate.id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).all()


def fix_dues(tx, data, actor=None):
    """Fix a year's monthly dues of every active member from the pension funding knows.

    Meant for the start of the year; run again, it fixes only members not yet
    fixed (newcomers) and never changes a fixed amount: that takes an adjustment.
    A member who came on the roster during the year owes from that month
    (domain.dues.first_month_due); one who came after it is not fixed for it. An
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
        from_month = explicit or dues.first_month_due(year, member.registered_on)
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
            member_id=member.member_id, year=year, from_month=from_month, kind=dues.FIXED,
            monthly_amount=dues.monthly_dues(member.pension_monthly), pension_basis=member.pension_monthly,
            reason=reason, recorded_by=actor,
        ))
        fixed.append(member.member_id)
    tx.session.flush()
    return DuesFixedOut().dump({"year": year, "fixed": len(fixed), "already_fixed": len(already), "from_month": explicit,
                                "without_pension": without_pension, "joined_during_year": joined_during_year,
                                "registered_after_year": registered_after_year})


def adjust_dues(tx, data, actor=None):
    """A recorded change of a member's monthly dues from a month on (e.g. hardship: less or nothing)."""
    chosen = load(DuesAdjustmentIn(), data)
    rates = _rates(tx.session, chosen["member_id"], chosen["year"], lock=True)
    problem = dues.not_fixed_problem(chosen["member_id"], chosen["year"], rates)
    if problem:
        raise Conflict(*problem)
    rate = DuesRate(member_id=chosen["member_id"], year=chosen["year"], from_month=chosen["from_month"],
                    monthly_amount=chosen["monthly_amount"], kind=dues.ADJUSTMENT, reason=chosen["reason"],
                    recorded_by=actor)
    tx.session.add(rate)
    tx.session.flush()
    return DuesRateOut().dump(rate)


def list_dues_rates(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """A year's rates; only of the members of the caller's branches."""
    chosen = load(ArrearsQuery(), filters or {})
    query = sa.select(DuesRate).where(DuesRate.year == chosen["year"]).order_by(DuesRate.member_id, DuesRate.id)
    query = scoped_to_members(query, access, DuesRate.member_id)
    if "member_id" in chosen:
        query = query.where(DuesRate.member_id == chosen["member_id"])
    return page_of(session, query, DuesRateOut().dump, page, page_size)


def pay_dues(tx, data, actor=None, *, today, access=SYSTEM):
    """A month's dues paid, by the member or a relative; at most 6 months late.

    The share set by policy is income of the dues_rebate source, in the same
    transaction. The member's rate rows are locked, so two payments of one
    month at once cannot both be recorded. A secretary records the dues of the
    members of their branches only (403).
    """
    chosen = load(DuesPaymentIn(), data)
    member_id, year, month = chosen["member_id"], chosen["year"], chosen["month"]
    access.check_write(branch_of(tx.session, member_id))
    if is_withdrawn(tx.session, member_id):
        raise Conflict(*dues.withdrawn_problem(member_id))
    paid_on = chosen["paid_on"] or today
    problem = dues.payment_timing_problem(year, month, paid_on)
    if problem:
        raise InvalidInput(*problem)
    rates = [(r.from_month, r.monthly_amount) for r in _rates(tx.session, member_id, year, lock=True)]
    problem = dues.payment_problem(member_id, year, month, rates, already_paid=_paid(tx.session, member_id, year, month))
    if problem:
        raise Conflict(*problem)
    return DuesPaymentOut().dump(_record_payment(tx, member_id, year, month, rates, chosen["paid_by"],
                                                 chosen["payer_name"], paid_on, actor))


def _paid(session, member_id, year, month):
    return session.scalar(sa.select(DuesPayment.id).where(
        DuesPayment.member_id == member_id, DuesPayment.year == year, DuesPayment.month == month)) is not None


def _record_payment(tx, member_id, year, month, rates, paid_by, payer_name, paid_on, actor):
    """The payment of a month's dues, and the rebate it brings as income of dues_rebate."""
    due = dues.due_in_month(rates, month)
    rebate = dues.rebate_of(due, current_rebate_ratio(tx.session))
    payment = DuesPayment(member_id=member_id, year=year, month=month, amount=due, paid_by=paid_by,
                          payer_name=payer_name, paid_on=paid_on, rebate=rebate, recorded_by=actor)
    tx.session.add(payment)
    if rebate > 0:
        # the rebate is income of the year it is collected in
        tx.session.add(LedgerEntry(
            year=paid_on.year, source="dues_rebate", kind=ledger.DUES_REBATE, amount=rebate, member_id=member_id,
            reference=f"dues:{member_id}:{year}-{month:02d}", entry_date=paid_on, recorded_by=actor,
            description=f"党费返还：党员 {member_id} {year}年{month}月党费 {due:.2f} 元",
        ))
        add_income(tx.session, paid_on.year, "dues_rebate", rebate)
    tx.session.flush()
    return payment


def collect_dues(tx, data, actor=None, *, today, access=SYSTEM):
    """A branch's dues of one month collected at once (收缴党费): one payment for each member
    listed, by the member; those who paid that month already are left as they are and named.
    All or nothing: a member not of the branch, or whose dues are not fixed, refuses the whole
    collection (naming them) and nothing is recorded."""
    chosen = load(DuesCollectionIn(), data)
    branch_id, year, month = chosen["branch_id"], chosen["year"], chosen["month"]
    access.check_write(branch_id)
    paid_on = chosen["paid_on"] or today
    problem = dues.payment_timing_problem(year, month, paid_on)
    if problem:
        raise InvalidInput(*problem)
    members = dict(tx.session.execute(sa.select(MemberFact.member_id, MemberFact.branch_id)
                                      .where(MemberFact.member_id.in_(chosen["member_ids"]))).all())
    strangers = [m for m in chosen["member_ids"] if members.get(m) != branch_id]
    if strangers:
        raise InvalidInput("名单中有非本支部党员 (members not of the branch)",
                           {"member_ids": [f"党员 {m} 不是本支部党员 (not of the branch)" for m in strangers]})
    withdrawn = set(tx.session.scalars(WITHDRAWN_MEMBERS.where(MemberFact.member_id.in_(chosen["member_ids"]))))
    if withdrawn:
        raise Conflict("名单中有已撤销的党员 (withdrawn members listed)",
                       {"member_ids": [dues.withdrawn_problem(m)[0] for m in chosen["member_ids"] if m in withdrawn]})
    paid, already, waived, problems = [], [], [], []
    for member_id in chosen["member_ids"]:
        rates = [(r.from_month, r.monthly_amount) for r in _rates(tx.session, member_id, year, lock=True)]
        if _paid(tx.session, member_id, year, month):
            already.append(member_id)
            continue
        if dues.due_in_month(rates, month) == 0:  # waived (免缴) for the month: nothing to collect
            waived.append(member_id)
            continue
        problem = dues.payment_problem(member_id, year, month, rates, already_paid=False)
        if problem:
            problems.append(problem[0])
            continue
        paid.append((member_id, rates))
    if problems:
        raise Conflict("部分党员不能收缴 (some members cannot pay)", {"member_ids": problems})
    payments = [_record_payment(tx, member_id, year, month, rates, "member", None, paid_on, actor)
                for member_id, rates in paid]
    return DuesCollectionOut().dump({
        "branch_id": branch_id, "year": year, "month": month, "paid": payments, "already_paid": already,
        "waived": waived, "total": sum((p.amount for p in payments), ledger.ZERO)})


def dues_of_month(session, query, *, today, access=SYSTEM):
    """A branch's dues of one month, member by member (the collection screen): what each owes,
    and whether it is paid, waived, not yet due or not fixed."""
    chosen = load(DuesMonthQuery(), query or {})
    branch_id, year, month = chosen["branch_id"], chosen["year"], chosen["month"]
    access.check_read(branch_id, ("党支部", "branch"), branch_id)
    month_start = dt.date(year, month, 1)
    members = session.execute(
        sa.select(MemberFact).where(MemberFact.branch_id == branch_id, MemberFact.member_id.not_in(WITHDRAWN_MEMBERS))
        .where(sa.or_(MemberFact.left_on.is_(None), MemberFact.left_on >= month_start))
        .order_by(MemberFact.name, MemberFact.member_id)).scalars().all()
    ids = [m.member_id for m in members]
    rates = {}
    for member_id, from_month, amount in session.execute(
            sa.select(DuesRate.member_id, DuesRate.from_month, DuesRate.monthly_amount)
            .where(DuesRate.year == year, DuesRate.member_id.in_(ids)).order_by(DuesRate.id)):
        rates.setdefault(member_id, []).append((from_month, amount))
    payments = {p.member_id: p for p in session.scalars(
        sa.select(DuesPayment).where(DuesPayment.year == year, DuesPayment.month == month,
                                     DuesPayment.member_id.in_(ids)))}
    rows = []
    for member in members:
        if member.status != "active" and member.left_on is None:
            continue  # left before funding kept the day: not on this month's list
        member_rates = rates.get(member.member_id, [])
        payment = payments.get(member.member_id)
        status = dues.month_status(member_rates, year, month, today, dues.first_month_due(year, member.registered_on),
                                   member.left_on, paid=payment is not None)
        rows.append({"member_id": member.member_id, "name": member.name, "status": status,
                     "amount_due": dues.due_in_month(member_rates, month) if member_rates else None,
                     "amount_paid": payment.amount if payment else None,
                     "paid_on": payment.paid_on if payment else None})
    owed = [r["amount_due"] for r in rows if r["status"] == "due"]
    return DuesMonthOut().dump({"branch_id": branch_id, "year": year, "month": month, "members": rows,
                                "due_total": sum(owed, ledger.ZERO),
                                "paid_total": sum((r["amount_paid"] for r in rows if r["amount_paid"]), ledger.ZERO)})


def list_dues_payments(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """A year's payments; only of the members of the caller's branches."""
    chosen = load(ArrearsQuery(), filters or {})
    query = sa.select(DuesPayment).where(DuesPayment.year == chosen["year"]).order_by(
        DuesPayment.member_id, DuesPayment.month)
    query = scoped_to_members(query, access, DuesPayment.member_id)
    if "member_id" in chosen:
        query = query.where(DuesPayment.member_id == chosen["member_id"])
    return page_of(session, query, DuesPaymentOut().dump, page, page_size)


def dues_arrears(session, filters=None, page=1, page_size=20, *, today, access=SYSTEM):
    """Per member whose dues are fixed for the year: the months due so far and unpaid;
    only the members of the caller's branches."""
    chosen = load(ArrearsQuery(), filters or {})
    page, page_size = paging(page, page_size)
    year = chosen["year"]
    query = scoped_to_members(sa.select(DuesRate), access, DuesRate.member_id)
    if "member_id" in chosen:
        query = query.where(DuesRate.member_id == chosen["member_id"])
    owing = arrears(session, query, year, today)
    start = (page - 1) * page_size
    return {"year": year, "items": ArrearsOut(many=True).dump(owing[start:start + page_size]), "total": len(owing),
            "page": page, "page_size": page_size}


def arrears(session, rates_query, year, today):
    """The members of ``rates_query`` (a select of DuesRate), not withdrawn, who owe dues of ``year`` due by
    ``today``: ``[{"member_id", "name", "branch_id", "months": [{"month", "amount"}], "total"}]``."""
    # a member who paid every month due so far owes nothing, whatever their rates: left out in
    # the database, so only those who may owe are read (a few in a well-run office)
    last = dues.last_month_due(year, today)
    paid_up = (sa.select(DuesPayment.member_id)  # one payment a month at most (one_payment_per_month)
               .where(DuesPayment.year == year, DuesPayment.month.between(1, last))
               .group_by(DuesPayment.member_id).having(sa.func.count() == last))
    # a member withdrawn as entered in error owes nothing
    query = rates_query.where(DuesRate.year == year, DuesRate.member_id.not_in(WITHDRAWN_MEMBERS))
    if last:
        query = query.where(DuesRate.member_id.not_in(paid_up))
    rates = {}
    for member_id, from_month, amount in session.execute(query.with_only_columns(
            DuesRate.member_id, DuesRate.from_month, DuesRate.monthly_amount).order_by(DuesRate.member_id, DuesRate.id)):
        rates.setdefault(member_id, []).append((from_month, amount))
    may_owe = list(rates)
    paid = set(session.execute(sa.select(DuesPayment.member_id, DuesPayment.month)
                               .where(DuesPayment.year == year, DuesPayment.member_id.in_(may_owe))).all())
    facts = {row.member_id: row for row in session.execute(
        sa.select(MemberFact.member_id, MemberFact.name, MemberFact.branch_id, MemberFact.left_on)
        .where(MemberFact.member_id.in_(may_owe))).all()}
    owing = []
    for member_id, member_rates in rates.items():
        fact = facts.get(member_id)
        months = [{"month": month, "amount": due}
                  for month, due in dues.months_due(member_rates, year, today, fact.left_on if fact else None)
                  if (member_id, month) not in paid]
        if months:
            total = sum((m["amount"] for m in months), ledger.ZERO)
            owing.append({"member_id": member_id, "name": fact.name if fact else None,
                          "branch_id": fact.branch_id if fact else None, "months": months, "total": total})
    return owing

"""Party dues: fixing a year's rates from the pension, adjusting them, payments
(with their rebate into the dues_rebate source), a branch's collection, a branch's month
as one view, the dues sheet (download, fill in, upload) and arrears."""
import base64
import binascii


import sqlalchemy as sa
from eventlet import tpool

from funding import dues_sheet as sheets
from funding.domain import dues, ledger
from funding.handlers.ledger import add_income
from funding.handlers.member_facts import WITHDRAWN_MEMBERS, branch_of, is_withdrawn, scoped_to_members
from funding.handlers.policy import current_rebate_ratio
from funding.models import DuesPayment, DuesRate, LedgerEntry, MemberFact
from funding.schemas import (
    ArrearsOut, ArrearsQuery, DuesAdjustmentIn, DuesCollectionIn, DuesCollectionOut, DuesFixedOut, DuesMonthOut,
    DuesMonthQuery, DuesPaymentIn, DuesPaymentOut, DuesRateOut, DuesSheetQuery, DuesSheetRecordedOut, FixDuesIn,
)
from wuji_infra.access import SYSTEM
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.validation import load, page_of, paging
from wuji_infra.workbook_limits import Refused


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


# -- the dues sheet (党费收缴表) ---------------------------------------------------------

BRANCH = ("党支部", "branch")


def _year_rates(session, member_ids, year, lock=False):
    """``{member_id: [(from_month, amount)]}`` of ``year``, in the order recorded (locked: the
    payments of those members wait, as pay_dues' lock of one member's rates does)."""
    query = (sa.select(DuesRate.member_id, DuesRate.from_month, DuesRate.monthly_amount)
             .where(DuesRate.year == year, DuesRate.member_id.in_(member_ids)).order_by(DuesRate.member_id, DuesRate.id))
    if lock:
        query = query.with_for_update()
    rates = {}
    for member_id, from_month, amount in session.execute(query):
        rates.setdefault(member_id, []).append((from_month, amount))
    return rates


def _paid_months(session, member_ids, year):
    return set(session.execute(sa.select(DuesPayment.member_id, DuesPayment.month)
                               .where(DuesPayment.year == year, DuesPayment.member_id.in_(member_ids))).all())


def dues_of_month(session, query, *, today, access=SYSTEM):
    """A branch's dues of one month, member by member (the collection screen): what each owes
    and where they stand, as the dues sheet marks it (``domain.dues.sheet_month_state``), or
    ``not_fixed`` before their dues of the year are fixed."""
    chosen = load(DuesMonthQuery(), query or {})
    branch_id, year, month = chosen["branch_id"], chosen["year"], chosen["month"]
    access.check_read(branch_id, BRANCH, branch_id)
    members = session.execute(
        sa.select(MemberFact).where(MemberFact.branch_id == branch_id, MemberFact.member_id.not_in(WITHDRAWN_MEMBERS))
        .order_by(MemberFact.name, MemberFact.member_id)).scalars().all()
    members = [m for m in members if not dues.left_before(year, month, m.left_on)
               and (m.status == "active" or m.left_on is not None)]  # left before funding kept the day: not listed
    ids = [m.member_id for m in members]
    rates = _year_rates(session, ids, year)
    payments = {p.member_id: p for p in session.scalars(
        sa.select(DuesPayment).where(DuesPayment.year == year, DuesPayment.month == month,
                                     DuesPayment.member_id.in_(ids)))}
    rows = []
    for member in members:
        member_rates, payment = rates.get(member.member_id, []), payments.get(member.member_id)
        status = (dues.sheet_month_state(year, month, member_rates, payment is not None, member.left_on, today)
                  if member_rates or payment else dues.NOT_FIXED)
        rows.append({"member_id": member.member_id, "name": member.name, "status": status,
                     "amount_due": dues.due_in_month(member_rates, month),
                     "amount_paid": payment.amount if payment else None,
                     "paid_on": payment.paid_on if payment else None})
    owed = [r["amount_due"] for r in rows if r["status"] == dues.OWED]
    return DuesMonthOut().dump({"branch_id": branch_id, "year": year, "month": month, "members": rows,
                                "due_total": sum(owed, ledger.ZERO),
                                "paid_total": sum((r["amount_paid"] for r in rows if r["amount_paid"]), ledger.ZERO)})


def dues_sheet(session, query=None, branch_name=None, *, today, access=SYSTEM):
    """The dues sheet of a branch's year (or one month of it) to fill in, as an .xlsx (base64):
    one row per member of the branch whose dues are fixed for the year (not those who left
    before it; none before the year's dues are fixed), months paid marked 已缴, waived 免缴,
    not owed —. ``branch_name`` (the gateway
    asks members for it) titles the sheet. Another branch's sheet is 404 to a secretary."""
    chosen = load(DuesSheetQuery(), query or {})
    branch_id, year, month = chosen["branch_id"], chosen["year"], chosen.get("month")
    access.check_read(branch_id, BRANCH, branch_id)
    liable = sa.select(DuesRate.member_id).where(DuesRate.year == year)
    facts = [fact for fact in session.execute(
        sa.select(MemberFact.member_id, MemberFact.name, MemberFact.status, MemberFact.left_on)
        .where(MemberFact.branch_id == branch_id, MemberFact.member_id.in_(liable),
               MemberFact.member_id.not_in(WITHDRAWN_MEMBERS)).order_by(MemberFact.member_id))
        if fact.left_on is None or fact.left_on.year >= year]
    label = branch_name or f"党支部 {branch_id}"
    ids = [fact.member_id for fact in facts]
    rates, paid = _year_rates(session, ids, year), _paid_months(session, ids, year)
    months = [month] if month else list(range(1, 13))
    shown = month or (12 if year < today.year else today.month if year == today.year else 1)
    rows = [{"member_id": fact.member_id, "name": fact.name, "monthly": dues.sheet_amount(rates[fact.member_id], shown),
             "states": {m: dues.sheet_month_state(year, m, rates[fact.member_id], (fact.member_id, m) in paid,
                                                  fact.left_on, today) for m in months},
             "remark": sheets.remark(dues.rate_periods(rates[fact.member_id]), fact.left_on, fact.status)}
            for fact in facts]
    period = f"{year}年{month}月" if month else f"{year}年"
    title = f"{label} {period}党费收缴表"
    note = "\n".join((
        "填写说明：1. 收到党费的月份，在该月格中填写实缴金额（须与该月应缴金额一致）；未缴的月份留空，黄色格为已到期未缴。",
        f"2. “已缴”“免缴”“—”（不需缴纳）的格不必填写，上传时不会重复记录；不能预缴以后月份的党费，补缴最多{dues.MAX_BACK_MONTHS}个月。",
        "3. 请勿修改党员编号和表头。上传后全表无误才记录（缴纳日期为上传当天）；有误时指出第几行哪一列，什么也不记录。",
        f"制表日期 {today.isoformat()}，共 {len(rows)} 人（{year}年党费尚未核定的党员不在表内）。"))
    content = sheets.write_sheet(title, note, year, months, rows)
    return {"filename": f"{label}{period}党费收缴表.xlsx".replace("/", "-"),
            "content_base64": base64.b64encode(content).decode("ascii")}


def record_dues_sheet(tx, content_base64, actor=None, *, today, access=SYSTEM):
    """A filled-in dues sheet (.xlsx, base64) recorded: each amount written is the payment of
    that member's month, by the member, paid today. Every row is checked first (the member
    known and of the caller's branches, the name theirs, each amount the month's dues, each
    month payable by the rules of every payment); one problem anywhere refuses the whole sheet
    with every problem named by row and column (``第5行 2026年3月``), and nothing is recorded.
    A month paid before is left as it is and named when the sheet has an amount for it."""
    content = _file_content(content_base64)
    try:
        year, months, rows = tpool.execute(sheets.read_sheet, content)
    except Refused as exc:
        raise InvalidInput(str(exc), {"file": [str(exc)]})
    if not rows:
        raise InvalidInput("党费收缴表中没有党员 (the sheet lists no member)", {"file": ["没有党员行 (no member rows)"]})
    columns = {heading: number for number, heading in enumerate(
        [sheets.MEMBER_ID, sheets.NAME, *(heading for _, heading in months)])}
    problems = {}

    def refuse(row, heading, reason):
        problems[(row, columns[heading])] = (f"第{row}行 {heading}", reason)

    read, first_row_of = [], {}
    for number, values in rows:
        try:
            member_id = sheets.member_id_of(values.get(sheets.MEMBER_ID))
        except ValueError as exc:
            refuse(number, sheets.MEMBER_ID, str(exc))
            member_id = None
        if member_id in first_row_of:
            refuse(number, sheets.MEMBER_ID, f"与第{first_row_of[member_id]}行重复 (the member is on that row too)")
            member_id = None
        elif member_id is not None:
            first_row_of[member_id] = number
        written = {}
        for month, heading in months:
            try:
                written[month] = sheets.written_of(values.get(heading))
            except ValueError as exc:
                refuse(number, heading, str(exc))
        read.append((number, member_id, sheets.name_of(values.get(sheets.NAME)), written))

    ids = list(first_row_of)
    facts = {fact.member_id: fact for fact in tx.session.execute(
        sa.select(MemberFact.member_id, MemberFact.branch_id, MemberFact.name, MemberFact.left_on)
        .where(MemberFact.member_id.in_(ids))).all()}
    withdrawn = set(tx.session.scalars(WITHDRAWN_MEMBERS.where(MemberFact.member_id.in_(ids))))
    rates = _year_rates(tx.session, ids, year, lock=True)
    paid = _paid_months(tx.session, ids, year)
    counts = {month: {"month": month, "recorded": 0, "already_paid": 0, "waived": 0, "total": ledger.ZERO}
              for month in sorted(month for month, _ in months)}
    to_record, named = [], []
    for number, member_id, name, written in read:
        if member_id is None:
            continue
        fact = facts.get(member_id)
        problem = dues.sheet_member_problem(fact and fact.branch_id, fact is not None and access.covers(fact.branch_id),
                                            access.scoped)
        if problem:
            refuse(number, sheets.MEMBER_ID, problem)
            continue
        if fact.member_id in withdrawn:
            refuse(number, sheets.MEMBER_ID, dues.withdrawn_problem(member_id)[0])
            continue
        if name is not None and name != fact.name:
            refuse(number, sheets.NAME, f"党员编号 {member_id} 是“{fact.name}” (the member id is {fact.name}'s)")
        member_rates = rates.get(member_id, [])
        for month, heading in months:
            if month not in written:
                continue  # unreadable: refused above
            action, detail = dues.sheet_cell(member_id, year, month, written[month], member_rates,
                                             (member_id, month) in paid, fact.left_on, today)
            if action == dues.REFUSED:
                refuse(number, heading, detail)
            elif action == dues.RECORD:
                to_record.append((member_id, month, member_rates))
            elif action == dues.ALREADY_PAID:
                counts[month]["already_paid"] += 1
                if written[month] not in (None, dues.WRITTEN_PAID, dues.WRITTEN_WAIVED, dues.WRITTEN_NOT_DUE):
                    named.append({"row": number, "member_id": member_id, "month": month})
            elif action == dues.WAIVED:
                counts[month]["waived"] += 1
    if problems:
        fields = {label: [reason] for _, (label, reason) in sorted(problems.items())}
        raise InvalidInput(f"党费收缴表有 {len(fields)} 处错误，未记录任何缴纳"
                           f" (the sheet has {len(fields)} problems: nothing was recorded)", fields)
    for member_id, month, member_rates in to_record:
        payment = _record_payment(tx, member_id, year, month, member_rates, "member", None, today, actor)
        counts[month]["recorded"] += 1
        counts[month]["total"] += payment.amount
    by_month = list(counts.values())
    return DuesSheetRecordedOut().dump({
        "year": year, "members": len(read), "by_month": by_month, "already_paid_cells": named,
        **{key: sum(m[key] for m in by_month) for key in ("recorded", "already_paid", "waived")},
        "total": sum((m["total"] for m in by_month), ledger.ZERO)})


def _file_content(content_base64):
    try:
        content = base64.b64decode(content_base64 or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput("文件内容有误 (the file is not base64)", {"file": ["not base64"]})
    if not content:
        raise InvalidInput("请上传 .xlsx 文件 (send an .xlsx file)", {"file": ["必填 (required)"]})
    return content


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

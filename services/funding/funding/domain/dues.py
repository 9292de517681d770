"""Party dues (党费): the rate from the pension, the months a member owes, the
payment of a month and its rebate."""
from decimal import ROUND_HALF_UP, Decimal

from funding.domain.ledger import CENTS

DUES_THRESHOLD = Decimal("5000.00")
DUES_RATE_LOW = Decimal("0.005")    # 0.5% of the whole pension up to 5,000 yuan
DUES_RATE_HIGH = Decimal("0.01")    # 1% of the whole pension above
MAX_BACK_MONTHS = 6

# a rate's kinds: fixed once at the start of a year from the pension, or a recorded adjustment
FIXED = "fixed"
ADJUSTMENT = "adjustment"
RATE_KIND_LABELS = {FIXED: "按养老金核定", ADJUSTMENT: "调整"}


def monthly_dues(pension):
    """Monthly dues on the basic pension: 0.5% of the whole when 5,000 or less, 1% of the whole above."""
    rate = DUES_RATE_LOW if pension <= DUES_THRESHOLD else DUES_RATE_HIGH
    return (pension * rate).quantize(CENTS, rounding=ROUND_HALF_UP)


def rebate_of(amount, ratio):
    """The share of collected dues that is income of the dues_rebate source."""
    return (amount * ratio).quantize(CENTS, rounding=ROUND_HALF_UP)


def months_behind(year, month, on):
    """How many months the dues of ``year``-``month`` are paid after the month of ``on`` (0: on time)."""
    return (on.year * 12 + on.month) - (year * 12 + month)


def due_in_month(rates, month):
    """The dues of ``month`` from a year's rates [(from_month, amount)] in the order recorded; None before the first."""
    amount = None
    for from_month, monthly in sorted(rates, key=lambda r: r[0]):   # stable: later records win on a tie
        if from_month <= month:
            amount = monthly
    return amount


LEAVING_STATUSES = ("deceased", "transferred_out")


def first_month_due(year, registered_on):
    """The first month of ``year`` whose dues a member owes: January for a member on
    the roster before the year, the month they came on it for one registered during
    the year, None for one registered after it (nothing is owed for that year).

    ``registered_on`` None: funding learned of the member before it kept that date,
    so the member counts as on the roster all along.
    """
    if registered_on is None or registered_on.year < year:
        return 1
    return registered_on.month if registered_on.year == year else None


def last_month_due(year, today, left_on=None):
    """The last month of ``year`` whose dues have fallen due by ``today`` (0: none).

    A member who died or left the system owes nothing after the month they left.
    """
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    if left_on is not None and left_on.year <= year:
        last = min(last, left_on.month if left_on.year == year else 0)
    return last


def months_due(rates, year, today, left_on=None):
    """The months of ``year`` whose dues have fallen due by ``today``, as [(month, amount)].

    The one rule of what a member owes: from the first month their rates cover
    (January, or the month they came on the roster) to the month they left, if
    they did, and not beyond ``today``; a month whose dues are 0 (waived) is not
    owed. ``rates``: the year's [(from_month, monthly_amount)] in the order recorded.
    """
    due = []
    for month in range(1, last_month_due(year, today, left_on) + 1):
        amount = due_in_month(rates, month)
        if amount:
            due.append((month, amount))
    return due


def payment_timing_problem(year, month, paid_on):
    """Why the dues of ``year``-``month`` cannot be paid on ``paid_on`` (never ahead,
    at most MAX_BACK_MONTHS late), as (message, {field: [reason]}), or None."""
    behind = months_behind(year, month, paid_on)
    if behind < 0:
        return ("不能预缴以后月份的党费 (dues of a later month cannot be paid yet)",
                {"month": ["不能晚于缴纳月份 (must not be after the month paid in)"]})
    if behind > MAX_BACK_MONTHS:
        return (f"补缴党费最多{MAX_BACK_MONTHS}个月 (at most {MAX_BACK_MONTHS} months back)",
                {"month": [f"已超过{behind}个月，不能补缴 ({behind} months back)"]})
    return None


def not_fixed_problem(member_id, year, rates):
    """Why a member's dues of ``year`` cannot be adjusted: they were never fixed (no ``rates``)."""
    if rates:
        return None
    return (f"党员 {member_id} {year}年党费尚未核定 (dues not fixed for that year)",
            {"member_id": ["尚未核定党费 (dues not fixed)"]})


def payment_problem(member_id, year, month, rates, already_paid):
    """Why the dues of a month cannot be paid given the year's ``rates`` [(from_month,
    amount)]: owed only from the first rate on, not fixed, waived, or paid already.
    (message, {field: [reason]}), or None when the month is due and unpaid."""
    due = due_in_month(rates, month)
    if due is None and rates:
        first = min(from_month for from_month, _ in rates)
        return (f"党员 {member_id} {year}年自{first}月起缴纳党费，{month}月无应缴党费"
                f" (dues are owed from month {first})", {"month": [f"自{first}月起缴纳 (from month {first})"]})
    if due is None:
        return (f"党员 {member_id} {year}年{month}月党费尚未核定 (dues not fixed)",
                {"member_id": ["尚未核定党费 (dues not fixed)"]})
    if due == 0:
        return f"党员 {member_id} {year}年{month}月免缴党费 (no dues for that month)", {"month": ["免缴 (no dues)"]}
    if already_paid:
        return f"党员 {member_id} {year}年{month}月党费已缴纳 (already paid)", {"month": ["已缴纳 (already paid)"]}
    return None


def leaving_day(status, event_left_on, known_left_on, news_day):
    """The day a member died or left the system (None while they have not): the
    event's own date when it has one, else the day already known, else the day
    the news came (``news_day``, the office's day of the event)."""
    if status not in LEAVING_STATUSES:
        return None
    return event_left_on or known_left_on or news_day


def withdrawn_problem(member_id):
    """(message, {field: [reason]}) of dues refused for a member withdrawn as entered in error."""
    reason = f"党员 {member_id} 已撤销（登记有误），不收党费 (the member was withdrawn: entered in error)"
    return reason, {"member_id": [reason]}


# -- the dues sheet (党费收缴表): what a month's cell shows, and what a filled-in cell asks ----

# what a month's cell of the sheet is: paid before, waived (0 that month), not owed (before the
# member's dues start or after they left), owed and unpaid, or not yet due (a later month)
PAID, WAIVED, NOT_DUE, OWED, LATER = "paid", "waived", "not_due", "owed", "later"
NOT_FIXED = "not_fixed"  # a member's dues of the year not fixed yet (the month's view only)
MONTH_STATE_LABELS = {PAID: "已缴", OWED: "应缴未缴", WAIVED: "免缴", NOT_DUE: "不需缴", LATER: "未到期",
                      NOT_FIXED: "未核定党费"}
# what a treasurer wrote in a cell besides an amount: the marks the sheet itself writes
WRITTEN_PAID, WRITTEN_WAIVED, WRITTEN_NOT_DUE = "paid_mark", "waived_mark", "not_due_mark"
# what a filled-in cell asks for
RECORD, ALREADY_PAID, REFUSED = "record", "already_paid", "refused"


def left_before(year, month, left_on):
    """Whether the member had died or left the system before ``year``-``month`` began."""
    return left_on is not None and (left_on.year, left_on.month) < (year, month)


def sheet_month_state(year, month, rates, paid, left_on, today):
    """What the dues sheet shows for a member's month (PAID, WAIVED, NOT_DUE, OWED or LATER),
    by the one rule of what is owed (``months_due``): ``rates`` the year's [(from_month, amount)]
    in the order recorded, ``paid`` whether the month is paid."""
    if paid:
        return PAID
    due = due_in_month(rates, month)
    if due is None or left_before(year, month, left_on):
        return NOT_DUE
    if due == 0:
        return WAIVED
    return LATER if (year, month) > (today.year, today.month) else OWED


def sheet_amount(rates, month):
    """The monthly amount the sheet shows beside a member: the dues of ``month``, or of the
    first month their rates cover when ``month`` is before it (None: not fixed)."""
    due = due_in_month(rates, month)
    if due is None and rates:
        due = due_in_month(rates, min(from_month for from_month, _ in rates))
    return due


def rate_periods(rates, first=1, last=12):
    """The year's rates as [(from_month, to_month, amount)] over ``first``..``last``, one
    period per change of amount (months before the first rate left out)."""
    periods = []
    for month in range(first, last + 1):
        due = due_in_month(rates, month)
        if due is None:
            continue
        if periods and periods[-1][2] == due and periods[-1][1] == month - 1:
            periods[-1] = (periods[-1][0], month, due)
        else:
            periods.append((month, month, due))
    return periods


def sheet_cell(member_id, year, month, written, rates, paid, left_on, paid_on):
    """What a filled-in month's cell of the dues sheet asks, paid on ``paid_on``:
    ``(RECORD, due)``, ``(ALREADY_PAID, None)`` (paid before: left as it is, whatever the cell
    says), ``(WAIVED, None)``, ``(None, None)`` (nothing to do), or ``(REFUSED, reason)``.

    ``written``: None (an empty cell: not paid), WRITTEN_PAID, WRITTEN_WAIVED, WRITTEN_NOT_DUE
    (the sheet's own marks) or an amount (Decimal), which must be the month's dues exactly;
    the payment's rules are those of every payment (``payment_timing_problem``, ``payment_problem``).
    """
    state = sheet_month_state(year, month, rates, paid, left_on, paid_on)
    if state == PAID:
        return ALREADY_PAID, None
    if written is None or written == WRITTEN_NOT_DUE:
        return (WAIVED if state == WAIVED else None), None
    due = due_in_month(rates, month)
    if written == WRITTEN_WAIVED:
        if state in (OWED, LATER):
            return REFUSED, f"该月应缴 {due:.2f} 元，不免缴 (the dues of that month are {due:.2f}: not waived)"
        return (WAIVED if state == WAIVED else None), None
    if written == WRITTEN_PAID:
        if state in (OWED, LATER):
            return REFUSED, "没有该月的缴纳记录，请填写实缴金额 (no payment recorded: write the amount paid)"
        return (WAIVED if state == WAIVED else None), None
    problem = payment_problem(member_id, year, month, rates, already_paid=False)
    if problem:
        return REFUSED, next(iter(problem[1].values()))[0]
    if left_before(year, month, left_on):
        return REFUSED, (f"党员已于 {left_on.isoformat()} 去世或转出，此后无应缴党费"
                         f" (no dues after {left_on.isoformat()}, when the member died or left)")
    problem = payment_timing_problem(year, month, paid_on)
    if problem:
        return REFUSED, problem[0]
    if written != due:
        return REFUSED, f"金额应为该月应缴的 {due:.2f} 元 (the dues of that month are {due:.2f})"
    return RECORD, due


def sheet_member_problem(branch_id, covered, scoped):
    """Why a sheet row's member cannot be recorded by the caller: ``branch_id`` the member's
    (None: unknown), ``covered`` whether it is one of the caller's branches, ``scoped``
    whether the caller has only some branches (to whom an unknown member and another
    branch's read alike: nothing tells which members another branch has)."""
    if scoped and (branch_id is None or not covered):
        return "不是您所在支部的党员 (not a member of your branches)"
    if branch_id is None:
        return "无此党员 (no such member)"
    return None

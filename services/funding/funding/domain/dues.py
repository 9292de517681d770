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


def month_status(rates, year, month, today, first_month, left_on=None, paid=False):
    """Where a member stands for the dues of ``year``-``month``: ``paid``; ``not_fixed`` (no rate
    for the year yet); ``not_due`` (before they came on the roster, after they left, or a month
    still to come); ``waived`` (免缴: 0 that month); else ``due``."""
    if paid:
        return "paid"
    if not rates:
        return "not_fixed"
    if first_month is None or month < first_month or month > last_month_due(year, today, left_on):
        return "not_due"
    amount = due_in_month(rates, month)
    if amount is None:
        return "not_due"
    return "waived" if amount == 0 else "due"


def withdrawn_problem(member_id):
    """(message, {field: [reason]}) of dues refused for a member withdrawn as entered in error."""
    reason = f"党员 {member_id} 已撤销（登记有误），不收党费 (the member was withdrawn: entered in error)"
    return reason, {"member_id": [reason]}

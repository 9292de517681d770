"""Branch committees and their terms (支部班子, 换届): seats, term dates, reminders."""
import datetime as dt

COMMITTEE_ROLES = ("secretary", "deputy_secretary", "organization", "propaganda", "discipline", "member")
SINGLE_SEAT_ROLES = ("secretary", "organization", "propaganda", "discipline")
DEFAULT_TERM_YEARS = 3


def add_months(day, months):
    """The same day ``months`` later (or earlier), on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def default_term_end(starts_on):
    """A term lasts three years: it ends the day before the third anniversary."""
    return add_months(starts_on, 12 * DEFAULT_TERM_YEARS) - dt.timedelta(days=1)


def committee_problems(seats):
    """Why a committee's seats ``[{"member_id", "role"}]`` are wrong, as {field: [reasons]}."""
    problems = {}
    seen = set()
    for role in SINGLE_SEAT_ROLES:
        if sum(1 for seat in seats if seat["role"] == role) > 1:
            problems.setdefault("committee", []).append(f"{role} 只能有一人 (only one {role})")
    for seat in seats:
        if seat["member_id"] in seen:
            problems.setdefault("committee", []).append(
                f"党员 {seat['member_id']} 重复任职 (member {seat['member_id']} holds two seats)")
        seen.add(seat["member_id"])
    return problems


def seat_problem(member_id, member, branch_id):
    """Why ``member`` (None when there is no member ``member_id``) cannot sit on the committee
    of branch ``branch_id``, or None: only an active member of that branch can."""
    if member is None:
        return f"党员 {member_id} 不存在 (no such member)"
    if member.branch_id != branch_id:
        return "不是本支部党员 (not a member of this branch)"
    if member.status != "active":
        return f"该党员状态为 {member.status} (not active)"
    return None


def term_start_problem(starts_on, previous_starts_on):
    """Why a new term cannot start on ``starts_on``, or None: a re-election follows the term it replaces."""
    if previous_starts_on is not None and starts_on <= previous_starts_on:
        return f"新任期应晚于上一任期的开始日期 {previous_starts_on} (must start after the previous term)"
    return None


def has_secretary(committee):
    """Whether a committee ``[{"role", "member_status"}]`` is led: a secretary who has died or
    left no longer leads the branch."""
    return any(seat["role"] == "secretary" and seat["member_status"] == "active" for seat in committee)


def term_state(ends_on, today):
    """``current``, ``expiring`` (6 months or less left) or ``overdue`` (换届逾期)."""
    if today > ends_on:
        return "overdue"
    if today >= add_months(ends_on, -6):
        return "expiring"
    return "current"


def term_reminder_due(ends_on, today):
    """The reminder a term's end calls for today: ``(event type, reminder key)`` or None.

    ``branch_term_expiring`` "6_months" from six months before the end and
    "3_months" from three months before it; then ``branch_term_overdue`` once a
    month, keyed by the month ("overdue:2027-03"). The caller sends each key
    once per term. A stage already passed is not sent late: a term entered two
    months before its end gets the 3-month reminder only.
    """
    if today > ends_on:
        return "branch_term_overdue", f"overdue:{today:%Y-%m}"
    if today >= add_months(ends_on, -3):
        return "branch_term_expiring", "3_months"
    if today >= add_months(ends_on, -6):
        return "branch_term_expiring", "6_months"
    return None

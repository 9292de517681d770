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
    of branch ``branch_id``, or None: only an active member of that branch, not withdrawn, can."""
    if member is None:
        return f"党员 {member_id} 不存在 (no such member)"
    if member.branch_id != branch_id:
        return "不是本支部党员 (not a member of this branch)"
    if member.withdrawn_at is not None:
        return f"党员 {member_id} 已撤销（登记有误） (withdrawn: entered in error)"
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


TERM_STATES = ("current", "expiring", "overdue")   # what term_state answers
TERM_STATE_LABELS = {"current": "任期内", "expiring": "即将届满", "overdue": "换届逾期"}


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


# -- the scorecard's items of the committee (支部工作条例) ------------------------------

ROLE_TITLES = {"secretary": "书记", "deputy_secretary": "副书记", "organization": "组织委员",
               "propaganda": "宣传委员", "discipline": "纪检委员", "member": "委员"}
FULL_COMMITTEE_FROM = 7      # a branch of 7 or more members elects a committee
COMMITTEE_SIZE = (3, 5)      # of 3 to 5
VACANCY_MONTHS = 3           # a vacant seat is filled within 3 months


def term_on(terms, day):
    """The term running on ``day`` (started by then, not yet ended), or None; ``terms`` by start."""
    running = [term for term in terms if term.starts_on <= day <= term.ends_on]
    return running[-1] if running else None


def committee_gaps(term, seats, members_on_roster, day):
    """What the committee running on ``day`` lacks, as texts. ``seats``: ``[(role, name, left_on)]``
    (left_on: the day the holder died or left, None while serving)."""
    if term is None:
        return ["无现任支部班子"]
    serving = [(role, name) for role, name, left_on in seats if left_on is None or left_on > day]
    gaps = []
    if not any(role == "secretary" for role, _ in serving):
        gaps.append("书记空缺")
    low, high = COMMITTEE_SIZE
    if members_on_roster >= FULL_COMMITTEE_FROM and not low <= len(serving) <= high:
        gaps.append(f"支部有 {members_on_roster} 名党员，班子现有 {len(serving)} 人（应 {low}–{high} 人）")
    return gaps


def overdue_gap(terms, day):
    """Why the branch's term is overdue on ``day`` (换届逾期), or None. ``terms`` by start."""
    started = [term for term in terms if term.starts_on <= day]
    if not started:
        return "尚未选举产生支部班子"
    latest = started[-1]
    if day <= latest.ends_on:
        return None
    return f"第{len(started)}届任期已于{latest.ends_on.isoformat()}届满，逾期 {(day - latest.ends_on).days} 天未换届"


def seat_left_on(left_on, moves, branch_id, starts_on):
    """The day a seat's holder stopped serving the committee of ``branch_id`` whose term started on
    ``starts_on``: the day they died or left the roster (``left_on``), or the first day since the
    term started that they were moved from that branch to another (``moves``: ``[(day, from
    branch)]``), whichever came first; None while they serve."""
    days = [day for day, from_branch in moves if from_branch == branch_id and day >= starts_on]
    if left_on is not None:
        days.append(left_on)
    return min(days) if days else None


def vacancy_gaps(term, seats, day):
    """The seats of the running term vacant for more than three months on ``day``."""
    if term is None:
        return []
    return [f"{ROLE_TITLES.get(role, role)}（原{name}，{left_on.isoformat()}起）空缺超过{VACANCY_MONTHS}个月"
            for role, name, left_on in seats
            if left_on is not None and left_on <= day and add_months(left_on, VACANCY_MONTHS) < day]

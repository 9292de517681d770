"""Visit rules: which visit a cause asks for, by when, and a task's status. No nameko, no SQL.

Each rule turns a cause (an event about a member, later a date such as a
festival) into ``PlannedVisit`` values; handlers store those whose
``cause_key`` is new. The cause key names the cause itself, not the message
that brought it, so a rule never makes the same task twice for one cause.
"""
import dataclasses
import datetime as dt

# causes of a visit task (festival batches: welfare/festivals.py)
CAUSES = ("hospitalized", "discharged", "serious_illness", "deceased", "birthday", "festival")

# what a completed visit was: at home, in hospital, by phone, by video
VISIT_KINDS = ("home", "hospital", "phone", "video")

# who visits: office staff, a branch committee member, a willing member
VISITOR_ROLES = ("staff", "committee", "member")

# ages whose birthday gets a visit: 80, 85, 90, 95, then every year from 100
MILESTONE_AGES = (80, 85, 90, 95)
EVERY_YEAR_FROM = 100

# why a member is paired with a helper (一帮一)
PAIRING_REASONS = ("serious_illness", "lives_alone", "children_away", "hardship", "lonely")
# how a pairing's talk was held
TALK_WAYS = ("in_person", "phone", "video")
# a help case is open, in progress once assigned or worked on, closed with a result
HELP_CASE_STATUSES = ("open", "in_progress", "closed")

# the reminders the daily timer sends, each once per task
REMINDERS = ("due_soon", "overdue")
DUE_SOON_DAYS = 1  # visit_task_due_soon goes out this many days before the due date

STORED_STATUSES = ("open", "done", "cancelled")
# what a front end sees: an open task past its due date is overdue
STATUSES = ("open", "overdue", "done", "cancelled")


@dataclasses.dataclass(frozen=True)
class PlannedVisit:
    """A visit a rule asks for, before it is stored as a task."""
    member_id: int
    cause: str
    cause_date: dt.date
    cause_key: str
    reason: str
    due_date: dt.date
    branch_id: int | None = None


def cause_key(cause, member_id, day):
    """The identity of a cause: one task per member, cause and day."""
    return f"{cause}:{member_id}:{day.isoformat()}"


def hospital_visit(member_id, admitted_on, hospital, due_days, branch_id=None):
    """A hospitalized member is visited within ``due_days`` days of admission."""
    return PlannedVisit(
        member_id=member_id,
        cause="hospitalized",
        cause_date=admitted_on,
        cause_key=cause_key("hospitalized", member_id, admitted_on),
        reason=f"住院探望：{hospital}（{admitted_on.isoformat()}入院）",
        due_date=admitted_on + dt.timedelta(days=due_days),
        branch_id=branch_id,
    )


def discharge_visit(member_id, discharged_on, due_days, branch_id=None):
    """A member back home from hospital gets a follow-up visit at home."""
    return PlannedVisit(
        member_id=member_id, cause="discharged", cause_date=discharged_on,
        cause_key=cause_key("discharged", member_id, discharged_on),
        reason=f"出院回访（{discharged_on.isoformat()}出院）",
        due_date=discharged_on + dt.timedelta(days=due_days), branch_id=branch_id,
    )


def serious_illness_visit(member_id, diagnosed_on, due_days, branch_id=None):
    """A member newly seriously ill is visited soon (the pairing is separate)."""
    return PlannedVisit(
        member_id=member_id, cause="serious_illness", cause_date=diagnosed_on,
        cause_key=cause_key("serious_illness", member_id, diagnosed_on),
        reason=f"重病探望（{diagnosed_on.isoformat()}确诊）",
        due_date=diagnosed_on + dt.timedelta(days=due_days), branch_id=branch_id,
    )


def condolence_visit(member_id, died_on, due_days, branch_id=None):
    """A member who died: a condolence visit to the family. A member dies
    once, so the key has no date: a corrected date makes no second visit."""
    return PlannedVisit(
        member_id=member_id, cause="deceased", cause_date=died_on,
        cause_key=f"deceased:{member_id}",
        reason=f"吊唁慰问家属（{died_on.isoformat()}逝世）",
        due_date=died_on + dt.timedelta(days=due_days), branch_id=branch_id,
    )


DECEASED_CANCEL_NOTE = "党员已逝世，任务自动取消 (the member has died; cancelled automatically)"


def birthday_in(birth_date, year):
    """The day a birthday falls on in ``year``; 29 February on 28 February in other years."""
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def is_milestone(age):
    return age in MILESTONE_AGES or age >= EVERY_YEAR_FROM


def week_start(day):
    """The Monday of the week ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def birthday_visit(member_id, birth_date, today, branch_id=None):
    """The milestone-birthday visit whose week has come by ``today``, or None.

    The task appears on the Monday of the birthday's week (or on the first
    day the timer runs after it, up to the birthday itself) and is due on the
    birthday. One per member and age.
    """
    for year in (today.year, today.year + 1):  # a January birthday's week may start in December
        birthday = birthday_in(birth_date, year)
        age = year - birth_date.year
        if week_start(birthday) <= today <= birthday and is_milestone(age):
            return PlannedVisit(
                member_id=member_id, cause="birthday", cause_date=birthday,
                cause_key=f"birthday:{member_id}:{age}",
                reason=f"{age}岁生日看望（{birthday.isoformat()}）",
                due_date=birthday, branch_id=branch_id,
            )
    return None


def milestone_birth_ranges(today):
    """Ranges (first, last) of birth dates that may have a milestone birthday
    within a week of ``today``: a cheap filter before ``birthday_visit``."""
    ranges = []
    for year in (today.year, today.year + 1):
        ranges += [(dt.date(year - age, 1, 1), dt.date(year - age, 12, 31)) for age in MILESTONE_AGES]
    ranges.append((dt.date(1, 1, 1), dt.date(today.year + 1 - EVERY_YEAR_FROM, 12, 31)))
    return ranges


def reminder_due(kind, due_date, today):
    """Whether the timer should send ``kind`` for an open task today."""
    if kind == "overdue":
        return due_date < today
    return today <= due_date <= today + dt.timedelta(days=DUE_SOON_DAYS)


def choose_helper(candidates, member_id, branch_id):
    """The helper for a new pairing: a willing helper, not the member, of the
    member's branch if there is one, with the fewest active pairings.

    ``candidates`` are (visitor_id, visitor_member_id, visitor_branch_id,
    active_pairings). Returns a visitor id or None.
    """
    eligible = [c for c in candidates if c[1] != member_id]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (c[2] != branch_id, c[3], c[0]))[0]


def cancel_problem(stored_status):
    """Why a task cannot be cancelled, or None when it can."""
    if stored_status == "done":
        return "该走访任务已完成，不能取消 (the visit task is done)"
    if stored_status == "cancelled":
        return "该走访任务已取消 (the visit task is already cancelled)"
    return None


def status_on(stored_status, due_date, today):
    """The status a front end sees: open and due before today is overdue (due today is not)."""
    if stored_status == "open" and due_date < today:
        return "overdue"
    return stored_status


def completion_problem(stored_status):
    """Why a task cannot be completed, or None when it can."""
    if stored_status == "done":
        return "该走访任务已完成 (the visit task is already done)"
    if stored_status == "cancelled":
        return "该走访任务已取消 (the visit task is cancelled)"
    return None


def visit_date_problem(visited_on, cause_date, today):
    """Why a visit date is impossible, or None: not in the future, not before its cause."""
    if visited_on > today:
        return "走访日期不能晚于今天 (visited_on is in the future)"
    if visited_on < cause_date:
        return f"走访日期不能早于事由日期 {cause_date.isoformat()} (visited_on is before the cause)"
    return None


def help_case_problem(status):
    """Why a help case cannot be worked on or closed, or None."""
    if status == "closed":
        return "该帮扶事项已办结 (the help case is closed)"
    return None


def date_problem(day, earliest, today, what):
    """Why a date is impossible, or None: not in the future, not before ``earliest``."""
    if day > today:
        return f"{what}不能晚于今天 (in the future)"
    if earliest is not None and day < earliest:
        return f"{what}不能早于 {earliest.isoformat()} (before {earliest.isoformat()})"
    return None

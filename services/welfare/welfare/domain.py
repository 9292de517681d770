"""Visit rules: which visit a cause asks for, by when, and a task's status. No nameko, no SQL.

Each rule turns a cause (an event about a member, later a date such as a
festival) into ``PlannedVisit`` values; handlers store those whose
``cause_key`` is new. The cause key names the cause itself, not the message
that brought it, so a rule never makes the same task twice for one cause.
"""
import dataclasses
import datetime as dt

# causes of a visit task; the later rules add discharged, serious_illness,
# deceased (condolence), birthday and festival
CAUSES = ("hospitalized",)

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

"""Visit tasks: which visit a cause asks for, by when, and what may happen to a task.

Each rule turns a cause (an event about a member, later a date such as a
birthday or a festival) into ``PlannedVisit`` values; handlers store those
whose ``cause_key`` is new. The cause key names the cause itself, not the
message that brought it, so a rule never makes the same task twice for one cause.
"""
import dataclasses
import datetime as dt

from wuji_infra.events import referenced_id

# causes of a visit task (birthdays: domain/daily.py, festival batches: domain/festivals.py)
CAUSES = ("hospitalized", "discharged", "serious_illness", "deceased", "birthday", "festival")

# what a completed visit was: at home, in hospital, by phone, by video
VISIT_KINDS = ("home", "hospital", "phone", "video")
VISIT_KIND_LABELS = {"home": "上门", "hospital": "医院探望", "phone": "电话", "video": "视频"}

STORED_STATUSES = ("open", "done", "cancelled")
# what a front end sees: an open task past its due date is overdue
STATUSES = ("open", "overdue", "done", "cancelled")
STATUS_LABELS = {"open": "待走访", "overdue": "已逾期", "done": "已完成", "cancelled": "已取消"}

DECEASED_CANCEL_NOTE = "党员已逝世，任务自动取消 (the member has died; cancelled automatically)"
# a member withdrawn as entered in error (撤销误录): their open tasks are cancelled with this note
WITHDRAWN_CANCEL_NOTE = "登记有误，已撤销"


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


def _visit_after(cause, member_id, day, due_days, reason, branch_id):
    """The visit of a dated cause, due ``due_days`` after it."""
    return PlannedVisit(
        member_id=member_id, cause=cause, cause_date=day, cause_key=cause_key(cause, member_id, day),
        reason=reason, due_date=day + dt.timedelta(days=due_days), branch_id=branch_id,
    )


def hospital_visit(member_id, admitted_on, hospital, due_days, branch_id=None):
    """A hospitalized member is visited within ``due_days`` days of admission."""
    return _visit_after("hospitalized", member_id, admitted_on, due_days,
                        f"住院探望：{hospital}（{admitted_on.isoformat()}入院）", branch_id)


def discharge_visit(member_id, discharged_on, due_days, branch_id=None):
    """A member back home from hospital gets a follow-up visit at home."""
    return _visit_after("discharged", member_id, discharged_on, due_days,
                        f"出院回访（{discharged_on.isoformat()}出院）", branch_id)


def serious_illness_visit(member_id, diagnosed_on, due_days, branch_id=None):
    """A member newly seriously ill is visited soon (the pairing is separate)."""
    return _visit_after("serious_illness", member_id, diagnosed_on, due_days,
                        f"重病探望（{diagnosed_on.isoformat()}确诊）", branch_id)


def condolence_visit(member_id, died_on, due_days, branch_id=None):
    """A member who died: a condolence visit to the family. A member dies
    once, so the key has no date: a corrected date makes no second visit."""
    return dataclasses.replace(
        _visit_after("deceased", member_id, died_on, due_days, f"吊唁慰问家属（{died_on.isoformat()}逝世）", branch_id),
        cause_key=f"deceased:{member_id}",
    )


def status_on(stored_status, due_date, today):
    """The status a front end sees: open and due before today is overdue (due today is not)."""
    if stored_status == "open" and due_date < today:
        return "overdue"
    return stored_status


# why a task in a stored status cannot be cancelled, or completed (a status not listed: it can)
_CANCEL_PROBLEMS = {
    "done": "该走访任务已完成，不能取消 (the visit task is done)",
    "cancelled": "该走访任务已取消 (the visit task is already cancelled)",
}
_COMPLETION_PROBLEMS = {
    "done": "该走访任务已完成 (the visit task is already done)",
    "cancelled": "该走访任务已取消 (the visit task is cancelled)",
}


def cancel_problem(stored_status):
    """Why a task cannot be cancelled, or None when it can."""
    return _CANCEL_PROBLEMS.get(stored_status)


def completion_problem(stored_status):
    """Why a task cannot be completed, or None when it can."""
    return _COMPLETION_PROBLEMS.get(stored_status)


def reassign_problem(stored_status):
    """Why a task cannot be given to someone else, or None: only an open task can."""
    if stored_status != "open":
        return "只能改派未完成的任务 (only an open task can be reassigned)"
    return None


def visit_date_problem(visited_on, cause_date, today):
    """Why a visit date is impossible, or None: not in the future, not before its cause."""
    if visited_on > today:
        return "走访日期不能晚于今天 (visited_on is in the future)"
    if visited_on < cause_date:
        return f"走访日期不能早于事由日期 {cause_date.isoformat()} (visited_on is before the cause)"
    return None


def default_visit_kind(cause):
    """What a visit was when the record does not say: in hospital for a hospitalization, else at home."""
    return "hospital" if cause == "hospitalized" else "home"


def expense_reference_task(reference):
    """The task id of a funding reference "visit:<task_id>", or None for another one (not ours)."""
    return referenced_id(reference, "visit")

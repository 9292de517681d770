"""Help cases (办实事、解难事): open, in progress once assigned or worked on, closed with a result."""

HELP_CASE_STATUSES = ("open", "in_progress", "closed")
HELP_CASE_STATUS_LABELS = {"open": "待办理", "in_progress": "办理中", "closed": "已办结"}


def help_case_problem(status):
    """Why a help case cannot be worked on or closed, or None."""
    if status == "closed":
        return "该帮扶事项已办结 (the help case is closed)"
    return None


def task_member_problem(member_id, task_member_id):
    """Why a help case raised by a visit cannot name ``member_id``, or None: it is the visit's member."""
    if member_id != task_member_id:
        return "与走访任务的党员不一致 (not the member of the visit task)"
    return None


def status_when_opened(assignee):
    """A case opened with an assignee is in progress at once."""
    return "in_progress" if assignee else "open"

"""Help cases (办实事、解难事): opened (often from a visit's needs), assigned,
worked with progress notes, closed with their result."""
import logging

import sqlalchemy as sa

from welfare.domain import help_cases as rules
from welfare.domain.dates import date_problem
from welfare.handlers.member_facts import branch_of, members_in_scope
from welfare.models import HelpCase, HelpCaseNote, VisitTask
from welfare.refusals import conflict, refuse
from welfare.schemas import AssigneeIn, HelpCaseCloseIn, HelpCaseFilters, HelpCaseIn, HelpCaseOut, NoteIn
from wuji_infra import access
from wuji_infra.db import get_or_404, where_chosen
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

HELP_CASE = ("帮扶事项", "help case")


def open_help_case(tx, data, actor=None, *, today, access=access.SYSTEM):
    """For a member of the caller's branches (with ``task_id``: the visit's member, and
    the visit task of the caller's branches too)."""
    values = load(HelpCaseIn(), data)
    task_id = values.get("task_id")
    if task_id is not None:
        task = tx.session.get(VisitTask, task_id)
        if task is None:
            refuse("走访任务不存在 (no such visit task)", "task_id")
        access.check_write(task.branch_id)
        refuse(rules.task_member_problem(values.get("member_id", task.member_id), task.member_id), "member_id")
        values["member_id"] = task.member_id
    if "member_id" not in values:
        raise InvalidInput("输入有误 (invalid input)", {"member_id": ["必填 (required)"]})
    access.check_write(branch_of(tx.session, values["member_id"]))
    opened_on = values.pop("opened_on", today)
    refuse(date_problem(opened_on, None, today, "登记日期"), "opened_on")
    case = HelpCase(opened_on=opened_on, opened_by=actor, status=rules.status_when_opened(values.get("assignee")),
                    **values)
    tx.session.add(case)
    tx.session.flush()
    tx.session.refresh(case, ["notes"])
    tx.emit("help_case_opened", {"case_id": case.id, "member_id": case.member_id, "opened_on": case.opened_on,
                                 "branch_id": branch_of(tx.session, case.member_id), "assignee": case.assignee})
    return HelpCaseOut().dump(case)


def get_help_case(session, case_id, *, access=access.SYSTEM):
    case = get_or_404(session, HelpCase, case_id, HELP_CASE)
    access.check_read(branch_of(session, case.member_id), HELP_CASE, case_id)
    return HelpCaseOut().dump(case)


def list_help_cases(session, filters=None, page=1, page_size=20, *, access=access.SYSTEM):
    """Help cases, newest first; filters member_id, status, assignee, opened_after/before.
    Only those of members of the caller's branches."""
    chosen = load(HelpCaseFilters(), filters or {})
    query = sa.select(HelpCase).order_by(HelpCase.opened_on.desc(), HelpCase.id.desc())
    in_scope = members_in_scope(access, HelpCase.member_id)
    if in_scope is not None:
        query = query.where(in_scope)
    query = where_chosen(query, HelpCase, chosen, equal=("member_id", "status", "assignee"),
                         period=(HelpCase.opened_on, "opened_after", "opened_before"))
    query = where_chosen(query, HelpCase, chosen, period=(HelpCase.closed_on, "closed_from", "closed_to"))
    return page_of(session, query, HelpCaseOut().dump, page, page_size)


def _case_to_change(tx, case_id, access):
    """The case, locked; Forbidden when its member is outside the caller's branches."""
    case = get_or_404(tx.session, HelpCase, case_id, HELP_CASE, lock=True)
    access.check_write(branch_of(tx.session, case.member_id))
    return case


def assign_help_case(tx, case_id, data, actor=None, *, access=access.SYSTEM):
    case = _case_to_change(tx, case_id, access)
    values = load(AssigneeIn(), data)
    conflict(rules.help_case_problem(case.status), "assignee")
    case.assignee = values["assignee"]
    if case.assignee:
        case.status = "in_progress"
    log.info("help case %s given to %s by %s", case.id, case.assignee, actor)
    tx.emit("help_case_assigned", {"case_id": case.id, "member_id": case.member_id, "assignee": case.assignee})
    return HelpCaseOut().dump(case)


def add_help_case_note(tx, case_id, data, actor=None, *, access=access.SYSTEM):
    case = _case_to_change(tx, case_id, access)
    values = load(NoteIn(), data)
    conflict(rules.help_case_problem(case.status), "note")
    tx.session.add(HelpCaseNote(case_id=case.id, note=values["note"].strip(), written_by=actor))
    case.status = "in_progress"
    tx.session.flush()
    tx.session.refresh(case, ["notes"])
    return HelpCaseOut().dump(case)


def close_help_case(tx, case_id, data, actor=None, *, today, access=access.SYSTEM):
    """Close with the result, and announce help_case_closed."""
    case = _case_to_change(tx, case_id, access)
    values = load(HelpCaseCloseIn(), data)
    conflict(rules.help_case_problem(case.status), "result")
    closed_on = values.get("closed_on", today)
    refuse(date_problem(closed_on, case.opened_on, today, "办结日期"), "closed_on")
    case.status, case.closed_on, case.closed_by = "closed", closed_on, actor
    case.result, case.solved = values["result"].strip(), values["solved"]
    tx.session.flush()
    tx.emit("help_case_closed", {"case_id": case.id, "member_id": case.member_id})
    return HelpCaseOut().dump(case)

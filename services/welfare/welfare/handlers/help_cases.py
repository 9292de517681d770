"""Help cases (办实事、解难事): opened (often from a visit's needs), assigned,
worked with progress notes, closed with their result."""
import logging

import sqlalchemy as sa

from welfare.domain import help_cases as rules
from welfare.domain.dates import date_problem
from welfare.models import HelpCase, HelpCaseNote, VisitTask
from welfare.refusals import conflict, refuse
from welfare.schemas import AssigneeIn, HelpCaseCloseIn, HelpCaseFilters, HelpCaseIn, HelpCaseOut, NoteIn
from wuji_infra.db import get_or_404, where_chosen
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

HELP_CASE = ("帮扶事项", "help case")


def open_help_case(tx, data, actor=None, *, today):
    values = load(HelpCaseIn(), data)
    task_id = values.get("task_id")
    if task_id is not None:
        task = tx.session.get(VisitTask, task_id)
        if task is None:
            refuse("走访任务不存在 (no such visit task)", "task_id")
        refuse(rules.task_member_problem(values.get("member_id", task.member_id), task.member_id), "member_id")
        values["member_id"] = task.member_id
    if "member_id" not in values:
        raise InvalidInput("输入有误 (invalid input)", {"member_id": ["必填 (required)"]})
    opened_on = values.pop("opened_on", today)
    refuse(date_problem(opened_on, None, today, "登记日期"), "opened_on")
    case = HelpCase(opened_on=opened_on, opened_by=actor, status=rules.status_when_opened(values.get("assignee")),
                    **values)
    tx.session.add(case)
    tx.session.flush()
    tx.session.refresh(case, ["notes"])
    return HelpCaseOut().dump(case)


def get_help_case(session, case_id):
    return HelpCaseOut().dump(get_or_404(session, HelpCase, case_id, HELP_CASE))


def list_help_cases(session, filters=None, page=1, page_size=20):
    """Help cases, newest first; filters member_id, status, assignee, opened_after/before."""
    chosen = load(HelpCaseFilters(), filters or {})
    query = sa.select(HelpCase).order_by(HelpCase.opened_on.desc(), HelpCase.id.desc())
    query = where_chosen(query, HelpCase, chosen, equal=("member_id", "status", "assignee"),
                         period=(HelpCase.opened_on, "opened_after", "opened_before"))
    return page_of(session, query, HelpCaseOut().dump, page, page_size)


def _open_case(tx, case_id, field):
    """The case, locked, if it is not closed; else Conflict on ``field``."""
    case = get_or_404(tx.session, HelpCase, case_id, HELP_CASE, lock=True)
    conflict(rules.help_case_problem(case.status), field)
    return case


def assign_help_case(tx, case_id, data, actor=None):
    values = load(AssigneeIn(), data)
    case = _open_case(tx, case_id, "assignee")
    case.assignee = values["assignee"]
    if case.assignee:
        case.status = "in_progress"
    log.info("help case %s given to %s by %s", case.id, case.assignee, actor)
    return HelpCaseOut().dump(case)


def add_help_case_note(tx, case_id, data, actor=None):
    values = load(NoteIn(), data)
    case = _open_case(tx, case_id, "note")
    tx.session.add(HelpCaseNote(case_id=case.id, note=values["note"].strip(), written_by=actor))
    case.status = "in_progress"
    tx.session.flush()
    tx.session.refresh(case, ["notes"])
    return HelpCaseOut().dump(case)


def close_help_case(tx, case_id, data, actor=None, *, today):
    """Close with the result, and announce help_case_closed."""
    values = load(HelpCaseCloseIn(), data)
    case = _open_case(tx, case_id, "result")
    closed_on = values.get("closed_on", today)
    refuse(date_problem(closed_on, case.opened_on, today, "办结日期"), "closed_on")
    case.status, case.closed_on, case.closed_by = "closed", closed_on, actor
    case.result, case.solved = values["result"].strip(), values["solved"]
    tx.session.flush()
    tx.emit("help_case_closed", {"case_id": case.id, "member_id": case.member_id})
    return HelpCaseOut().dump(case)

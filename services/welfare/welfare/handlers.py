"""What the welfare service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
Functions whose answer depends on the day take ``today`` (default: the
real today), so tests can fix it.
"""
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa

from welfare import domain
from welfare.models import VisitRecord, VisitTask
from welfare.schemas import VisitCompletionIn, VisitTaskFilters, VisitTaskOut
from wuji_infra import config
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
_MAX_ID = 2**31 - 1  # an INTEGER primary key


def hospital_visit_due_days():
    """``HOSPITAL_VISIT_DUE_DAYS``: days from admission to the visit's due date."""
    raw = config.env("HOSPITAL_VISIT_DUE_DAYS")
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if days < 0:
        raise ValueError(f"HOSPITAL_VISIT_DUE_DAYS must be a whole number of days, 0 or more, not {raw!r}")
    return days


def dump_task(task, today):
    """A task as a front end sees it, with its status as of ``today``."""
    data = VisitTaskOut().dump(task)
    data["status"] = domain.status_on(task.status, task.due_date, today)
    return data


def _task_or_404(session, task_id, lock=False):
    try:
        key = int(str(task_id))
    except ValueError:
        key = None
    task = None
    if key is not None and 0 < key <= _MAX_ID:
        task = session.get(VisitTask, key, with_for_update=lock)
    if task is None:
        raise NotFound(f"走访任务 {task_id} 不存在 (no such visit task)")
    return task


# -- tasks from rules ---------------------------------------------------------

def create_tasks(tx, planned_visits, source_event_id=None):
    """Store each planned visit whose cause has no task yet, and announce it.

    Returns the tasks created. A cause that already has a task is skipped:
    the unique ``cause_key`` backs this check against two concurrent events
    (the loser's transaction fails and its retry finds the task).
    """
    created = []
    for planned in planned_visits:
        existing = tx.session.scalar(sa.select(VisitTask.id).where(VisitTask.cause_key == planned.cause_key))
        if existing is not None:
            log.info("visit task for %s exists (task %s); none created", planned.cause_key, existing)
            continue
        task = VisitTask(
            member_id=planned.member_id, branch_id=planned.branch_id, cause=planned.cause,
            cause_date=planned.cause_date, cause_key=planned.cause_key, reason=planned.reason,
            due_date=planned.due_date, status="open", assignee=None, source_event_id=source_event_id,
        )
        tx.session.add(task)
        tx.session.flush()
        tx.emit("visit_task_created", {
            "task_id": task.id, "member_id": task.member_id, "cause": task.cause,
            "due_date": task.due_date, "source_event_id": source_event_id,
        })
        created.append(task)
    return created


def create_hospital_visit(tx, data, source_event_id=None, due_days=None, today=None):
    """On member_hospitalized: one visit task, due ``due_days`` after admission."""
    planned = domain.hospital_visit(
        member_id=data["member_id"], admitted_on=data["date"], hospital=data["hospital"],
        due_days=hospital_visit_due_days() if due_days is None else due_days,
        branch_id=data.get("branch_id"),
    )
    today = today or dt.date.today()
    return [dump_task(task, today) for task in create_tasks(tx, [planned], source_event_id)]


# -- reading ------------------------------------------------------------------

def get_visit_task(session, task_id, today=None):
    return dump_task(_task_or_404(session, task_id), today or dt.date.today())


def list_visit_tasks(session, filters=None, page=1, page_size=20, today=None):
    """Visit tasks, soonest due first.

    Filters (strings, as from a query string): ``member_id``; ``status``:
    ``open`` (open and not yet overdue), ``overdue`` (open and due before
    today), ``done``, ``cancelled``; ``due_before`` (YYYY-MM-DD): tasks due
    ON OR BEFORE that day, so ``due_before=<today>`` lists what is due by today.
    """
    today = today or dt.date.today()
    chosen = load(VisitTaskFilters(), filters or {})
    query = sa.select(VisitTask).order_by(VisitTask.due_date, VisitTask.id)
    if "member_id" in chosen:
        query = query.where(VisitTask.member_id == chosen["member_id"])
    status = chosen.get("status")
    if status == "open":
        query = query.where(VisitTask.status == "open", VisitTask.due_date >= today)
    elif status == "overdue":
        query = query.where(VisitTask.status == "open", VisitTask.due_date < today)
    elif status is not None:
        query = query.where(VisitTask.status == status)
    if "due_before" in chosen:
        query = query.where(VisitTask.due_date <= chosen["due_before"])
    return page_of(session, query, lambda task: dump_task(task, today), page, page_size)


# -- completing ---------------------------------------------------------------

def complete_visit_task(tx, task_id, data, completed_by=None, today=None):
    """Record the visit, mark the task done and announce visit_completed."""
    today = today or dt.date.today()
    values = load(VisitCompletionIn(), data)
    task = _task_or_404(tx.session, task_id, lock=True)
    problem = domain.completion_problem(task.status)
    if problem:
        raise Conflict(problem, {"status": [problem]})
    problem = domain.visit_date_problem(values["visited_on"], task.cause_date, today)
    if problem:
        raise InvalidInput(problem, {"visited_on": [problem]})

    record = VisitRecord(
        visited_on=values["visited_on"], visitors=values["visitors"],
        notes=values.get("notes"), needs=values.get("needs", []),
        cash=values.get("cash", ZERO), goods_value=values.get("goods_value", ZERO),
        completed_by=completed_by,
    )
    task.record = record
    task.status = "done"
    tx.session.flush()
    tx.emit("visit_completed", {
        "task_id": task.id, "member_id": task.member_id, "visited_on": record.visited_on,
        "cash": record.cash, "goods_value": record.goods_value,
    })
    return dump_task(task, today)

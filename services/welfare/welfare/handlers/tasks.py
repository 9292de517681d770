"""Visit tasks: made by the care rules from members' events, read, reassigned,
cancelled and completed; funding's refusals shown on their visit."""
import logging
from decimal import Decimal

import sqlalchemy as sa

from welfare.domain import tasks as rules
from welfare.domain.tasks import DECEASED_CANCEL_NOTE, WITHDRAWN_CANCEL_NOTE
from welfare.handlers import member_facts, pairings
from welfare.models import VisitRecord, VisitTask
from welfare.refusals import conflict, refuse
from welfare.schemas import AssigneeIn, CancelIn, VisitCompletionIn, VisitTaskFilters, VisitTaskOut
from wuji_infra import access, config
from wuji_infra.access import HEALTH
from wuji_infra.db import get_or_404, where_chosen
from wuji_infra.errors import Forbidden
from wuji_infra.types import office_date
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
TASK = ("走访任务", "visit task")


# -- the settings of the rules ------------------------------------------------

def _days_setting(name):
    raw = config.env(name)
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if days < 0:
        raise ValueError(f"{name} must be a whole number of days, 0 or more, not {raw!r}")
    return days


def hospital_visit_due_days():
    """``HOSPITAL_VISIT_DUE_DAYS``: days from admission to the visit's due date."""
    return _days_setting("HOSPITAL_VISIT_DUE_DAYS")


# cause -> the setting of its due days (hospitalized has its own, above)
RULE_DUE_DAYS_SETTINGS = {
    "discharged": "DISCHARGE_VISIT_DUE_DAYS",
    "serious_illness": "SERIOUS_ILLNESS_VISIT_DUE_DAYS",
    "deceased": "CONDOLENCE_VISIT_DUE_DAYS",
}


def rule_due_days():
    """{cause: days from the cause to the visit's due date}, from the settings."""
    return {cause: _days_setting(name) for cause, name in RULE_DUE_DAYS_SETTINGS.items()}


_VISIT_TASK_OUT = VisitTaskOut()  # made once: a schema instance is costly to build, and tasks are dumped often


def dump_task(task, today):
    """A task as a front end sees it, with its status as of ``today``."""
    data = _VISIT_TASK_OUT.dump(task)
    data["status"] = rules.status_on(task.status, task.due_date, today)
    return data


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
            record=None,  # a new task has no visit record: known, so dumping it asks the database nothing
        )
        tx.session.add(task)
        tx.session.flush()
        tx.emit("visit_task_created", {
            "task_id": task.id, "member_id": task.member_id, "cause": task.cause,
            "due_date": task.due_date, "source_event_id": source_event_id,
            "branch_id": task.branch_id, "assignee": task.assignee,
        })
        created.append(task)
    return created


def _rule_tasks(tx, planned, source_event_id, today):
    """The task of one planned visit, unless the member has died or was withdrawn (entered in error)."""
    if member_facts.is_deceased(tx.session, planned.member_id) or member_facts.is_withdrawn(
            tx.session, planned.member_id):
        log.info("member %s has died or was withdrawn: no %s visit", planned.member_id, planned.cause)
        return []
    return [dump_task(task, today) for task in create_tasks(tx, [planned], source_event_id)]


def create_hospital_visit(tx, data, source_event_id=None, *, due_days, today):
    """On member_hospitalized: one visit task, due ``due_days`` after admission."""
    planned = rules.hospital_visit(data["member_id"], data["date"], data["hospital"], due_days, data.get("branch_id"))
    return _rule_tasks(tx, planned, source_event_id, today)


def create_discharge_visit(tx, data, source_event_id=None, *, due_days, today):
    """On member_discharged: a follow-up visit at home, due ``due_days`` after discharge."""
    planned = rules.discharge_visit(data["member_id"], data["date"], due_days, data.get("branch_id"))
    return _rule_tasks(tx, planned, source_event_id, today)


def on_serious_illness(tx, data, source_event_id=None, *, due_days, today):
    """On member_seriously_ill: a visit, and a pairing if the member has no active one."""
    planned = rules.serious_illness_visit(data["member_id"], data["date"], due_days, data.get("branch_id"))
    created = _rule_tasks(tx, planned, source_event_id, today)
    pairing = None
    if not (member_facts.is_deceased(tx.session, data["member_id"])
            or member_facts.is_withdrawn(tx.session, data["member_id"])):
        pairing = pairings.pair_member(tx, data["member_id"], data.get("branch_id"), "serious_illness",
                                       data["date"], source_event_id)
    return {"tasks": created, "pairing": pairing}


def on_member_deceased(tx, data, source_event_id=None, occurred_at=None, *, due_days, today, now):
    """On member_deceased: a condolence visit to the family; every other open
    task of the member is cancelled with the reason, and active pairings end."""
    member_id = data["member_id"]
    if member_facts.is_withdrawn(tx.session, member_id):  # a death recorded before the withdrawal came late
        log.info("member %s was withdrawn: no condolence visit", member_id)
        return {"tasks": [], "cancelled": []}
    planned = rules.condolence_visit(member_id, data["date"], due_days, data.get("branch_id"))
    created = create_tasks(tx, [planned], source_event_id)
    others = _cancel_open_tasks(tx, member_id, DECEASED_CANCEL_NOTE, now, but=planned.cause_key)
    pairings.end_pairings_of_the_deceased(tx, member_id, data["date"])
    member_facts.record_death(tx, member_id, occurred_at or now)
    tx.session.flush()
    return {"tasks": [dump_task(task, today) for task in created], "cancelled": [task.id for task in others]}


def on_member_withdrawn(tx, data, occurred_at, *, now):
    """On member_withdrawn (entered in error): every open task of the member is cancelled with
    the note "登记有误，已撤销", an active pairing ends, and the copy holds them withdrawn (out of
    the birthday and festival batches, the lists and the figures). Visits done stay done."""
    member_id = data["member_id"]
    cancelled = _cancel_open_tasks(tx, member_id, WITHDRAWN_CANCEL_NOTE, now)
    pairings.end_pairings_of_the_withdrawn(tx, member_id, office_date(data["withdrawn_at"]))
    member_facts.record_withdrawal(tx, member_id, occurred_at)
    tx.session.flush()
    return {"cancelled": [task.id for task in cancelled]}


def _cancel_open_tasks(tx, member_id, note, now, but=None):
    """Cancel the member's open tasks (except the one of cause key ``but``) by the system, with ``note``."""
    query = sa.select(VisitTask).where(VisitTask.member_id == member_id, VisitTask.status == "open")
    if but is not None:
        query = query.where(VisitTask.cause_key != but)
    tasks = tx.session.scalars(query.with_for_update()).all()
    for task in tasks:
        task.status, task.cancel_note, task.cancelled_at, task.cancelled_by = "cancelled", note, now, "system"
        announce_cancelled(tx, task)
    return tasks


def announce_cancelled(tx, task):
    """visit_task_cancelled: no reason in it, which may tell of health."""
    tx.emit("visit_task_cancelled", {"task_id": task.id, "member_id": task.member_id})


# -- reading ------------------------------------------------------------------

def get_visit_task(session, task_id, *, today, access=access.SYSTEM):
    task = get_or_404(session, VisitTask, task_id, TASK)
    access.check_read(task.branch_id, TASK, task_id)
    return dump_task(task, today)


def list_visit_tasks(session, filters=None, page=1, page_size=20, *, today, access=access.SYSTEM):
    """Visit tasks, soonest due first.

    Filters (strings, as from a query string): ``member_id``; ``assignee``;
    ``cause``; ``status``: ``open`` (open and not yet overdue), ``overdue``
    (open and due before today), ``done``, ``cancelled``; ``overdue``
    (``true``/``false``); ``due_after`` and ``due_before`` (YYYY-MM-DD), both
    inclusive, so ``due_before=<today>`` lists what is due by today.
    Only the tasks of the caller's branches.
    """
    chosen = load(VisitTaskFilters(), filters or {})
    # the cause is a health fact (hospitalized, seriously ill): masked in the answer, so
    # not to be asked of the rows either by a caller who may not read it
    if "cause" in chosen and not access.sees(HEALTH):
        raise Forbidden("无权按事由查询 (you may not filter by cause)", {"cause": ["无权按事由查询 (not allowed)"]})
    query = sa.select(VisitTask).order_by(VisitTask.due_date, VisitTask.id)
    in_scope = access.branch_clause(VisitTask.branch_id)
    if in_scope is not None:
        query = query.where(in_scope)
    query = where_chosen(query, VisitTask, chosen, equal=("member_id", "assignee", "cause"))
    overdue = sa.and_(VisitTask.status == "open", VisitTask.due_date < today)
    status = chosen.get("status")
    if status == "open":
        query = query.where(VisitTask.status == "open", VisitTask.due_date >= today)
    elif status == "overdue":
        query = query.where(overdue)
    elif status is not None:
        query = query.where(VisitTask.status == status)
    if chosen.get("overdue") is True:
        query = query.where(overdue)
    elif chosen.get("overdue") is False:
        query = query.where(sa.not_(overdue))
    if "due_after" in chosen:
        query = query.where(VisitTask.due_date >= chosen["due_after"])
    if "due_before" in chosen:
        query = query.where(VisitTask.due_date <= chosen["due_before"])
    if "visited_from" in chosen or "visited_to" in chosen:  # by the day of the visit, as the report counts
        visited = where_chosen(sa.select(VisitRecord.task_id), VisitRecord, chosen,
                               period=(VisitRecord.visited_on, "visited_from", "visited_to"))
        query = query.where(VisitTask.status == "done", VisitTask.id.in_(visited))
    return page_of(session, query, lambda task: dump_task(task, today), page, page_size)


# -- changing -----------------------------------------------------------------

def _task_to_change(tx, task_id, access):
    """The task, locked; Forbidden outside the caller's branches, whatever the body says."""
    task = get_or_404(tx.session, VisitTask, task_id, TASK, lock=True)
    access.check_write(task.branch_id)
    return task


def change_assignee(tx, task_id, data, actor=None, *, today, access=access.SYSTEM):
    """Give an open task to someone else (``assignee`` null: to nobody)."""
    task = _task_to_change(tx, task_id, access)
    values = load(AssigneeIn(), data)
    conflict(rules.reassign_problem(task.status), "status")
    task.assignee, task.visitor_id = values["assignee"], None
    log.info("visit task %s given to %s by %s", task.id, task.assignee, actor)
    tx.emit("visit_task_assigned", {"task_id": task.id, "member_id": task.member_id, "due_date": task.due_date,
                                    "assignee": task.assignee, "branch_id": task.branch_id})
    return dump_task(task, today)


def cancel_visit_task(tx, task_id, data, actor=None, *, today, now, access=access.SYSTEM):
    """Cancel an open task; the note saying why is required."""
    task = _task_to_change(tx, task_id, access)
    values = load(CancelIn(), data)
    conflict(rules.cancel_problem(task.status), "status")
    task.status, task.cancel_note = "cancelled", values["note"].strip()
    task.cancelled_at, task.cancelled_by = now, actor
    announce_cancelled(tx, task)
    return dump_task(task, today)


def complete_visit_task(tx, task_id, data, actor=None, *, today, access=access.SYSTEM):
    """Record the visit, mark the task done and announce visit_completed."""
    task = _task_to_change(tx, task_id, access)
    values = load(VisitCompletionIn(), data)
    conflict(rules.completion_problem(task.status), "status")
    refuse(rules.visit_date_problem(values["visited_on"], task.cause_date, today), "visited_on")
    record = VisitRecord(
        visited_on=values["visited_on"], kind=values.get("kind", rules.default_visit_kind(task.cause)),
        visitors=values["visitors"], notes=values.get("notes"), needs=values.get("needs", []),
        cash=values.get("cash", ZERO), goods_value=values.get("goods_value", ZERO), completed_by=actor,
    )
    task.record = record
    task.status = "done"
    tx.session.flush()
    tx.emit("visit_completed", {
        "task_id": task.id, "member_id": task.member_id, "visited_on": record.visited_on,
        "cash": record.cash, "goods_value": record.goods_value,
    })
    return dump_task(task, today)


def record_expense_booked(tx, data):
    """On expense_booked with reference "visit:<task_id>" (at once, or later by staff after a
    refusal): the visit shows its cash and goods were booked. Other references are not ours."""
    task_id = rules.expense_reference_task(data.get("reference"))
    if task_id is None:
        return False
    record = tx.session.get(VisitRecord, task_id, with_for_update=True)
    if record is None:
        log.warning("expense_booked for %s: no such visit", data.get("reference"))
        return False
    record.expense_id = data["expense_id"]
    record.expense_refused_reason = record.expense_refused_at = None
    return True


def record_expense_refused(tx, data, refused_at):
    """On expense_refused with reference "visit:<task_id>": the visit shows that
    funding did not book its cash and goods. Other references are not ours."""
    task_id = rules.expense_reference_task(data.get("reference"))
    if task_id is None:
        return False
    record = tx.session.get(VisitRecord, task_id, with_for_update=True)
    if record is None:
        log.warning("expense_refused for %s: no such visit", data.get("reference"))
        return False
    if record.expense_id is not None:  # booked already: a late refusal of an earlier try changes nothing
        return False
    record.expense_refused_reason = data["reason"]
    record.expense_refused_at = refused_at
    return True

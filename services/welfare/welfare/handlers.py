"""What the welfare service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
Functions whose answer depends on the day take ``today`` (default: the
real today), so tests can fix it.
"""
import dataclasses
import datetime as dt
import logging
import time
from decimal import Decimal

import sqlalchemy as sa

from welfare import domain, festivals

from welfare.models import (
    FestivalPolicy, HelpCase, HelpCaseNote, MemberFact, Pairing, PairingTalk, TaskReminder, Visitor, VisitRecord, VisitTask,
)
from welfare.schemas import (
    AssigneeIn, CancelIn, FestivalBatchIn, FestivalPolicyIn, FestivalYearIn, HelpCaseCloseIn, HelpCaseFilters, HelpCaseIn, HelpCaseOut, NoteIn, PairingDetailOut,
    PairingEndIn, PairingFilters, PairingIn, PairingOut, TalkIn, UnpairedFilters, VisitCompletionIn,
    VisitorFilters, VisitorIn, VisitorOut, VisitTaskFilters, VisitTaskOut,
)
from wuji_infra import config
from wuji_infra.db import dialect_insert, insert_unless_present
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.validation import load, page_of, paging

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
_MAX_ID = 2**31 - 1  # an INTEGER primary key


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


def _insert_once(session, table, values):
    """Insert a row unless its key exists; True when this call inserted it."""
    return bool(session.execute(insert_unless_present(session, table), values).rowcount)


_VISIT_TASK_OUT = VisitTaskOut()  # made once: a schema instance is costly to build, and tasks are dumped often


def dump_task(task, today):
    """A task as a front end sees it, with its status as of ``today``."""
    data = _VISIT_TASK_OUT.dump(task)
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
            record=None,  # a new task has no visit record: known, so dumping it asks the database nothing
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
    if _is_deceased(tx.session, data["member_id"]):
        log.info("member %s has died: no hospital visit", data["member_id"])
        return []
    planned = domain.hospital_visit(
        member_id=data["member_id"], admitted_on=data["date"], hospital=data["hospital"],
        due_days=hospital_visit_due_days() if due_days is None else due_days,
        branch_id=data.get("branch_id"),
    )
    today = today or dt.date.today()
    return [dump_task(task, today) for task in create_tasks(tx, [planned], source_event_id)]


def _is_deceased(session, member_id):
    return session.scalar(sa.select(MemberFact.status).where(MemberFact.member_id == member_id)) == "deceased"


def _rule_tasks(tx, planned, source_event_id, today):
    if _is_deceased(tx.session, planned.member_id):
        log.info("member %s has died: no %s visit", planned.member_id, planned.cause)
        return []
    return [dump_task(task, today) for task in create_tasks(tx, [planned], source_event_id)]


def create_discharge_visit(tx, data, source_event_id=None, due_days=7, today=None):
    """On member_discharged: a follow-up visit at home, due ``due_days`` after discharge."""
    planned = domain.discharge_visit(data["member_id"], data["date"], due_days, data.get("branch_id"))
    return _rule_tasks(tx, planned, source_event_id, today or dt.date.today())


def on_serious_illness(tx, data, source_event_id=None, due_days=3, today=None):
    """On member_seriously_ill: a visit, and a pairing if the member has no active one."""
    today = today or dt.date.today()
    planned = domain.serious_illness_visit(data["member_id"], data["date"], due_days, data.get("branch_id"))
    created = _rule_tasks(tx, planned, source_event_id, today)
    pairing = None
    if not _is_deceased(tx.session, data["member_id"]):
        pairing = pair_member(tx, data["member_id"], data.get("branch_id"), "serious_illness",
                              data["date"], source_event_id)
    return {"tasks": created, "pairing": pairing}


def pair_member(tx, member_id, branch_id, reason, started_on, source_event_id=None):
    """A pairing with the least busy willing helper, unless the member has an
    active one or no helper is willing (the member then shows in
    ``members_without_pairing``). Returns the new pairing or None."""
    session = tx.session
    if session.scalar(sa.select(Pairing.id).where(Pairing.active_member_id == member_id)) is not None:
        return None
    load_count = (sa.select(sa.func.count(Pairing.id))
                  .where(Pairing.helper_id == Visitor.id, Pairing.active_member_id.is_not(None))
                  .correlate(Visitor).scalar_subquery())
    candidates = session.execute(
        sa.select(Visitor.id, Visitor.member_id, Visitor.branch_id, load_count)
        .where(Visitor.active.is_(True), Visitor.pairs.is_(True))
    ).all()
    helper_id = domain.choose_helper([tuple(row) for row in candidates], member_id, branch_id)
    if helper_id is None:
        log.warning("no willing helper to pair with member %s", member_id)
        return None
    pairing = Pairing(helper_id=helper_id, member_id=member_id, active_member_id=member_id,
                      reason=reason, started_on=started_on, source_event_id=source_event_id)
    session.add(pairing)
    session.flush()
    return PairingOut().dump(pairing)


def on_member_deceased(tx, data, source_event_id=None, due_days=2, today=None):
    """On member_deceased: a condolence visit to the family; every other open
    task of the member is cancelled with the reason, and active pairings end."""
    today = today or dt.date.today()
    member_id = data["member_id"]
    planned = domain.condolence_visit(member_id, data["date"], due_days, data.get("branch_id"))
    created = create_tasks(tx, [planned], source_event_id)
    others = tx.session.scalars(
        sa.select(VisitTask).where(VisitTask.member_id == member_id, VisitTask.status == "open",
                                   VisitTask.cause_key != planned.cause_key)
        .with_for_update()
    ).all()
    now = dt.datetime.now(dt.timezone.utc)
    for task in others:
        task.status, task.cancel_note, task.cancelled_at, task.cancelled_by = (
            "cancelled", domain.DECEASED_CANCEL_NOTE, now, "system")
    for pairing in tx.session.scalars(sa.select(Pairing).where(Pairing.active_member_id == member_id)):
        pairing.active_member_id, pairing.ended_on, pairing.end_reason = (
            None, data["date"], "党员已逝世 (the member has died)")
    _mark_deceased(tx.session, member_id)
    tx.session.flush()
    return {"tasks": [dump_task(task, today) for task in created], "cancelled": [task.id for task in others]}


def _mark_deceased(session, member_id):
    fact = session.get(MemberFact, member_id)
    if fact is not None:
        fact.status = "deceased"


# -- member facts -------------------------------------------------------------

FACT_FIELDS = ("branch_id", "name", "birth_date", "status", "hardship", "lives_alone",
               "children_away", "mobility_limited")


def record_member_facts(tx, data, as_of):
    """On member_registered / member_updated: keep welfare's copy of the facts.

    An event older than the copy changes nothing; a member already known
    dead stays dead (a late update cannot bring a task back to life).
    """
    fact = tx.session.get(MemberFact, data["member_id"], with_for_update=True)
    values = {name: data[name] for name in FACT_FIELDS}
    if fact is None:
        tx.session.add(MemberFact(member_id=data["member_id"], as_of=as_of, **values))
        return True
    if fact.as_of > as_of:
        log.info("member %s: facts of %s older than %s, ignored", fact.member_id, as_of, fact.as_of)
        return False
    if fact.status == "deceased":
        values["status"] = "deceased"
    for name, value in values.items():
        setattr(fact, name, value)
    fact.as_of = as_of
    return True


# -- reading ------------------------------------------------------------------

def get_visit_task(session, task_id, today=None):
    return dump_task(_task_or_404(session, task_id), today or dt.date.today())


def list_visit_tasks(session, filters=None, page=1, page_size=20, today=None):
    """Visit tasks, soonest due first.

    Filters (strings, as from a query string): ``member_id``; ``assignee``;
    ``cause``; ``status``: ``open`` (open and not yet overdue), ``overdue``
    (open and due before today), ``done``, ``cancelled``; ``overdue``
    (``true``/``false``); ``due_after`` and ``due_before`` (YYYY-MM-DD), both
    inclusive, so ``due_before=<today>`` lists what is due by today.
    """
    today = today or dt.date.today()
    chosen = load(VisitTaskFilters(), filters or {})
    query = sa.select(VisitTask).order_by(VisitTask.due_date, VisitTask.id)
    for name in ("member_id", "assignee", "cause"):
        if name in chosen:
            query = query.where(getattr(VisitTask, name) == chosen[name])
    status = chosen.get("status")
    if status == "open":
        query = query.where(VisitTask.status == "open", VisitTask.due_date >= today)
    elif status == "overdue":
        query = query.where(VisitTask.status == "open", VisitTask.due_date < today)
    elif status is not None:
        query = query.where(VisitTask.status == status)
    if chosen.get("overdue") is True:
        query = query.where(VisitTask.status == "open", VisitTask.due_date < today)
    elif chosen.get("overdue") is False:
        query = query.where(sa.or_(VisitTask.status != "open", VisitTask.due_date >= today))
    if "due_after" in chosen:
        query = query.where(VisitTask.due_date >= chosen["due_after"])
    if "due_before" in chosen:
        query = query.where(VisitTask.due_date <= chosen["due_before"])
    return page_of(session, query, lambda task: dump_task(task, today), page, page_size)


def change_assignee(tx, task_id, data, today=None):
    """Give an open task to someone else (``assignee`` null: to nobody)."""
    values = load(AssigneeIn(), data)
    task = _task_or_404(tx.session, task_id, lock=True)
    if task.status != "open":
        problem = "只能改派未完成的任务 (only an open task can be reassigned)"
        raise Conflict(problem, {"status": [problem]})
    task.assignee, task.visitor_id = values["assignee"], None
    return dump_task(task, today or dt.date.today())


def cancel_visit_task(tx, task_id, data, cancelled_by=None, today=None):
    """Cancel an open task; the note saying why is required."""
    values = load(CancelIn(), data)
    task = _task_or_404(tx.session, task_id, lock=True)
    problem = domain.cancel_problem(task.status)
    if problem:
        raise Conflict(problem, {"status": [problem]})
    task.status, task.cancel_note = "cancelled", values["note"].strip()
    task.cancelled_at, task.cancelled_by = dt.datetime.now(dt.timezone.utc), cancelled_by
    return dump_task(task, today or dt.date.today())


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

    default_kind = "hospital" if task.cause == "hospitalized" else "home"
    record = VisitRecord(
        visited_on=values["visited_on"], kind=values.get("kind", default_kind), visitors=values["visitors"],
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


def record_expense_refused(tx, data, refused_at):
    """On expense_refused with reference "visit:<task_id>": the visit shows that
    funding did not book its cash and goods. Other references are not ours."""
    reference = data.get("reference") or ""
    prefix, _, raw_id = reference.partition(":")
    if prefix != "visit" or not raw_id.isdigit():
        return False
    record = tx.session.get(VisitRecord, int(raw_id), with_for_update=True)
    if record is None:
        log.warning("expense_refused for %s: no such visit", reference)
        return False
    record.expense_refused_reason = data["reason"]
    record.expense_refused_at = refused_at
    return True


# -- the daily timer ----------------------------------------------------------

def run_daily(tx, today):
    """What the timer does each day; safe to run any number of times.

    Makes the milestone-birthday tasks whose week has come, and sends
    visit_task_due_soon and visit_task_overdue once per task: the reminder's
    marker row and its outbox row commit together, and a second run (or a
    second process, which waits on the first's marker) finds the marker.
    """
    birthdays = create_birthday_visits(tx, today)
    festival_tasks = sum(batch["created"] for batch in due_festival_batches(tx, today))
    sent = {kind: 0 for kind in domain.REMINDERS}
    due_by = today + dt.timedelta(days=domain.DUE_SOON_DAYS)
    for kind in domain.REMINDERS:
        already = sa.exists().where(TaskReminder.task_id == VisitTask.id, TaskReminder.kind == kind)
        query = sa.select(VisitTask).where(VisitTask.status == "open", ~already).order_by(VisitTask.id)
        query = query.where(VisitTask.due_date < today) if kind == "overdue" else \
            query.where(VisitTask.due_date >= today, VisitTask.due_date <= due_by)
        for task in tx.session.scalars(query):
            if not domain.reminder_due(kind, task.due_date, today):
                continue
            if not _insert_once(tx.session, TaskReminder.__table__, {
                    "task_id": task.id, "kind": kind, "sent_at": dt.datetime.now(dt.timezone.utc)}):
                continue
            tx.emit(f"visit_task_{kind}", {
                "task_id": task.id, "member_id": task.member_id, "cause": task.cause,
                "due_date": task.due_date, "assignee": task.assignee,
            })
            sent[kind] += 1
    return {"birthday_tasks": len(birthdays), "festival_tasks": festival_tasks,
            "due_soon": sent["due_soon"], "overdue": sent["overdue"]}


def create_birthday_visits(tx, today):
    """Milestone-birthday tasks for active members whose birthday week has come."""
    ranges = domain.milestone_birth_ranges(today)
    rows = tx.session.execute(
        sa.select(MemberFact.member_id, MemberFact.birth_date, MemberFact.branch_id)
        .where(MemberFact.status == "active",
               sa.or_(*[MemberFact.birth_date.between(first, last) for first, last in ranges]))
        .order_by(MemberFact.member_id)
    ).all()
    created = []
    for member_id, born, branch_id in rows:
        planned = domain.birthday_visit(member_id, born, today, branch_id)
        if planned is None:
            continue
        # another process's timer may make the same task at the same moment: its
        # unique cause key then fails only this savepoint, not the day's work
        try:
            with tx.session.begin_nested():
                created += create_tasks(tx, [planned])
        except sa.exc.IntegrityError:
            log.info("birthday task %s made by another process", planned.cause_key)
    return created


# -- visitors and pairings ----------------------------------------------------

def add_visitor(tx, data):
    values = load(VisitorIn(), data)
    if values.get("member_id") is not None and tx.session.scalar(
            sa.select(Visitor.id).where(Visitor.member_id == values["member_id"])):
        problem = "该党员已登记为走访人 (this member is already a visitor)"
        raise Conflict(problem, {"member_id": [problem]})
    visitor = Visitor(**values)
    tx.session.add(visitor)
    tx.session.flush()
    return VisitorOut().dump(visitor)


def list_visitors(session, filters=None, page=1, page_size=20):
    chosen = load(VisitorFilters(), filters or {})
    query = sa.select(Visitor).order_by(Visitor.id)
    for name in ("role", "branch_id", "pairs", "active"):
        if name in chosen:
            query = query.where(getattr(Visitor, name) == chosen[name])
    return page_of(session, query, VisitorOut().dump, page, page_size)


def list_pairings(session, filters=None, page=1, page_size=20):
    """Pairings, newest first; filters ``member_id``, ``helper_id``, ``active``."""
    chosen = load(PairingFilters(), filters or {})
    query = sa.select(Pairing).order_by(Pairing.id.desc())
    for name in ("member_id", "helper_id"):
        if name in chosen:
            query = query.where(getattr(Pairing, name) == chosen[name])
    if chosen.get("active") is True:
        query = query.where(Pairing.active_member_id.is_not(None))
    elif chosen.get("active") is False:
        query = query.where(Pairing.active_member_id.is_(None))
    return page_of(session, query, PairingOut().dump, page, page_size)


def _get_or_404(session, model, key, what, lock=False):
    try:
        key = int(str(key))
    except ValueError:
        key = None
    found = session.get(model, key, with_for_update=lock) if key is not None and 0 < key <= _MAX_ID else None
    if found is None:
        raise NotFound(f"{what} 不存在 (no such {model.__tablename__[:-1].replace('_', ' ')})")
    return found


def _check_date(day, earliest, today, field, what):
    problem = domain.date_problem(day, earliest, today, what)
    if problem:
        raise InvalidInput(problem, {field: [problem]})


def create_pairing(tx, data, today=None):
    """Pair a member with a helper by hand (a member living alone, lonely ...)."""
    today = today or dt.date.today()
    values = load(PairingIn(), data)
    started_on = values.get("started_on", today)
    _check_date(started_on, None, today, "started_on", "开始日期")
    helper = tx.session.get(Visitor, values["helper_id"])
    if helper is None or not helper.active:
        problem = "帮扶人不存在或已停用 (no such active helper)"
        raise InvalidInput(problem, {"helper_id": [problem]})
    if helper.member_id == values["member_id"]:
        problem = "帮扶人不能是本人 (a member cannot help himself)"
        raise InvalidInput(problem, {"helper_id": [problem]})
    if tx.session.scalar(sa.select(Pairing.id).where(Pairing.active_member_id == values["member_id"])):
        problem = "该党员已有结对帮扶 (the member already has an active pairing)"
        raise Conflict(problem, {"member_id": [problem]})
    pairing = Pairing(helper_id=helper.id, member_id=values["member_id"], active_member_id=values["member_id"],
                      reason=values["reason"], note=values.get("note"), started_on=started_on)
    tx.session.add(pairing)
    tx.session.flush()
    return PairingDetailOut().dump(pairing)


def get_pairing(session, pairing_id):
    return PairingDetailOut().dump(_get_or_404(session, Pairing, pairing_id, f"结对 {pairing_id}"))


def end_pairing(tx, pairing_id, data, today=None):
    today = today or dt.date.today()
    values = load(PairingEndIn(), data)
    pairing = _get_or_404(tx.session, Pairing, pairing_id, f"结对 {pairing_id}", lock=True)
    if pairing.active_member_id is None:
        problem = "该结对已结束 (the pairing has ended)"
        raise Conflict(problem, {"ended_on": [problem]})
    ended_on = values.get("ended_on", today)
    _check_date(ended_on, pairing.started_on, today, "ended_on", "结束日期")
    pairing.active_member_id, pairing.ended_on, pairing.end_reason = None, ended_on, values["reason"].strip()
    tx.session.flush()
    return PairingDetailOut().dump(pairing)


def log_talk(tx, pairing_id, data, logged_by=None, today=None):
    """A talk of the helper with the member; only while the pairing runs."""
    today = today or dt.date.today()
    values = load(TalkIn(), data)
    pairing = _get_or_404(tx.session, Pairing, pairing_id, f"结对 {pairing_id}", lock=True)
    if pairing.active_member_id is None:
        problem = "该结对已结束 (the pairing has ended)"
        raise Conflict(problem, {"talked_on": [problem]})
    _check_date(values["talked_on"], pairing.started_on, today, "talked_on", "谈心日期")
    tx.session.add(PairingTalk(pairing_id=pairing.id, logged_by=logged_by, **values))
    tx.session.flush()
    tx.session.refresh(pairing, ["talks"])
    return PairingDetailOut().dump(pairing)


def members_without_pairing(session, filters=None, page=1, page_size=20):
    """Active members in need (seriously ill, living alone, children away, in
    hardship) who have no active pairing; each with why they are in need."""
    chosen = load(UnpairedFilters(), filters or {})
    ill = sa.exists().where(VisitTask.member_id == MemberFact.member_id, VisitTask.cause == "serious_illness")
    paired = sa.exists().where(Pairing.active_member_id == MemberFact.member_id)
    query = (sa.select(MemberFact, ill.label("ill"))
             .where(MemberFact.status == "active", ~paired,
                    sa.or_(MemberFact.hardship, MemberFact.lives_alone, MemberFact.children_away, ill))
             .order_by(MemberFact.member_id))
    if "branch_id" in chosen:
        query = query.where(MemberFact.branch_id == chosen["branch_id"])
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    items = []
    for fact, is_ill in rows:
        needs = [name for name, flag in (("serious_illness", is_ill), ("lives_alone", fact.lives_alone),
                                         ("children_away", fact.children_away), ("hardship", fact.hardship)) if flag]
        items.append({"member_id": fact.member_id, "name": fact.name, "branch_id": fact.branch_id, "needs": needs})
    return {"items": items, "total": total, "page": page, "page_size": page_size}


# -- help cases (办实事、解难事) ------------------------------------------------

def open_help_case(tx, data, opened_by=None, today=None):
    today = today or dt.date.today()
    values = load(HelpCaseIn(), data)
    task_id = values.get("task_id")
    if task_id is not None:
        task = tx.session.get(VisitTask, task_id)
        if task is None:
            problem = "走访任务不存在 (no such visit task)"
            raise InvalidInput(problem, {"task_id": [problem]})
        if values.get("member_id", task.member_id) != task.member_id:
            problem = "与走访任务的党员不一致 (not the member of the visit task)"
            raise InvalidInput(problem, {"member_id": [problem]})
        values["member_id"] = task.member_id
    if "member_id" not in values:
        raise InvalidInput("输入有误 (invalid input)", {"member_id": ["必填 (required)"]})
    opened_on = values.pop("opened_on", today)
    _check_date(opened_on, None, today, "opened_on", "登记日期")
    case = HelpCase(opened_on=opened_on, opened_by=opened_by,
                    status="in_progress" if values.get("assignee") else "open", **values)
    tx.session.add(case)
    tx.session.flush()
    tx.session.refresh(case, ["notes"])
    return HelpCaseOut().dump(case)


def get_help_case(session, case_id):
    return HelpCaseOut().dump(_get_or_404(session, HelpCase, case_id, f"帮扶事项 {case_id}"))


def list_help_cases(session, filters=None, page=1, page_size=20):
    """Help cases, newest first; filters member_id, status, assignee, opened_after/before."""
    chosen = load(HelpCaseFilters(), filters or {})
    query = sa.select(HelpCase).order_by(HelpCase.opened_on.desc(), HelpCase.id.desc())
    for name in ("member_id", "status", "assignee"):
        if name in chosen:
            query = query.where(getattr(HelpCase, name) == chosen[name])
    if "opened_after" in chosen:
        query = query.where(HelpCase.opened_on >= chosen["opened_after"])
    if "opened_before" in chosen:
        query = query.where(HelpCase.opened_on <= chosen["opened_before"])
    return page_of(session, query, HelpCaseOut().dump, page, page_size)


def _open_case(tx, case_id, field):
    case = _get_or_404(tx.session, HelpCase, case_id, f"帮扶事项 {case_id}", lock=True)
    problem = domain.help_case_problem(case.status)
    if problem:
        raise Conflict(problem, {field: [problem]})
    return case


def assign_help_case(tx, case_id, data):
    values = load(AssigneeIn(), data)
    case = _open_case(tx, case_id, "assignee")
    case.assignee = values["assignee"]
    if case.assignee:
        case.status = "in_progress"
    return HelpCaseOut().dump(case)


def add_help_case_note(tx, case_id, data, written_by=None):
    values = load(NoteIn(), data)
    case = _open_case(tx, case_id, "note")
    tx.session.add(HelpCaseNote(case_id=case.id, note=values["note"].strip(), written_by=written_by))
    case.status = "in_progress"
    tx.session.flush()
    tx.session.refresh(case, ["notes"])
    return HelpCaseOut().dump(case)


def close_help_case(tx, case_id, data, closed_by=None, today=None):
    """Close with the result, and announce help_case_closed."""
    today = today or dt.date.today()
    values = load(HelpCaseCloseIn(), data)
    case = _open_case(tx, case_id, "result")
    closed_on = values.get("closed_on", today)
    _check_date(closed_on, case.opened_on, today, "closed_on", "办结日期")
    case.status, case.closed_on, case.closed_by = "closed", closed_on, closed_by
    case.result, case.solved = values["result"].strip(), values["solved"]
    tx.session.flush()
    tx.emit("help_case_closed", {"case_id": case.id, "member_id": case.member_id})
    return HelpCaseOut().dump(case)


# -- festivals (春节, 重阳节) ----------------------------------------------------

_BATCH_CHUNK = 5000
UNASSIGNED = "未分配 (unassigned)"


def _policy_of(row):
    return festivals.Policy(min_age=row.min_age, lives_alone=row.lives_alone, hardship=row.hardship,
                            children_away=row.children_away, lead_days=row.lead_days)


def _festival_or_invalid(festival):
    if festival not in festivals.FESTIVALS:
        problem = f"节日应为 {', '.join(sorted(festivals.FESTIVALS))} 之一 (unknown festival)"
        raise InvalidInput(problem, {"festival": [problem]})


def set_festival_policy(tx, festival, data, updated_by=None, today=None):
    """Set the policy of a festival's batch (fields left out take the defaults)."""
    _festival_or_invalid(festival)
    values = load(FestivalPolicyIn(), data)
    row = tx.session.get(FestivalPolicy, festival, with_for_update=True)
    if row is None:
        row = FestivalPolicy(festival=festival)
        tx.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = updated_by
    tx.session.flush()
    return _dump_policy(festival, _policy_of(row), (today or dt.date.today()).year, stored=True)


def _dump_policy(festival, policy, year, stored):
    day = festivals.festival_date(festival, year)
    return {
        "festival": festival, "name": festivals.FESTIVALS[festival][0], **dataclasses.asdict(policy),
        "stored": stored, "year": year, "date": day.isoformat(),
        "batch_from": (day - dt.timedelta(days=policy.lead_days)).isoformat(),
    }


def _policies(session):
    """{festival: (policy, stored)}: the office's policy, else the default one."""
    rows = {row.festival: row for row in session.scalars(sa.select(FestivalPolicy))}
    return {festival: (_policy_of(rows[festival]), True) if festival in rows else (festivals.Policy(), False)
            for festival in festivals.FESTIVALS}


def list_festival_policies(session, data=None, today=None):
    """Each festival with its policy (the default until the office sets one) and its date in ``year``."""
    year = load(FestivalYearIn(), data or {}).get("year", (today or dt.date.today()).year)
    return {"items": [_dump_policy(festival, policy, year, stored)
                      for festival, (policy, stored) in _policies(session).items()]}


def run_festival_batch(tx, data, today=None):
    """Make a festival's batch now: with the policy given, else the festival's."""
    today = today or dt.date.today()
    values = load(FestivalBatchIn(), data)
    if "policy" in values:
        policy = festivals.Policy(**values["policy"])
    else:
        policy = _policies(tx.session)[values["festival"]][0]
    return festival_batch(tx, values["festival"], values["year"], policy, today)


def due_festival_batches(tx, today):
    """The batches whose window (lead days before the festival, up to it) holds today."""
    done = []
    for festival, (policy, _) in _policies(tx.session).items():
        for year in (today.year, today.year + 1):
            first, day = festivals.batch_window(festival, year, policy.lead_days)
            if first <= today <= day:
                done.append(festival_batch(tx, festival, year, policy, today))
    return done


def festival_batch(tx, festival, year, policy, today):
    """One visit task for each member the policy selects who has none for this
    festival and year, spread evenly over the active visitors; a second run
    creates only what is missing (members added since), on the same spread."""
    session = tx.session
    day = festivals.festival_date(festival, year)
    summary = {"festival": festival, "year": year, "date": day.isoformat(), "selected": 0, "created": 0,
               "assignees": {}}
    if not policy.selects_anyone():
        return summary
    chosen = []
    if policy.min_age is not None:
        chosen.append(MemberFact.birth_date <= festivals.born_on_or_before(day, policy.min_age))
    for flag in ("lives_alone", "hardship", "children_away"):
        if getattr(policy, flag):
            chosen.append(getattr(MemberFact, flag).is_(True))
    selected = session.execute(
        sa.select(MemberFact.member_id, MemberFact.branch_id)
        .where(MemberFact.status == "active", sa.or_(*chosen))
        .order_by(MemberFact.branch_id, MemberFact.member_id)
    ).all()
    summary["selected"] = len(selected)

    prefix = festivals.cause_key(festival, year, "")
    existing = session.execute(
        sa.select(VisitTask.member_id, VisitTask.visitor_id)
        .where(VisitTask.cause == "festival", VisitTask.cause_key.startswith(prefix, autoescape=True))
    ).all()
    has_task = {member_id for member_id, _ in existing}
    loads = {}
    for _, visitor_id in existing:
        if visitor_id is not None:
            loads[visitor_id] = loads.get(visitor_id, 0) + 1
    branch_of = {member_id: branch_id for member_id, branch_id in selected if member_id not in has_task}
    if not branch_of:
        return summary

    visitors = session.execute(sa.select(Visitor.id, Visitor.name).where(Visitor.active.is_(True)).order_by(Visitor.id)).all()
    if not visitors:
        log.warning("%s %s: no active visitor; tasks made without an assignee", festival, year)
    names = dict(visitors)
    now = dt.datetime.now(dt.timezone.utc)
    reason = festivals.reason(festival, day)
    rows = [{
        "member_id": member_id, "branch_id": branch_of[member_id], "cause": "festival", "cause_date": today,
        "cause_key": festivals.cause_key(festival, year, member_id), "reason": reason, "due_date": day,
        "status": "open", "assignee": names.get(visitor_id), "visitor_id": visitor_id, "created_at": now,
    } for member_id, visitor_id in festivals.spread(list(branch_of), visitors, loads)]

    table = VisitTask.__table__
    # a concurrent run's rows are skipped, not an error: the cause key decides
    statement = dialect_insert(session, table).on_conflict_do_nothing(index_elements=["cause_key"]).returning(
        table.c.id, table.c.member_id, table.c.assignee)
    created = []
    for start in range(0, len(rows), _BATCH_CHUNK):
        chunk = session.execute(statement, rows[start:start + _BATCH_CHUNK]).all()
        tx.emit_many("visit_task_created", [
            {"task_id": task_id, "member_id": member_id, "cause": "festival", "due_date": day, "source_event_id": None}
            for task_id, member_id, _ in chunk])
        created += chunk
        time.sleep(0)  # under eventlet, lets the service's other workers run between chunks
    for _, _, assignee in created:
        key = assignee or UNASSIGNED
        summary["assignees"][key] = summary["assignees"].get(key, 0) + 1
    summary["created"] = len(created)
    return summary

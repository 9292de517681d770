"""What the daily timer does: milestone-birthday visits, the festival batches
that are due, and the reminders of open tasks, each at most once."""
import logging

import sqlalchemy as sa

from welfare.domain import daily as rules
from welfare.handlers.festivals import due_festival_batches
from welfare.handlers.tasks import create_tasks
from welfare.models import MemberFact, TaskReminder, VisitTask
from wuji_infra.db import insert_unless_present

log = logging.getLogger(__name__)


def run_daily(tx, *, today, now):
    """What the timer does each day; safe to run any number of times.

    Makes the milestone-birthday tasks whose week has come and the festival
    batches whose lead days have come, and sends visit_task_due_soon and
    visit_task_overdue once per task: the reminder's marker row and its outbox
    row commit together, and a second run (or a second process, which waits on
    the first's marker) finds the marker.
    """
    birthdays = create_birthday_visits(tx, today=today)
    festival_tasks = sum(batch["created"] for batch in due_festival_batches(tx, today=today, now=now))
    sent = {kind: send_reminders(tx, kind, today=today, now=now) for kind in rules.REMINDERS}
    return {"birthday_tasks": len(birthdays), "festival_tasks": festival_tasks,
            "due_soon": sent["due_soon"], "overdue": sent["overdue"]}


def send_reminders(tx, kind, *, today, now):
    """visit_task_<kind> for each open task due in the kind's window that has not had it; how many."""
    first, last = rules.reminder_window(kind, today)
    already = sa.exists().where(TaskReminder.task_id == VisitTask.id, TaskReminder.kind == kind)
    query = (sa.select(VisitTask).where(VisitTask.status == "open", ~already, VisitTask.due_date <= last)
             .order_by(VisitTask.id))
    if first is not None:
        query = query.where(VisitTask.due_date >= first)
    marker = insert_unless_present(tx.session, TaskReminder.__table__)
    sent = 0
    for task in tx.session.scalars(query).all():
        if not tx.session.execute(marker, {"task_id": task.id, "kind": kind, "sent_at": now}).rowcount:
            continue
        tx.emit(f"visit_task_{kind}", {
            "task_id": task.id, "member_id": task.member_id, "cause": task.cause,
            "due_date": task.due_date, "assignee": task.assignee, "branch_id": task.branch_id,
        })
        sent += 1
    return sent


def create_birthday_visits(tx, *, today):
    """Milestone-birthday tasks for active members whose birthday week has come."""
    ranges = rules.milestone_birth_ranges(today)
    rows = tx.session.execute(
        sa.select(MemberFact.member_id, MemberFact.birth_date, MemberFact.branch_id)
        .where(MemberFact.status == "active",
               sa.or_(*[MemberFact.birth_date.between(first, last) for first, last in ranges]))
        .order_by(MemberFact.member_id)
    ).all()
    created = []
    for member_id, born, branch_id in rows:
        planned = rules.birthday_visit(member_id, born, today, branch_id)
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

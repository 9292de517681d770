"""Events into to-do items, each once, and items closed when their work is done.

Every item has a ``key`` (what makes it once: "visit_overdue:34") and a ``subject`` (the
work it is about: "visit_task:34"). The news that a piece of work is over closes every
open item of its subject, and is kept (``closed_subjects``): events of two services reach
this one in any order, so an item arriving after its work was done is made closed.
"""
import datetime as dt
import logging

import sqlalchemy as sa

from notifications.domain import todos
from notifications.handlers import deliveries
from notifications.handlers.policy import policy_in_force
from notifications.models import BranchName, HelpCase, MemberFact, Subject, TodoItem, VisitTask
from wuji_infra.db import insert_unless_present
from wuji_infra.member_facts import DECEASED, apply_facts, apply_status, apply_withdrawal

log = logging.getLogger(__name__)


# -- making and closing ---------------------------------------------------------------

def make_item(tx, *, key, kind, subject, title, now, settings, member_id=None, branch_id=None, assignee=None,
              requester=None, due_date=None):
    """The item ``key`` of ``kind``, once (None when it was made before, or the policy makes
    none of this kind). Made closed when its subject is already over; else pushed by policy."""
    policy = policy_in_force(tx.session)
    if not policy["kinds"][kind]["enabled"]:
        return None
    closed_at = tx.session.scalar(sa.select(Subject.closed_at).where(Subject.key == subject))
    made = tx.session.execute(insert_unless_present(tx.session, TodoItem.__table__), dict(
        key=key, kind=kind, subject=subject, title=title, member_id=member_id, branch_id=branch_id,
        assignee=assignee, requester=requester, due_date=due_date, created_at=now, closed_at=closed_at,
    )).rowcount
    if not made:
        log.info("to-do item %s made before", key)
        return None
    item = tx.session.scalar(sa.select(TodoItem).where(TodoItem.key == key))
    if item.closed_at is None:
        deliveries.push_item(tx, item, policy, settings, now=now)
    return item


def close_subject(tx, subject, now):
    """The work ``subject`` is over: its open items close, and items made later are made closed."""
    tx.session.execute(insert_unless_present(tx.session, Subject.__table__), {"key": subject, "closed_at": now})
    close_items(tx, now, TodoItem.subject == subject)


def close_items(tx, now, *where):
    tx.session.execute(sa.update(TodoItem).where(TodoItem.closed_at.is_(None), *where).values(closed_at=now))


# -- what an item says of its member and branch ---------------------------------------------

def member_words(session, member_id):
    name = session.scalar(sa.select(MemberFact.name).where(MemberFact.member_id == member_id))
    return todos.who(name, member_id)


def branch_of(session, member_id):
    return session.scalar(sa.select(MemberFact.branch_id).where(MemberFact.member_id == member_id))


def branch_words(session, branch_id):
    return todos.branch_words(session.scalar(sa.select(BranchName.name).where(BranchName.branch_id == branch_id)),
                              branch_id)


# -- members --------------------------------------------------------------------------

def record_member_facts(tx, data, occurred_at):
    apply_facts(tx.session, MemberFact, data, occurred_at, ())


def record_death(tx, member_id, occurred_at):
    apply_status(tx.session, MemberFact, member_id, DECEASED, occurred_at)


def on_member_withdrawn(tx, data, occurred_at, *, now):
    """Entered in error: the member's open items close (welfare and funding close the work itself)."""
    apply_withdrawal(tx.session, MemberFact, data["member_id"], occurred_at)
    close_items(tx, now, TodoItem.member_id == data["member_id"])


def on_member_hospitalized(tx, event, *, now, settings):
    """For the branch's secretary (and staff): see the member soon. The visit welfare makes for
    it (``visit_task_created`` with this event's id as its source) closes it when done."""
    data = event.data
    return make_item(
        tx, key=f"member_hospitalized:{event.event_id}", kind="member_hospitalized", subject=f"event:{event.event_id}",
        title=todos.hospitalized_title(member_words(tx.session, data["member_id"]), None), now=now, settings=settings,
        member_id=data["member_id"], branch_id=data["branch_id"],
        due_date=tx.session.scalar(sa.select(VisitTask.due_date).where(VisitTask.source_event_id == event.event_id)),
    )


def record_branch_name(tx, data):
    if data.get("branch_name"):
        row = tx.session.get(BranchName, data["branch_id"])
        if row is None:
            tx.session.add(BranchName(branch_id=data["branch_id"], name=data["branch_name"]))
        else:
            row.name = data["branch_name"]
        tx.session.flush()


def on_term_reminder(tx, kind, data, *, now, settings):
    """branch_term_expiring (6, then 3 months before) and branch_term_overdue (each month): the
    newest reminder of a term stands for the older ones, which close."""
    record_branch_name(tx, data)
    subject = f"term:{data['term_id']}"
    close_items(tx, now, TodoItem.subject == subject, TodoItem.kind.in_(("term_expiring", "term_overdue")))
    return make_item(
        tx, key=f"{kind}:{data['term_id']}:{data['reminder']}", kind=kind, subject=subject,
        title=todos.term_title(kind, branch_words(tx.session, data["branch_id"]), data["ends_on"], data["reminder"]),
        now=now, settings=settings, branch_id=data["branch_id"], due_date=data["ends_on"],
    )


def on_term_elected(tx, data, *, now):
    """换届: the reminders of the branch's earlier terms close."""
    record_branch_name(tx, data)
    close_items(tx, now, TodoItem.branch_id == data["branch_id"],
                TodoItem.kind.in_(("term_expiring", "term_overdue")), TodoItem.subject != f"term:{data['term_id']}")


def on_import_finished(tx, data, *, now, settings):
    kind = "import_failed" if data["status"] == "failed" else "import_finished"
    return make_item(
        tx, key=f"import:{data['job_id']}", kind=kind, subject=f"import:{data['job_id']}",
        title=todos.import_title(data["status"], data["filename"], data["created"], data["updated"], data["rejected"]),
        now=now, settings=settings, requester=data["started_by"],
    )


# -- welfare: visit tasks ----------------------------------------------------------------

def on_visit_task_created(tx, data, *, now, settings):
    """Kept (to find the task a hospitalization made); a milestone birthday's visit and a task
    given to someone are items."""
    task_id = data["task_id"]
    tx.session.execute(insert_unless_present(tx.session, VisitTask.__table__), dict(
        task_id=task_id, member_id=data["member_id"], due_date=data["due_date"],
        source_event_id=data["source_event_id"]))
    if data["source_event_id"]:
        tx.session.execute(sa.update(TodoItem).where(TodoItem.subject == f"event:{data['source_event_id']}")
                           .values(due_date=data["due_date"]))
    member = member_words(tx.session, data["member_id"])
    branch_id = data["branch_id"] or branch_of(tx.session, data["member_id"])
    common = dict(now=now, settings=settings, member_id=data["member_id"], branch_id=branch_id,
                  assignee=data["assignee"], due_date=data["due_date"], subject=f"visit_task:{task_id}")
    if data["cause"] == "birthday":
        make_item(tx, key=f"birthday_visit:{task_id}", kind="birthday_visit",
                  title=todos.birthday_title(task_id, member, data["due_date"]), **common)
    if data["assignee"]:
        make_item(tx, key=f"visit_assigned:{task_id}:{data['assignee']}", kind="visit_assigned",
                  title=todos.visit_title("visit_assigned", task_id, member, data["due_date"], None), **common)


def on_visit_task_assigned(tx, data, *, now, settings):
    """Given to someone else: the task's items follow the new assignee; the old one's "assigned" closes."""
    task_id, assignee = data["task_id"], data["assignee"]
    subject = f"visit_task:{task_id}"
    not_theirs = [] if assignee is None else [TodoItem.assignee != assignee]
    close_items(tx, now, TodoItem.subject == subject, TodoItem.kind == "visit_assigned", *not_theirs)
    tx.session.execute(sa.update(TodoItem).where(TodoItem.subject == subject, TodoItem.closed_at.is_(None))
                       .values(assignee=assignee))
    if assignee:
        make_item(tx, key=f"visit_assigned:{task_id}:{assignee}", kind="visit_assigned", subject=subject,
                  title=todos.visit_title("visit_assigned", task_id, member_words(tx.session, data["member_id"]),
                                          data["due_date"], None),
                  now=now, settings=settings, member_id=data["member_id"],
                  branch_id=data["branch_id"] or branch_of(tx.session, data["member_id"]), assignee=assignee,
                  due_date=data["due_date"])


def on_visit_task_reminder(tx, kind, data, *, now, today, settings):
    """visit_task_due_soon / visit_task_overdue; an overdue task's "due soon" item closes."""
    task_id = data["task_id"]
    subject = f"visit_task:{task_id}"
    if kind == "visit_overdue":
        close_items(tx, now, TodoItem.subject == subject, TodoItem.kind == "visit_due_soon")
    return make_item(
        tx, key=f"{kind}:{task_id}", kind=kind, subject=subject,
        title=todos.visit_title(kind, task_id, member_words(tx.session, data["member_id"]), data["due_date"], today),
        now=now, settings=settings, member_id=data["member_id"],
        branch_id=data["branch_id"] or branch_of(tx.session, data["member_id"]),
        assignee=data["assignee"], due_date=data["due_date"],
    )


def on_visit_task_ended(tx, data, *, now):
    """visit_completed / visit_task_cancelled: the task's items close, and the hospitalization's
    item whose visit it was."""
    close_subject(tx, f"visit_task:{data['task_id']}", now)
    source = tx.session.scalar(sa.select(VisitTask.source_event_id).where(VisitTask.task_id == data["task_id"]))
    if source:
        close_subject(tx, f"event:{source}", now)


# -- welfare: help cases and festivals ------------------------------------------------------

def on_help_case_opened(tx, data):
    tx.session.execute(insert_unless_present(tx.session, HelpCase.__table__), dict(
        case_id=data["case_id"], member_id=data["member_id"], opened_on=data["opened_on"],
        branch_id=data["branch_id"] or branch_of(tx.session, data["member_id"]), assignee=data["assignee"]))


def on_help_case_assigned(tx, data):
    tx.session.execute(sa.update(HelpCase).where(HelpCase.case_id == data["case_id"]).values(assignee=data["assignee"]))
    tx.session.execute(sa.update(TodoItem).where(TodoItem.subject == f"help_case:{data['case_id']}",
                                                 TodoItem.closed_at.is_(None)).values(assignee=data["assignee"]))


def on_help_case_closed(tx, data, *, now):
    tx.session.execute(sa.update(HelpCase).where(HelpCase.case_id == data["case_id"]).values(closed=True))
    close_subject(tx, f"help_case:{data['case_id']}", now)


def open_too_long(tx, *, today, now, settings):
    """The daily rule: a help case open ``help_case_open_days`` or more gets an item (once)."""
    policy = policy_in_force(tx.session)
    opened_by = today - dt.timedelta(days=policy["help_case_open_days"])
    cases = tx.session.scalars(sa.select(HelpCase).where(HelpCase.closed.is_(False), HelpCase.opened_on <= opened_by)
                               .order_by(HelpCase.case_id)).all()
    made = []
    for case in cases:
        item = make_item(
            tx, key=f"help_case_stale:{case.case_id}", kind="help_case_stale", subject=f"help_case:{case.case_id}",
            title=todos.help_case_title(case.case_id, member_words(tx.session, case.member_id), case.opened_on),
            now=now, settings=settings, member_id=case.member_id, branch_id=case.branch_id, assignee=case.assignee,
        )
        if item is not None:
            made.append(item.id)
    return made


def on_festival_batch_made(tx, event, *, now, settings):
    """An item for each run that made tasks (a second run makes those of members added since)."""
    data = event.data
    return make_item(
        tx, key=f"festival_batch:{event.event_id}", kind="festival_batch", subject=f"festival:{data['festival']}:{data['year']}",
        title=todos.festival_title(data["festival"], data["festival_date"], data["tasks_created"]),
        now=now, settings=settings, due_date=data["festival_date"],
    )


# -- funding ------------------------------------------------------------------------------

def on_subsidy_checked(tx, data, *, now, settings):
    """A check waiting for approval is an item until it is reviewed."""
    pending = data["status"] == "pending_approval" if data["status"] else data["eligible"]
    if not pending:
        return None
    check_id = data["check_id"]
    return make_item(
        tx, key=f"subsidy_pending:{check_id}", kind="subsidy_pending", subject=f"subsidy_check:{check_id}",
        title=todos.subsidy_title(check_id, member_words(tx.session, data["member_id"])), now=now, settings=settings,
        member_id=data["member_id"], branch_id=branch_of(tx.session, data["member_id"]),
    )


def on_subsidy_reviewed(tx, data, *, now):
    close_subject(tx, f"subsidy_check:{data['check_id']}", now)


def on_expense_refused(tx, data, *, now, settings):
    reference = data["reference"]
    if not reference:
        return None
    return make_item(
        tx, key=f"expense_refused:{reference}", kind="expense_refused", subject=f"expense:{reference}",
        title=todos.expense_title(data["amount"], data["reason"]), now=now, settings=settings,
        member_id=data["member_id"], branch_id=data["member_id"] and branch_of(tx.session, data["member_id"]),
    )


def on_expense_booked(tx, data, *, now):
    if data["reference"]:
        close_subject(tx, f"expense:{data['reference']}", now)

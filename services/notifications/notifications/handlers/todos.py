"""One account's to-do list: the items the policy gives it, where each stands for it, its marks.

``names`` are what the account is called (its username and display name): a task's assignee
is typed by people, so an item reaches the account called what the assignee says.
"""
import sqlalchemy as sa

from notifications.domain import policy as rules
from notifications.domain import todos
from notifications.handlers.policy import policy_in_force
from notifications.models import TodoItem, TodoMark
from notifications.schemas import SnoozeIn, TodoFilters, TodoOut
from wuji_infra.access import SECRETARY, SYSTEM, SYSTEM_ROLE
from wuji_infra.errors import Conflict, InvalidInput, no_such
from wuji_infra.validation import as_id, load, page_of

ITEM = ("待办事项", "to-do item")


def receives(policy, access, names):
    """A WHERE clause keeping the items ``access`` receives under ``policy`` (None: every item)."""
    if access.role == SYSTEM_ROLE:
        return None
    clauses = []
    if access.role == SECRETARY:
        kinds = rules.kinds_for(policy, SECRETARY)
        clauses.append(sa.and_(TodoItem.kind.in_(kinds), TodoItem.branch_id.in_(access.branch_ids or ())))
    else:
        clauses.append(TodoItem.kind.in_(rules.kinds_for(policy, access.role)))
    names = [name for name in {access.user, *(names or ())} if name]
    clauses.append(sa.and_(TodoItem.kind.in_(rules.kinds_for(policy, rules.ASSIGNEE)), TodoItem.assignee.in_(names)))
    clauses.append(sa.and_(TodoItem.kind.in_(rules.kinds_for(policy, rules.REQUESTER)),
                           TodoItem.requester == access.user))
    received = sa.or_(*clauses)
    if access.scoped:  # a secretary's list holds nothing of another branch, whoever it names
        received = sa.and_(received, sa.or_(TodoItem.branch_id.is_(None), TodoItem.branch_id.in_(access.branch_ids)))
    return received


def _status_clause(status, today):
    mark = TodoMark.state
    snoozing = sa.and_(mark == todos.SNOOZED, TodoMark.snoozed_until > today)
    still_open = TodoItem.closed_at.is_(None)
    return {
        todos.OPEN: sa.and_(still_open, sa.or_(mark.is_(None), sa.and_(mark == todos.SNOOZED, sa.not_(snoozing)))),
        todos.SNOOZED: sa.and_(still_open, snoozing),
        todos.DONE: sa.and_(still_open, mark == todos.DONE),
        todos.CLOSED: TodoItem.closed_at.is_not(None),
    }[status]


def _of_account(access):
    return sa.and_(TodoMark.item_id == TodoItem.id, TodoMark.username == access.user)


def list_todos(session, filters=None, page=1, page_size=20, *, names=(), today, access=SYSTEM):
    """The caller's items (open by default; ``status`` open, snoozed, done, closed or all), the
    soonest due first, with the counts of open, snoozed and done."""
    chosen = load(TodoFilters(), filters or {})
    policy = policy_in_force(session)
    received = receives(policy, access, names)
    base = sa.select(TodoItem).outerjoin(TodoMark, _of_account(access))
    if received is not None:
        base = base.where(received)
    for name in ("kind", "member_id"):
        if name in chosen:
            base = base.where(getattr(TodoItem, name) == chosen[name])
    status = chosen.get("status", todos.OPEN)
    query = base if status == "all" else base.where(_status_clause(status, today))
    query = query.order_by(TodoItem.due_date.is_(None), TodoItem.due_date, TodoItem.id.desc())
    answer = page_of(session, query, lambda rows: _dump(session, rows, access, today), page, page_size, together=True)
    counted = base.with_only_columns(*(
        sa.func.count().filter(_status_clause(name, today)) for name in (todos.OPEN, todos.SNOOZED, todos.DONE)))
    answer["counts"] = dict(zip((todos.OPEN, todos.SNOOZED, todos.DONE), session.execute(counted).one()))
    return answer


def _dump(session, items, access, today):
    marks = {mark.item_id: mark for mark in session.scalars(sa.select(TodoMark).where(
        TodoMark.username == access.user, TodoMark.item_id.in_([item.id for item in items])))} if items else {}
    return [_out(item, marks.get(item.id), today) for item in items]


def _out(item, mark, today):
    state, until = (mark.state, mark.snoozed_until) if mark else (None, None)
    status = todos.status_for(item.closed_at, state, until, today)
    return TodoOut().dump({
        "id": item.id, "kind": item.kind, "title": item.title, "subject": item.subject, "member_id": item.member_id,
        "branch_id": item.branch_id, "due_date": item.due_date, "status": status,
        "snoozed_until": until if status == todos.SNOOZED else None,
        "created_at": item.created_at, "closed_at": item.closed_at,
    })


def _item_received(session, item_id, access, names):
    """The item, when the caller receives it (else 404, as for a record outside one's branches)."""
    as_id(item_id)
    query = sa.select(TodoItem).where(TodoItem.id == item_id)
    received = receives(policy_in_force(session), access, names)
    if received is not None:
        query = query.where(received)
    item = session.scalar(query)
    if item is None:
        raise no_such(ITEM, item_id)
    return item


def mark_todo(tx, item_id, state, data=None, *, names=(), today, now, access=SYSTEM):
    """The caller marks an item done, snoozes it until a day, or opens it again (``state`` None).
    A closed item (its work done) takes no mark: 409."""
    until = None
    if state == todos.SNOOZED:
        until = load(SnoozeIn(), data or {})["until"]
        problem = todos.snooze_problem(until, today)
        if problem:
            raise InvalidInput("暂缓日期有误 (bad date)", {"until": [problem]})
    item = _item_received(tx.session, item_id, access, names)
    if item.closed_at is not None:
        raise Conflict("此事项已办结 (the work is already done)", {"status": [todos.CLOSED]})
    mark = tx.session.get(TodoMark, (item.id, access.user), with_for_update=True)
    if state is None:
        if mark is not None:
            tx.session.delete(mark)
        mark = None
    elif mark is None:
        mark = TodoMark(item_id=item.id, username=access.user, state=state, snoozed_until=until, marked_at=now)
        tx.session.add(mark)
    else:
        mark.state, mark.snoozed_until, mark.marked_at = state, until, now
    tx.session.flush()
    return _out(item, mark, today)

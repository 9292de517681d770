"""What the handlers share: filters by equality and period, the caller's branches, the days not in the
future, writes keyed by an Idempotency-Key or under a unique constraint, and paging over several columns."""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from activities.domain.dates import future_date_problem
from wuji_infra.db import where_chosen
from wuji_infra.errors import Conflict, InvalidInput


def filtered(query, model, chosen, fields, date_column=None):
    """``query`` limited to the ``chosen`` filters: each of ``fields`` equal to its
    column of ``model``, and ``date_from`` / ``date_to`` on ``date_column``."""
    period = None if date_column is None else (date_column, "date_from", "date_to")
    return where_chosen(query, model, chosen, equal=fields, period=period)


def in_period(query, column, chosen):
    """``query`` limited to ``date_from`` / ``date_to`` of the ``chosen`` filters, both included."""
    return where_chosen(query, None, chosen, period=(column, "date_from", "date_to"))


def visible(query, clause):
    """``query`` kept to the caller's branches by ``clause`` (``Access.branch_clause`` or
    ``member_facts.member_clause``; None when the caller sees every branch)."""
    return query if clause is None else query.where(clause)


def already_done(session, model, request_id):
    """The row a request with this Idempotency-Key made before, if any."""
    if request_id is None:
        return None
    return session.scalar(sa.select(model).where(model.request_id == request_id))


def flush_once(session):
    """Flush a new row keyed by request_id; two concurrent requests with one key: the second is a conflict."""
    try:
        session.flush()
    except IntegrityError:
        reason = "同一请求正在处理, 请稍后重试 (the same request is being handled; retry shortly)"
        raise Conflict(reason, {"Idempotency-Key": [reason]})


def flush_unique(session, reason, field):
    """Flush a new row under a unique constraint; a concurrent request that took the key: Conflict(reason)."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(reason, {field: [reason]})


def paged_rows(session, query, page, page_size):
    """(total, rows of the page) of a select() of several columns."""
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    return total, rows


def refuse_future(day, today, field="date"):
    """InvalidInput naming ``field`` when ``day`` is after ``today``."""
    problem = future_date_problem(day, today)
    if problem:
        raise InvalidInput(problem, {field: [problem]})

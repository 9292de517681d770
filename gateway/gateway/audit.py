"""The audit log: who read health facts, who changed money, policy or accounts, who
logged in (or failed to), each with the answer's status.

``record`` is the only code that writes ``audit_log``, and it only inserts: no
route, handler or service updates or deletes an entry. It is called from two
places: the entrypoint of every route the table marks as audited (gate.py), and
the login (routes/accounts.py).
"""
import datetime as dt
import logging

import sqlalchemy as sa

from gateway import web
from gateway.models import AuditEntry
from gateway.schemas import AuditEntryOut
from wuji_infra.db import where_chosen
from wuji_infra.validation import as_id, page_of

log = logging.getLogger("wuji.gateway")
lines = logging.getLogger("wuji.audit")

BODY_MEMBER_ID = "wuji.body_member_id"  # in a request's WSGI environ: the member_id its JSON body names
_INSERT = sa.insert(AuditEntry.__table__)  # the table, not the ORM class: no ORM bulk-insert machinery per request
_ENTRY_OUT = AuditEntryOut()


def record(store, request, action, status, actor, role=None):
    """Add one entry for ``request``, answered with ``status``. A failure to record is
    logged with the whole entry and does not change the answer (already decided)."""
    path_values = getattr(request, "path_values", None) or {}
    entry = {
        "actor": actor[:100],
        "role": role,
        "action": action,
        "method": request.method,
        "path": request.path[:500],
        "member_id": as_id(path_values.get("member_id", request.args.get("member_id",
                                                                           request.environ.get(BODY_MEMBER_ID)))),
        "status": status,
        "request_id": web.request_id(request),
    }
    try:
        with store.transaction() as tx:
            tx.session.execute(_INSERT, entry)
    except Exception:
        log.exception("audit entry not recorded: %s", entry)


def read_line(caller, what, count):
    """Beside the entry, one line on ``wuji.audit`` for a read of sensitive facts: who read what,
    how much (the entry has no room for the filters and the count)."""
    lines.info("%s read by %s (role %s): %s", what, caller.username, caller.role, count)


def entries(session, chosen, page, page_size):
    """Entries newest first, filtered by ``actor``, ``action``, ``member_id`` and the
    office's days ``date_from`` .. ``date_to`` (both included)."""
    query = where_chosen(sa.select(AuditEntry), AuditEntry, chosen, equal=("actor", "action", "member_id"))
    if "date_from" in chosen:
        query = query.where(AuditEntry.at >= _start_of(chosen["date_from"]))
    if "date_to" in chosen:
        query = query.where(AuditEntry.at < _start_of(chosen["date_to"] + dt.timedelta(days=1)))
    return page_of(session, query.order_by(AuditEntry.id.desc()), _ENTRY_OUT.dump, page, page_size)


def _start_of(day):
    """The first moment of the office's ``day`` (local time, as office_date reads it)."""
    return dt.datetime.combine(day, dt.time()).astimezone()

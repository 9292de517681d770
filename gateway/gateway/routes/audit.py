"""The audit log, for admins: read only, filtered and paged like every list."""
from gateway import audit, schemas
from gateway.auth import ADMIN
from gateway.routes.table import Route
from wuji_infra.validation import load


def list_audit_log(c):
    chosen = load(schemas.AuditLogQuery(), c.filters)
    with c.service.db.read() as session:
        return audit.entries(session, chosen, c.page, c.page_size)


# no route changes or deletes an entry: the log is only added to (audit.record)
ROUTES = [
    Route("GET", "/api/v1/audit-log", ADMIN, "审计日志 (管理员)", name="list_audit_log", call=list_audit_log,
          query=schemas.AuditLogQuery, answer=schemas.AuditEntryOut, paged=True),
]

"""On PostgreSQL the database itself keeps the audit log append-only (migration e5b1a7c4d2f0)."""
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def test_an_audit_entry_is_added_and_never_changed_or_deleted(service_db):
    engine = sa.create_engine(service_db("gateway"))
    entry = {"actor": "clerk", "action": "list_health_events", "method": "GET",
             "path": "/api/v1/members/3/health-events", "status": 200, "request_id": "r-1"}
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO audit_log (at, actor, action, method, path, status, request_id) "
                                   "VALUES (now(), :actor, :action, :method, :path, :status, :request_id)"),
                           entry)
    for statement in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT actor FROM audit_log")) == "clerk"
    engine.dispose()

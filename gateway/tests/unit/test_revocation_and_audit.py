"""Issue 11: the account behind a token is read on every request, and the audit log."""
import datetime as dt

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import access, audit, auth, handlers
from gateway.errors import Forbidden, Unauthorized
from gateway.models import AuditEntry, Base
from gateway.routes import ROUTES, TAGS
from wuji_infra.testing import in_memory_store

SECRET = "unit-test-secret-of-enough-length-for-hs256"
GOOD = "长城永在 good-pw-1"
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store():
    store = in_memory_store("gateway", Base.metadata)
    with store.transaction() as tx:
        handlers.ensure_admin(tx.session, "admin", "pw")
        handlers.create_account(tx.session, {"username": "clerk", "password": GOOD, "role": "admin"}, "admin")
    return store


def token_of(store, username="clerk", password=GOOD):
    caller = handlers.log_in(store, {"username": username, "password": password}, NOW)
    return "Bearer " + auth.issue_token(SECRET, caller.username, caller.role, caller.version)["access_token"]


def authenticate(store, token, roles=auth.ADMIN):
    return auth.authenticate(SECRET, roles, token, lambda caller: access.current_caller(store, caller))


def change(store, handler, *args):
    with store.transaction() as tx:
        return handler(tx.session, *args)


# -- revocation -------------------------------------------------------------------

def test_an_active_account_is_let_through_with_its_role(store):
    assert authenticate(store, token_of(store)) == auth.Caller("clerk", "admin", 0)


def test_a_role_taken_away_is_refused_at_once(store):
    token = token_of(store)
    change(store, handlers.update_account, 2, {"role": "staff"}, "admin")
    with pytest.raises(Forbidden):
        authenticate(store, token)
    assert authenticate(store, token, auth.STAFF).role == "staff"


def test_a_deactivated_or_unknown_account_is_401(store):
    token = token_of(store)
    change(store, handlers.update_account, 2, {"active": False}, "admin")
    with pytest.raises(Unauthorized):
        authenticate(store, token)
    nobody = "Bearer " + auth.issue_token(SECRET, "nobody", "admin")["access_token"]
    with pytest.raises(Unauthorized):
        authenticate(store, nobody)


def test_a_token_from_before_a_password_change_or_reset_is_401(store):
    first = token_of(store)
    change(store, handlers.change_own_password, "clerk", {"current_password": GOOD, "new_password": GOOD + "2"}, NOW)
    with pytest.raises(Unauthorized):
        authenticate(store, first)
    second = token_of(store, password=GOOD + "2")
    assert authenticate(store, second).username == "clerk"
    change(store, handlers.set_password, 2, {"new_password": GOOD + "3"}, "admin")
    with pytest.raises(Unauthorized):
        authenticate(store, second)
    assert authenticate(store, token_of(store, password=GOOD + "3")).version == 2


def test_only_the_accounts_current_role_counts():
    token = "Bearer " + auth.issue_token(SECRET, "clerk", "staff")["access_token"]
    promoted = auth.authenticate(SECRET, auth.ADMIN, token, lambda caller: caller._replace(role="admin"))
    assert promoted.role == "admin"  # at once, without logging in again
    with pytest.raises(Forbidden):
        auth.authenticate(SECRET, auth.STAFF, token, lambda caller: caller._replace(role="viewer"))


# -- the audit log ------------------------------------------------------------------

def request(path, query="", headers=None, path_values=None):
    req = Request(EnvironBuilder(method="GET", path=path, query_string=query, headers=headers).get_environ())
    req.path_values = path_values or {}
    return req


def entries(store, page=1, page_size=20, **chosen):
    with store.read() as session:
        return audit.entries(session, chosen, page, page_size)


def test_an_entry_names_who_did_what_to_which_member_and_the_outcome(store):
    audit.record(store, request("/api/v1/members/3/health-events", headers={"Idempotency-Key": "k-1"},
                                path_values={"member_id": 3}), "list_health_events", 200, "clerk", "staff")
    audit.record(store, request("/api/v1/visit-tasks", query="member_id=5&status=open"), "list_visit_tasks",
                 503, "clerk", "staff")
    audit.record(store, request("/api/v1/auth/token"), "issue_token", 401, "x" * 300)
    page = entries(store)
    assert page["total"] == 3
    login, tasks, health = page["items"]
    assert (health["actor"], health["role"], health["action"], health["member_id"], health["status"],
            health["request_id"], health["method"]) == ("clerk", "staff", "list_health_events", 3, 200, "k-1", "GET")
    assert (tasks["member_id"], tasks["status"], len(tasks["request_id"])) == (5, 503, 36)
    assert (len(login["actor"]), login["role"], login["member_id"]) == (100, None, None)


def test_the_filters_and_paging(store):
    for actor, action, member_id in (("a", "x", 1), ("a", "y", 2), ("b", "x", 1)):
        audit.record(store, request("/p", path_values={"member_id": member_id}), action, 200, actor, "staff")
    assert entries(store, actor="a")["total"] == 2
    assert [e["actor"] for e in entries(store, action="x", member_id=1)["items"]] == ["b", "a"]
    today = dt.date.today()
    assert entries(store, date_from=today, date_to=today)["total"] == 3
    assert entries(store, date_to=today - dt.timedelta(days=1))["total"] == 0
    assert entries(store, date_from=today + dt.timedelta(days=1))["total"] == 0
    assert len(entries(store, page=2, page_size=2)["items"]) == 1


def test_a_failure_to_record_does_not_change_the_answer(caplog):
    class Broken:
        def transaction(self):
            raise RuntimeError("database gone")
    audit.record(Broken(), request("/p"), "x", 200, "a")
    assert "audit entry not recorded" in caplog.text


def test_the_code_only_adds_entries():
    import pathlib
    import re
    package = pathlib.Path(audit.__file__).parent
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"(update|delete)\(\s*AuditEntry", text), source
    assert AuditEntry.__tablename__ == "audit_log"


# -- which routes are audited: the route table says ------------------------------------

def test_every_write_of_money_and_accounts_and_every_sensitive_read_is_audited():
    for route in ROUTES:
        writes = route.method != "GET"
        if TAGS[route.key] in ("funding", "accounts") and writes and route.key != "POST /api/v1/auth/token":
            assert route.audited, route.key
        if route.audit:
            assert route.audited, route.key
    audited = {route.key for route in ROUTES if route.audited}
    assert {"PUT /api/v1/funding/policy", "PUT /api/v1/festival-policies/<festival>",
            "GET /api/v1/members/<id:member_id>/health-events", "GET /api/v1/members/<id:member_id>/history",
            "GET /api/v1/members/export", "GET /api/v1/visit-tasks", "GET /api/v1/subsidy-checks"} <= audited
    assert "GET /api/v1/branches" not in audited


def test_the_audit_log_is_only_read_and_only_by_admins():
    routes = [route for route in ROUTES if route.path.startswith("/api/v1/audit-log")]
    assert [(route.method, route.path, route.roles) for route in routes] == [("GET", "/api/v1/audit-log", auth.ADMIN)]
    assert routes[0].filters == ("actor", "action", "member_id", "date_from", "date_to")

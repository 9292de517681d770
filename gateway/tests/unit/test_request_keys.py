"""Every state-changing route sends its request key; the gateway's own writes are done once per key."""
import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import auth, web
from gateway.dependencies import CLIENT_KEY, DeadlineClient
from gateway.models import Account, Base
from gateway.routes import ROUTES
from gateway.routes.table import dispatch
from gateway.tests.unit.test_deadline import FakeProvider
from wuji_infra import idempotency
from wuji_infra.errors import Conflict
from wuji_infra.testing import in_memory_store

ROUTE = {route.key: route for route in ROUTES}


def request(method, path, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    environ = EnvironBuilder(method=method, path=path, headers=headers,
                             data=None if body is None else json.dumps(body),
                             content_type=None if body is None else "application/json").get_environ()
    made = Request(environ)
    made.environ[web.CALLER] = auth.Caller("admin", "admin")
    return made


def test_a_write_leaves_its_key_for_the_rpc_and_a_read_leaves_none():
    class Service:
        funding = members = type("Client", (), {"__getattr__": lambda self, name: lambda *a, **k: {}})()
    write = request("POST", "/api/v1/funding/expenses", {"amount": "1"}, key="k-1")
    dispatch(Service(), ROUTE["POST /api/v1/funding/expenses"], write, {})
    assert write.environ[CLIENT_KEY].key == idempotency.ClientKey("admin", "k-1").key
    read = request("GET", "/api/v1/branches/7", key="k-1")
    dispatch(Service(), ROUTE["GET /api/v1/branches/<id:branch_id>"], read, {"branch_id": 7})
    assert CLIENT_KEY not in read.environ


def test_the_client_sends_the_key_and_fingerprint_beside_the_deadline():
    provider = FakeProvider(reply={"result": {"id": 1}, "error": None})
    write = request("POST", "/api/v1/funding/expenses", key="k-1")
    write.environ[CLIENT_KEY] = idempotency.ClientKey("admin", "k-1")
    DeadlineClient(provider, {}, deadline=5, request=write).book_expense({"amount": "1"}, actor="admin")
    DeadlineClient(provider, {}, deadline=5).get_branch(1)
    [(_, sent), (_, read)] = provider.publisher.published
    expected = idempotency.ClientKey("admin", "k-1").context("members.book_expense", ({"amount": "1"},),
                                                            {"actor": "admin"})
    assert {name: sent["extra_headers"][f"nameko.{name}"] for name in expected} == expected
    assert not any("wuji_request_key" in name for name in read["extra_headers"])


@pytest.fixture
def service():
    return type("Service", (), {"db": in_memory_store("gateway", Base.metadata)})()


def create(service, body, key):
    return dispatch(service, ROUTE["POST /api/v1/accounts"], request("POST", "/api/v1/accounts", body, key), {})


def test_an_account_is_made_once_per_key_and_another_body_is_a_conflict(service):
    body = {"username": "clerk1", "password": "a-Long-pass-123", "role": "staff"}
    first = create(service, body, "acct-1")
    again = create(service, body, "acct-1")
    assert first.status_code == again.status_code == 201
    assert json.loads(again.get_data()) == json.loads(first.get_data())
    with service.db.read() as session:
        assert session.query(Account).count() == 1
    with pytest.raises(Conflict, match="reused with another request"):
        create(service, dict(body, username="clerk2"), "acct-1")
    assert create(service, dict(body, username="clerk2"), "acct-2").status_code == 201

"""The to-do routes send the service who the caller is called: a task's assignee is typed by people,
so the account's display name counts as much as its username."""
from types import SimpleNamespace

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import auth, web
from gateway.models import Account, Base
from gateway.routes import BY_KEY
from gateway.routes.table import dispatch
from wuji_infra.testing import in_memory_store


class Notifications:
    def __init__(self):
        self.calls = []

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self.calls.append((method, args, kwargs))
            return {"items": [], "total": 0, "page": 1, "page_size": 20, "counts": {"open": 0, "snoozed": 0, "done": 0}}
        return call


def service_with(display_name):
    db = in_memory_store("gateway", Base.metadata)
    with db.transaction() as tx:
        tx.session.add(Account(username="liu", password_hash="x", role="secretary", display_name=display_name,
                               branch_ids=[2]))
    return SimpleNamespace(db=db, notifications=Notifications())


def request(method, path, body=None):
    builder = EnvironBuilder(method=method, path=path, json=body) if body is not None else \
        EnvironBuilder(method=method, path=path)
    made = Request(builder.get_environ())
    made.environ[web.CALLER] = auth.Caller("liu", "secretary")
    return made


def test_the_list_is_asked_for_by_username_and_display_name():
    service = service_with("刘书记")
    answer = dispatch(service, BY_KEY["GET /api/v1/todos"], request("GET", "/api/v1/todos"), {})
    assert answer.status_code == 200
    [(method, args, kwargs)] = service.notifications.calls
    assert (method, args, kwargs) == ("list_todos", ({}, 1, 20), {"names": ["liu", "刘书记"]})


def test_a_mark_names_the_item_the_actor_and_the_names():
    service = service_with(None)
    dispatch(service, BY_KEY["POST /api/v1/todos/<id:item_id>/snooze"],
             request("POST", "/api/v1/todos/9/snooze", {"until": "2026-12-24"}), {"item_id": 9})
    [(method, args, kwargs)] = service.notifications.calls
    assert (method, args, kwargs) == ("snooze_todo", (9, {"until": "2026-12-24"}), {"actor": "liu", "names": ["liu"]})

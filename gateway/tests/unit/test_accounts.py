"""Accounts: the first admin, and logging in."""
import pytest

from gateway import auth, handlers
from gateway.errors import Unauthorized
from gateway.models import Account, Base
from wuji_infra.errors import InvalidInput
from wuji_infra.testing import in_memory_store


@pytest.fixture
def store():
    return in_memory_store("gateway", Base.metadata)


def make_admin(store, username="admin", password=None):
    with store.transaction() as tx:
        return handlers.ensure_admin(tx.session, username, password)


def accounts(store):
    with store.read() as session:
        return [(a.username, a.role, a.password_hash) for a in session.query(Account)]


def test_the_first_admin_gets_the_configured_password(store):
    assert make_admin(store, password="初始密码 s3cret") is None
    [(username, role, password_hash)] = accounts(store)
    assert (username, role) == ("admin", "admin")
    assert auth.verify_password(password_hash, "初始密码 s3cret")


def test_without_a_configured_password_one_is_generated_and_returned_once(store):
    generated = make_admin(store)
    assert generated and len(generated) >= 12
    assert make_admin(store) is None  # the account exists: nothing new to show
    [(_, _, password_hash)] = accounts(store)
    assert auth.verify_password(password_hash, generated)


def test_an_existing_admin_is_left_alone(store):
    make_admin(store, password="first")
    make_admin(store, password="second")
    [(_, _, password_hash)] = accounts(store)
    assert auth.verify_password(password_hash, "first")


def test_the_right_password_names_the_account(store):
    make_admin(store, username="管理员", password="pw")
    with store.read() as session:
        assert handlers.authenticate(session, {"username": "管理员", "password": "pw"}) == auth.Caller("管理员", "admin")


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(store):
    make_admin(store, password="pw")
    answers = []
    for data in ({"username": "admin", "password": "nope"}, {"username": "nobody", "password": "pw"}):
        with store.read() as session, pytest.raises(Unauthorized) as excinfo:
            handlers.authenticate(session, data)
        answers.append((excinfo.value.message, excinfo.value.fields))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("data, field", [
    ({"password": "pw"}, "username"),
    ({"username": "admin"}, "password"),
    ({"username": "", "password": "pw"}, "username"),
    ({"username": "admin", "password": 123}, "password"),
    ({"username": "admin", "password": "pw", "role": "admin"}, "role"),
])
def test_a_malformed_login_is_400(store, data, field):
    with store.read() as session, pytest.raises(InvalidInput) as excinfo:
        handlers.authenticate(session, data)
    assert field in excinfo.value.fields

"""Accounts: the first admin, logging in, and the accounts admins make and change."""
import datetime as dt

import pytest

from gateway import auth, handlers
from gateway.errors import Unauthorized
from gateway.models import Account, Base
from wuji_infra.errors import Conflict, InvalidInput, NotFound
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


NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
GOOD = "长城永在 good-pw-1"


def log_in(store, username, password, now=NOW):
    return handlers.log_in(store, {"username": username, "password": password}, now)


def test_the_right_password_names_the_account(store):
    make_admin(store, username="管理员", password="pw")
    assert log_in(store, "管理员", "pw") == auth.Caller("管理员", "admin")


def test_a_wrong_password_an_unknown_user_and_an_inactive_account_get_the_same_answer(store):
    make_admin(store, password="pw")
    clerk = create(store, username="clerk", password=GOOD)
    update(store, clerk["id"], {"active": False})
    answers = []
    for username, password in (("admin", "nope"), ("nobody", "pw"), ("clerk", GOOD)):
        with pytest.raises(Unauthorized) as excinfo:
            log_in(store, username, password)
        answers.append((excinfo.value.message, excinfo.value.fields))
    assert answers[0] == answers[1] == answers[2]


def test_an_account_made_active_again_logs_in(store):
    make_admin(store, password="pw")
    clerk = create(store, username="clerk", password=GOOD)
    update(store, clerk["id"], {"active": False})
    update(store, clerk["id"], {"active": True})
    assert log_in(store, "clerk", GOOD) == auth.Caller("clerk", "staff")


@pytest.mark.parametrize("data, field", [
    ({"password": "pw"}, "username"),
    ({"username": "admin"}, "password"),
    ({"username": "", "password": "pw"}, "username"),
    ({"username": "admin", "password": 123}, "password"),
    ({"username": "admin", "password": "pw", "role": "admin"}, "role"),
])
def test_a_malformed_login_is_400(store, data, field):
    with pytest.raises(InvalidInput) as excinfo:
        handlers.log_in(store, data, NOW)
    assert field in excinfo.value.fields


# -- accounts made by an admin ------------------------------------------------

def create(store, **data):
    data.setdefault("role", "staff")
    with store.transaction() as tx:
        return handlers.create_account(tx.session, data, "admin")


def update(store, account_id, data):
    with store.transaction() as tx:
        return handlers.update_account(tx.session, account_id, data, "admin")


def listing(store, page=1, page_size=20, **query):
    with store.read() as session:
        return handlers.list_accounts(session, query, page, page_size)


def test_an_admin_makes_an_account_that_logs_in_and_is_answered_without_its_hash(store):
    made = create(store, username="zhang.wei", password=GOOD, role="staff", display_name="张伟 (二支部书记)")
    assert set(made) == {"id", "username", "display_name", "role", "branch_ids", "active", "created_at", "password_changed_at"}
    assert made["username"] == "zhang.wei" and made["role"] == "staff" and made["active"] is True
    assert made["display_name"] == "张伟 (二支部书记)"
    assert made["password_changed_at"] is None  # given by an admin, not chosen by its owner
    assert dt.datetime.fromisoformat(made["created_at"]).tzinfo is not None
    assert log_in(store, "zhang.wei", GOOD) == auth.Caller("zhang.wei", "staff")


def test_a_secretary_account_names_its_branches_and_no_other_role_does(store):
    made = create(store, username="wang.fang", password=GOOD, role="secretary", branch_ids=[3, 1, 3])
    assert made["branch_ids"] == [1, 3] and made["role"] == "secretary"
    for role, branch_ids in (("secretary", None), ("secretary", []), ("staff", [1]), ("viewer", [2])):
        data = {"branch_ids": branch_ids} if branch_ids is not None else {}
        with pytest.raises(InvalidInput) as excinfo:
            create(store, username=f"x.{role}", password=GOOD, role=role, **data)
        assert list(excinfo.value.fields) == ["branch_ids"], (role, branch_ids)
    staff = create(store, username="zhao.lei", password=GOOD, role="staff")
    assert staff["branch_ids"] is None
    with pytest.raises(InvalidInput):
        update(store, staff["id"], {"role": "secretary"})  # which branches?
    assert update(store, staff["id"], {"role": "secretary", "branch_ids": [2]})["branch_ids"] == [2]
    assert update(store, staff["id"], {"branch_ids": [2, 4]})["branch_ids"] == [2, 4]
    assert update(store, staff["id"], {"role": "viewer"})["branch_ids"] is None  # sees every branch again
    with pytest.raises(InvalidInput):
        update(store, made["id"], {"branch_ids": []})


def test_an_admin_account_can_be_made(store):
    create(store, username="li_na-2", password=GOOD, role="admin")
    assert log_in(store, "li_na-2", GOOD).role == "admin"


@pytest.mark.parametrize("username", ["ab", "x" * 51, "张伟", "zhang wei", "zhang@wei", "", "a/b"])
def test_a_username_is_3_to_50_ascii_letters_digits_dots_underscores_or_dashes(store, username):
    with pytest.raises(InvalidInput) as excinfo:
        create(store, username=username, password=GOOD)
    assert list(excinfo.value.fields) == ["username"]


@pytest.mark.parametrize("username", ["abc", "x" * 50, "Zhang.Wei", "007", "a_b-c.d"])
def test_these_usernames_are_accepted(store, username):
    assert create(store, username=username, password=GOOD)["username"] == username


def test_a_username_taken_is_409(store):
    create(store, username="zhang.wei", password=GOOD)
    with pytest.raises(Conflict) as excinfo:
        create(store, username="zhang.wei", password=GOOD + "x", role="admin")
    assert "username" in excinfo.value.fields


@pytest.mark.parametrize("username, password, reason", [
    ("zhang.wei", "short-pw1", "密码至少10位 (at least 10 characters)"),
    ("zhang.wei.", "Zhang.Wei.", "密码不能与用户名相同 (must not be the username)"),
    ("zhang.wei", "x" * 201, "密码至多200位 (at most 200 characters)"),
])
def test_a_new_accounts_password_follows_the_policy(store, username, password, reason):
    with pytest.raises(InvalidInput) as excinfo:
        create(store, username=username, password=password)
    assert excinfo.value.fields == {"password": [reason]}
    assert listing(store)["total"] == 0


@pytest.mark.parametrize("data, field", [
    ({"username": "abc", "password": GOOD, "role": "guest"}, "role"),
    ({"username": "abc", "password": GOOD}, "role"),
    ({"username": "abc", "role": "staff"}, "password"),
    ({"username": "abc", "password": GOOD, "role": "staff", "active": False}, "active"),
    ({"username": "abc", "password": GOOD, "role": "staff", "display_name": "x" * 101}, "display_name"),
])
def test_a_malformed_account_is_400(store, data, field):
    with pytest.raises(InvalidInput) as excinfo, store.transaction() as tx:
        handlers.create_account(tx.session, data, "admin")
    assert field in excinfo.value.fields


def test_accounts_are_listed_newest_first_or_by_username(store):
    make_admin(store, password="pw")
    for name in ("carol", "alice", "bob"):
        create(store, username=name, password=GOOD)
    newest = listing(store)
    assert [a["username"] for a in newest["items"]] == ["bob", "alice", "carol", "admin"]
    assert (newest["total"], newest["page"], newest["page_size"]) == (4, 1, 20)
    assert all("password_hash" not in a for a in newest["items"])
    by_name = listing(store, page=2, page_size=2, order="username")
    assert [a["username"] for a in by_name["items"]] == ["bob", "carol"]
    with pytest.raises(InvalidInput) as excinfo:
        listing(store, order="role")
    assert "order" in excinfo.value.fields


def test_an_admin_changes_role_display_name_and_activity(store):
    make_admin(store, password="pw")
    clerk = create(store, username="clerk", password=GOOD)
    changed = update(store, clerk["id"], {"role": "admin", "display_name": "王秘书"})
    assert (changed["role"], changed["display_name"], changed["active"]) == ("admin", "王秘书", True)
    assert update(store, clerk["id"], {"display_name": None})["display_name"] is None
    assert update(store, clerk["id"], {"active": False})["active"] is False


@pytest.mark.parametrize("data, field", [
    ({"role": "root"}, "role"), ({"active": "no"}, "active"), ({"active": 0}, "active"),
    ({"username": "other"}, "username"), ({"display_name": ""}, "display_name"),
])
def test_a_malformed_change_is_400(store, data, field):
    make_admin(store, password="pw")
    with pytest.raises(InvalidInput) as excinfo:
        update(store, 1, data)
    assert field in excinfo.value.fields


def test_changing_an_account_that_does_not_exist_is_404(store):
    with pytest.raises(NotFound):
        update(store, 99, {"display_name": "x"})


# -- the last active admin ----------------------------------------------------

@pytest.mark.parametrize("change, field", [({"active": False}, "active"), ({"role": "staff"}, "role")])
def test_the_last_active_admin_cannot_be_deactivated_or_demoted(store, change, field):
    make_admin(store, password="pw")
    create(store, username="clerk", password=GOOD)  # a staff account does not count
    with pytest.raises(Conflict) as excinfo:
        update(store, 1, change)
    assert field in excinfo.value.fields
    assert "最后一位在用的管理员" in excinfo.value.message
    assert listing(store, order="username")["items"][0]["role"] == "admin"


def test_an_inactive_admin_does_not_count_as_another_admin(store):
    make_admin(store, password="pw")
    second = create(store, username="second", password=GOOD, role="admin")
    update(store, second["id"], {"active": False})
    with pytest.raises(Conflict):
        update(store, 1, {"role": "staff"})


def test_with_another_active_admin_one_may_be_demoted_and_then_not_the_other(store):
    make_admin(store, password="pw")
    second = create(store, username="second", password=GOOD, role="admin")
    assert update(store, 1, {"role": "staff"})["role"] == "staff"
    with pytest.raises(Conflict):
        update(store, second["id"], {"active": False})
    # an admin's display name, or a change that keeps it an active admin, is always allowed
    assert update(store, second["id"], {"display_name": "主任", "role": "admin", "active": True})["display_name"] == "主任"


# -- passwords ----------------------------------------------------------------

def change_own(store, username, current, new, now=NOW):
    with store.transaction() as tx:
        return handlers.change_own_password(
            tx.session, username, {"current_password": current, "new_password": new}, now)


def set_password(store, account_id, new):
    with store.transaction() as tx:
        return handlers.set_password(tx.session, account_id, {"new_password": new}, "admin")


def test_an_account_changes_its_own_password(store):
    make_admin(store, password="initial-pw")
    assert change_own(store, "admin", "initial-pw", GOOD) == {"changed": True}
    assert log_in(store, "admin", GOOD).username == "admin"
    with pytest.raises(Unauthorized):
        log_in(store, "admin", "initial-pw")
    [admin] = listing(store)["items"]
    assert dt.datetime.fromisoformat(admin["password_changed_at"]) == NOW


def test_a_wrong_current_password_is_400_on_current_password(store):
    make_admin(store, password="initial-pw")
    with pytest.raises(InvalidInput) as excinfo:
        change_own(store, "admin", "not-it", GOOD)
    assert excinfo.value.fields == {"current_password": ["当前密码不正确 (wrong current password)"]}
    assert log_in(store, "admin", "initial-pw")


@pytest.mark.parametrize("new, reason", [
    ("short", "密码至少10位 (at least 10 characters)"),
    ("ADMIN", "密码不能与用户名相同 (must not be the username)"),
    ("current-password", "新密码不能与当前密码相同 (must differ from the current password)"),
])
def test_a_new_password_follows_the_policy_and_differs_from_the_current(store, new, reason):
    make_admin(store, password="current-password")
    with pytest.raises(InvalidInput) as excinfo:
        change_own(store, "admin", "current-password", new)
    assert reason in excinfo.value.fields["new_password"]
    assert "current_password" not in excinfo.value.fields


def test_both_fields_are_reported_at_once(store):
    make_admin(store, password="current-password")
    with pytest.raises(InvalidInput) as excinfo:
        change_own(store, "admin", "wrong", "short")
    assert set(excinfo.value.fields) == {"current_password", "new_password"}


def test_an_inactive_or_vanished_account_cannot_change_its_password(store):
    make_admin(store, password="pw")
    clerk = create(store, username="clerk", password=GOOD)
    update(store, clerk["id"], {"active": False})
    for username in ("clerk", "ghost"):
        with pytest.raises(Unauthorized):
            change_own(store, username, GOOD, GOOD + "-new")


def test_an_admin_sets_a_forgotten_password(store):
    make_admin(store, password="pw")
    clerk = create(store, username="clerk", password=GOOD)
    change_own(store, "clerk", GOOD, "chosen-by-clerk")
    assert set_password(store, clerk["id"], "given-by-admin") == {"changed": True}
    assert log_in(store, "clerk", "given-by-admin").username == "clerk"
    clerk_row = [a for a in listing(store)["items"] if a["username"] == "clerk"][0]
    assert clerk_row["password_changed_at"] is None  # given again: the owner should choose one


def test_a_password_an_admin_sets_follows_the_policy(store):
    make_admin(store, password="pw")
    clerk = create(store, username="clerk", password=GOOD)
    with pytest.raises(InvalidInput) as excinfo:
        set_password(store, clerk["id"], "short")
    assert excinfo.value.fields == {"new_password": ["密码至少10位 (at least 10 characters)"]}
    with pytest.raises(NotFound):
        set_password(store, 99, GOOD)

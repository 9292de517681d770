"""Login throttling: 5 failed logins for a username within 15 minutes lock it for 15 minutes
(from that client address); 20 from one address lock the address, 100 for a username from any
addresses lock the username. The client address behind a trusted proxy; common passwords refused.

The clock is passed in: ``handlers.log_in(store, data, now, address)``.
"""
import datetime as dt
import types

import pytest

from gateway import accounts, addresses, handlers
from gateway.errors import TooManyAttempts, Unauthorized
from gateway.models import Base, LoginThrottle
from wuji_infra.errors import InvalidInput
from wuji_infra.testing import in_memory_store

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
PASSWORD = "正确的密码 right-pw"
A, B = "203.0.113.7", "198.51.100.20"


def minutes(n):
    return dt.timedelta(minutes=n)


@pytest.fixture
def store():
    store = in_memory_store("gateway", Base.metadata)
    with store.transaction() as tx:
        handlers.ensure_admin(tx.session, "admin", PASSWORD)
    return store


def log_in(store, password, now, username="admin"):
    return handlers.log_in(store, {"username": username, "password": password}, now)


def fail(store, now, times=1, username="admin"):
    for _ in range(times):
        with pytest.raises(Unauthorized):
            log_in(store, "wrong", now, username)


def test_five_failures_lock_the_username_for_15_minutes_even_with_the_right_password(store):
    fail(store, T0, times=4)
    fail(store, T0 + minutes(14))  # the fifth, within 15 minutes of the first
    with pytest.raises(TooManyAttempts) as excinfo:
        log_in(store, PASSWORD, T0 + minutes(14) + dt.timedelta(seconds=1))
    assert excinfo.value.code == "too_many_attempts"
    assert "15分钟后再试" in excinfo.value.message and "try again in 15 minutes" in excinfo.value.message
    assert excinfo.value.retry_after == 15 * 60 - 1
    with pytest.raises(TooManyAttempts) as excinfo:  # still locked a second before the end
        log_in(store, PASSWORD, T0 + minutes(29) - dt.timedelta(seconds=1))
    assert excinfo.value.retry_after == 1


def test_the_lock_ends_after_15_minutes(store):
    fail(store, T0, times=5)
    assert log_in(store, PASSWORD, T0 + minutes(15)).username == "admin"


def test_after_the_lock_the_count_starts_again(store):
    fail(store, T0, times=5)
    fail(store, T0 + minutes(15), times=4)  # four more after the lock: 401, not 429
    fail(store, T0 + minutes(16))
    with pytest.raises(TooManyAttempts):
        log_in(store, PASSWORD, T0 + minutes(16))


def test_refused_attempts_do_not_extend_the_lock(store):
    fail(store, T0, times=5)
    for minute in range(1, 15):
        with pytest.raises(TooManyAttempts):
            log_in(store, "wrong", T0 + minutes(minute))
    assert log_in(store, PASSWORD, T0 + minutes(15))


def test_a_successful_login_clears_the_count(store):
    fail(store, T0, times=4)
    assert log_in(store, PASSWORD, T0 + minutes(1))
    fail(store, T0 + minutes(2), times=4)
    assert log_in(store, PASSWORD, T0 + minutes(3))
    with store.read() as session:
        assert session.query(LoginThrottle).count() == 0


def test_the_fifth_attempt_may_still_be_the_right_password(store):
    fail(store, T0, times=4)
    assert log_in(store, PASSWORD, T0 + minutes(1))


def test_failures_more_than_15_minutes_apart_do_not_add_up(store):
    fail(store, T0, times=4)
    fail(store, T0 + minutes(15), times=4)  # a new window
    assert log_in(store, PASSWORD, T0 + minutes(16))


def test_an_unknown_username_is_locked_like_a_real_one(store):
    fail(store, T0, times=5, username="nobody")
    with pytest.raises(TooManyAttempts):
        log_in(store, "anything", T0, username="nobody")
    assert log_in(store, PASSWORD, T0).username == "admin"  # other usernames are not affected


def test_a_wrong_password_for_an_inactive_account_counts_and_the_right_one_does_not_clear(store):
    with store.transaction() as tx:
        handlers.create_account(tx.session, {"username": "clerk", "password": PASSWORD, "role": "staff"}, "admin")
        clerk_id = handlers.list_accounts(tx.session, {"order": "username"}, 1, 20)["items"][1]["id"]
        handlers.update_account(tx.session, clerk_id, {"active": False}, "admin")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            log_in(store, PASSWORD, T0, username="clerk")
    with pytest.raises(TooManyAttempts):
        log_in(store, PASSWORD, T0, username="clerk")


def test_an_admin_setting_the_password_lifts_the_lock(store):
    with store.transaction() as tx:
        clerk = handlers.create_account(
            tx.session, {"username": "clerk", "password": PASSWORD, "role": "staff"}, "admin")
    fail(store, T0, times=5, username="clerk")
    with store.transaction() as tx:
        handlers.set_password(tx.session, clerk["id"], {"new_password": "a-new-given-pw"}, "admin")
    assert log_in(store, "a-new-given-pw", T0 + minutes(1), username="clerk").username == "clerk"


def test_counts_of_other_usernames_are_forgotten_once_over(store):
    fail(store, T0, times=2, username="typo1")
    fail(store, T0 + minutes(10), times=5, username="typo2")  # locked until T0 + 25
    fail(store, T0 + minutes(20), username="admin")  # typo1's window is over, typo2 still locked
    with store.read() as session:
        assert sorted(row.username for row in session.query(LoginThrottle)) == ["admin", "typo2"]
    fail(store, T0 + minutes(30), username="admin")
    with store.read() as session:
        assert [row.username for row in session.query(LoginThrottle)] == ["admin"]


# -- the rule alone, on a plain object ------------------------------------------

def entry(failures=0, window_started_at=T0, locked_until=None):
    return types.SimpleNamespace(failures=failures, window_started_at=window_started_at, locked_until=locked_until)


def test_count_attempt_locks_at_the_fifth():
    state = entry()
    for expected in range(1, 5):
        accounts.count_attempt(state, T0)
        assert (state.failures, state.locked_until) == (expected, None)
    accounts.count_attempt(state, T0 + minutes(3))
    assert state.locked_until == T0 + minutes(18)


def test_count_attempt_refuses_without_counting_while_locked():
    state = entry(failures=5, locked_until=T0 + minutes(15))
    with pytest.raises(TooManyAttempts):
        accounts.count_attempt(state, T0 + minutes(10))
    assert state.failures == 5


def test_count_attempt_starts_a_new_window_when_the_old_is_over():
    state = entry(failures=4)
    accounts.count_attempt(state, T0 + minutes(15))
    assert (state.failures, state.window_started_at) == (1, T0 + minutes(15))


def test_an_attempt_is_counted_before_its_password_is_checked(store, monkeypatch):
    """So that attempts sent all at once cannot each be checked before any is counted."""
    seen = []

    def verify(password_hash, password):
        with store.read() as session:
            seen.append(session.get(LoginThrottle, "admin").failures)
        return password == PASSWORD

    monkeypatch.setattr(handlers.auth, "verify_password", verify)
    fail(store, T0, times=2)
    assert log_in(store, PASSWORD, T0)
    assert seen == [1, 2, 3]


# -- by client address ---------------------------------------------------------------------

def log_in_from(store, password, address, username="admin", now=T0):
    return handlers.log_in(store, {"username": username, "password": password}, now, address)


def fail_from(store, address, times=1, username="admin", now=T0):
    for _ in range(times):
        with pytest.raises(Unauthorized):
            log_in_from(store, "wrong", address, username, now)


def test_a_strangers_wrong_guesses_do_not_lock_the_user_out_from_another_address(store):
    fail_from(store, A, times=5)
    with pytest.raises(TooManyAttempts) as excinfo:
        log_in_from(store, PASSWORD, A)  # the stranger's address is locked for this username
    assert "username" in excinfo.value.fields
    assert log_in_from(store, PASSWORD, B).username == "admin"
    with pytest.raises(TooManyAttempts):  # and the user's login does not unlock the stranger
        log_in_from(store, PASSWORD, A)


def test_twenty_failures_across_usernames_from_one_address_lock_that_address(store):
    for n in range(20):  # four per username: no username is locked by itself
        fail_from(store, A, username=f"user{n // 4}")
    with pytest.raises(TooManyAttempts) as excinfo:
        log_in_from(store, PASSWORD, A)
    assert "此地址登录失败次数过多" in excinfo.value.message and "from this address" in excinfo.value.message
    assert list(excinfo.value.fields) == ["address"] and excinfo.value.retry_after == 15 * 60
    assert log_in_from(store, PASSWORD, B).username == "admin"
    assert log_in_from(store, PASSWORD, A, now=T0 + dt.timedelta(minutes=15)).username == "admin"


def test_a_login_that_works_is_not_counted_against_its_address(store):
    fail_from(store, A, times=4)
    for n in range(3):
        fail_from(store, A, times=4, username=f"typo{n}")  # 16 failures
    for _ in range(3):
        log_in_from(store, PASSWORD, A)
    fail_from(store, A, times=3)  # the 19th failure: 401, not 429
    log_in_from(store, PASSWORD, A)


def test_a_hundred_failures_from_many_addresses_lock_the_username_everywhere(store):
    for n in range(25):
        fail_from(store, f"10.0.0.{n}", times=4)
    with pytest.raises(TooManyAttempts) as excinfo:
        log_in_from(store, PASSWORD, B)
    assert "username" in excinfo.value.fields
    assert log_in_from(store, PASSWORD, B, now=T0 + dt.timedelta(minutes=15)).username == "admin"


def test_limits():
    assert (accounts.MAX_FAILURES, accounts.MAX_ADDRESS_FAILURES, accounts.MAX_USERNAME_FAILURES) == (5, 20, 100)


# -- the client address ---------------------------------------------------------------

def request(peer, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return types.SimpleNamespace(remote_addr=peer, headers=headers)


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    (A, None, "", A),
    (A, "1.2.3.4", "", A),                                   # no trusted proxy: the header is anyone's
    ("10.0.0.5", "1.2.3.4", "192.168.0.0/16", "10.0.0.5"),   # a peer that is not a trusted proxy
    ("10.0.0.5", "1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
    ("10.0.0.5", "6.6.6.6, 1.2.3.4", "10.0.0.0/8", "1.2.3.4"),  # the client cannot choose its address
    ("10.0.0.5", "1.2.3.4, 10.0.0.9", "10.0.0.0/8", "1.2.3.4"),  # two proxies of ours
    ("10.0.0.5", None, "10.0.0.5", "10.0.0.5"),
    ("::1", "2001:db8::1", "::1, 10.0.0.1", "2001:db8::1"),
])
def test_the_client_address(peer, forwarded, trusted, expected):
    assert addresses.client_address(request(peer, forwarded), addresses.trusted_proxies(trusted)) == expected


def test_a_bad_trusted_proxy_is_refused():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES: 'proxy.example'"):
        addresses.trusted_proxies("10.0.0.1, proxy.example")


# -- common passwords ---------------------------------------------------------------------

@pytest.mark.parametrize("password", ["woaini1314", "1234567890", "Password123", "qwertyuiop", "a123456789"])
def test_common_passwords_are_refused_when_an_account_is_made(store, password):
    with pytest.raises(InvalidInput) as excinfo:
        with store.transaction() as tx:
            handlers.create_account(tx.session, {"username": "clerk", "password": password, "role": "staff"}, "admin")
    assert excinfo.value.fields == {"password": [accounts.COMMON]}
    assert accounts.COMMON.startswith("常见密码") and "commonly used" in accounts.COMMON


def test_common_passwords_are_refused_when_a_password_is_set_or_changed(store):
    with store.transaction() as tx:
        clerk = handlers.create_account(
            tx.session, {"username": "clerk", "password": "二支部书记的密码 pw", "role": "staff"}, "admin")
    with pytest.raises(InvalidInput) as excinfo:
        with store.transaction() as tx:
            handlers.set_password(tx.session, clerk["id"], {"new_password": "1qaz2wsx3edc"}, "admin")
    assert excinfo.value.fields == {"new_password": [accounts.COMMON]}
    with pytest.raises(InvalidInput) as excinfo:
        with store.transaction() as tx:
            handlers.change_own_password(tx.session, "clerk", {"current_password": "二支部书记的密码 pw",
                                                               "new_password": "woaini1314"}, T0)
    assert excinfo.value.fields == {"new_password": [accounts.COMMON]}


def test_the_list_holds_the_commonest_chinese_usage_ones():
    for password in ["123456", "888888", "woaini1314", "qwerty", "password", "admin123", "5201314", "1qaz2wsx"]:
        assert accounts.COMMON in accounts.new_password_problems(password, "clerk")
    assert accounts.new_password_problems("秋天的北山街 1949", "clerk") == []

"""What the gateway does itself, as plain functions: accounts, logins and health.

Everything else it forwards to a service (service.py).
"""
import logging
import secrets

import eventlet
import sqlalchemy as sa

from gateway import accounts, auth
from gateway.errors import Unauthorized
from gateway.models import Account, AddressThrottle, LoginThrottle, PairThrottle
from gateway.schemas import ACCOUNT_OUT, AccountChange, AccountIn, PasswordChange, PasswordSet, TokenIn
from wuji_infra import migrations
from wuji_infra.db import insert_unless_present
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.validation import load, page_of

audit = logging.getLogger("wuji.audit")  # who changed which account; never a password

HEALTH_DEADLINE_SECONDS = 2.0
UNKNOWN_ADDRESS = "unknown"


def ensure_admin(session, username, password=None):
    """Make the admin account ``username`` unless it exists.

    Returns the generated password when ``password`` is None and the account
    was made now (the caller shows it once), else None.
    """
    if session.scalar(sa.select(Account.id).where(Account.username == username)):
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    session.add(Account(username=username, password_hash=auth.hash_password(password), role="admin"))
    session.flush()
    return generated


def log_in(store, data, now, address=None):
    """The account that ``{"username", "password"}`` names; one answer (401) for
    a wrong password, an unknown user and an inactive account; 429 while the
    username at the client ``address``, the address, or the username is locked
    (accounts.count_attempt)."""
    values = load(TokenIn(), data)
    username, address = values["username"], (address or UNKNOWN_ADDRESS)[:64]
    with store.transaction() as tx:
        _count_attempt(tx.session, username, address, now)
        account = tx.session.scalar(sa.select(Account).where(Account.username == username))
    # argon2 runs outside any transaction: no lock is held while it works
    if account is None:
        valid = auth.verify_no_account(values["password"])
    else:
        valid = auth.verify_password(account.password_hash, values["password"]) and account.active
    if not valid:
        raise Unauthorized("用户名或密码错误 (wrong username or password)")
    with store.transaction() as tx:
        tx.session.execute(sa.delete(PairThrottle).where(PairThrottle.username == username,
                                                         PairThrottle.address == address))
        tx.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.username == username))
        # the address keeps its earlier failures: a login that works is just not one of them
        tx.session.execute(sa.update(AddressThrottle).where(
            AddressThrottle.address == address, AddressThrottle.failures > 0)
            .values(failures=AddressThrottle.failures - 1))
    return auth.Caller(account.username, account.role, account.token_version)


def _count_attempt(session, username, address, now):
    counts = [  # always locked in this order, so that two logins never wait for each other in a circle
        (AddressThrottle, {"address": address}, accounts.MAX_ADDRESS_FAILURES, "address"),
        (PairThrottle, {"username": username, "address": address}, accounts.MAX_FAILURES, "username"),
        (LoginThrottle, {"username": username}, accounts.MAX_USERNAME_FAILURES, "username"),
    ]
    for model, key, limit, field in counts:
        # forget the counts whose window and lockout are over
        session.execute(sa.delete(model).where(
            sa.not_(sa.and_(*(getattr(model, name) == value for name, value in key.items()))),
            model.window_started_at < now - accounts.WINDOW,
            sa.or_(model.locked_until.is_(None), model.locked_until <= now)))
        # the row exists first, then is locked: two gateway processes counting the
        # same key wait for each other instead of both writing the same count
        session.execute(insert_unless_present(session, model.__table__),
                        {**key, "failures": 0, "window_started_at": now, "locked_until": None})
        entry = session.scalar(sa.select(model).filter_by(**key).with_for_update())
        accounts.count_attempt(entry, now, limit, field)  # raises TooManyAttempts: the transaction rolls back


# -- accounts, managed by admins ----------------------------------------------

def create_account(session, data, created_by):
    """A new account from ``{"username", "password", "role", "display_name"?, "branch_ids"?}``."""
    values = load(AccountIn(), data)
    _check_branches(values["role"], values.get("branch_ids"))
    _check_password("password", values["password"], values["username"])
    if session.scalar(sa.select(Account.id).where(Account.username == values["username"])):
        raise _username_taken()
    account = Account(username=values["username"], role=values["role"],
                      display_name=values.get("display_name"),
                      branch_ids=accounts.stored_branches(values["role"], values.get("branch_ids")),
                      password_hash=auth.hash_password(values["password"]))
    session.add(account)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # made by another request at the same moment
        raise _username_taken() from None
    audit.info("account %s (%s) created by %s", account.username, account.role, created_by)
    return ACCOUNT_OUT.dump(account)


def list_accounts(session, query, page, page_size):
    """Accounts a page at a time, ``order`` ``newest`` (the default) or ``username``."""
    order = query.get("order", "newest")
    orders = {"newest": (Account.created_at.desc(), Account.id.desc()), "username": (Account.username,)}
    if order not in orders:
        raise InvalidInput("排序方式有误 (unknown order)",
                           {"order": ["应为 newest 或 username (newest or username)"]})
    return page_of(session, sa.select(Account).order_by(*orders[order]), ACCOUNT_OUT.dump, page, page_size)


def update_account(session, account_id, data, changed_by):
    """Change ``{"role"?, "branch_ids"?, "display_name"?, "active"?}``; never the last active
    admin's role or activity. The branches go with the role: a secretary always has some."""
    values = load(AccountChange(), data)
    account = _account(session, account_id)
    if "role" in values or "branch_ids" in values:
        role = values.get("role", account.role)
        branch_ids = values.get("branch_ids", account.branch_ids if role == account.role else None)
        _check_branches(role, branch_ids)
        values["branch_ids"] = accounts.stored_branches(role, branch_ids)
    if accounts.takes_away_an_admin(account, values):
        # every active admin row locked, in one order: of two admins taken away at
        # the same moment, the second waits and then counts without the first
        admins = session.scalars(
            sa.select(Account.id).where(Account.role == "admin", Account.active.is_(True))
            .order_by(Account.id).with_for_update()).all()
        if len(admins) <= 1:
            field = "active" if values.get("active") is False else "role"
            raise Conflict(accounts.LAST_ADMIN, {field: [accounts.LAST_ADMIN]})
    for name, value in values.items():
        setattr(account, name, value)
    session.flush()
    audit.info("account %s changed by %s: %s", account.username, changed_by,
               ", ".join(f"{name}={value!r}" for name, value in sorted(values.items())) or "nothing")
    return ACCOUNT_OUT.dump(account)


def set_password(session, account_id, data, set_by):
    """An admin gives account ``account_id`` a new password (its owner forgot it);
    the username's failed logins are forgotten with it."""
    values = load(PasswordSet(), data)
    account = _account(session, account_id)
    _check_password("new_password", values["new_password"], account.username)
    account.password_hash = auth.hash_password(values["new_password"])
    account.password_changed_at = None  # given, not chosen: the owner should change it
    account.token_version += 1
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.username == account.username))
    session.execute(sa.delete(PairThrottle).where(PairThrottle.username == account.username))
    session.flush()
    audit.info("password of account %s set by %s", account.username, set_by)
    return {"changed": True}


def own_account(session, username):
    """The logged-in account as it is now: what a front end shows and which screens it offers."""
    account = session.scalar(sa.select(Account).where(Account.username == username))
    if account is None or not account.active:  # the token outlived the account
        raise Unauthorized("账号不存在或已停用 (the account is gone or inactive)")
    return ACCOUNT_OUT.dump(account)


def change_own_password(session, username, data, now):
    """The logged-in account ``username`` changes its password:
    ``{"current_password", "new_password"}``."""
    values = load(PasswordChange(), data)
    account = session.scalar(sa.select(Account).where(Account.username == username))
    if account is None or not account.active:  # the token outlived the account
        raise Unauthorized("账号不存在或已停用 (the account is gone or inactive)")
    problems = {}
    reasons = accounts.new_password_problems(values["new_password"], username, current=values["current_password"])
    if reasons:
        problems["new_password"] = reasons
    if not auth.verify_password(account.password_hash, values["current_password"]):
        problems["current_password"] = ["当前密码不正确 (wrong current password)"]
    if problems:
        raise InvalidInput("输入有误 (invalid input)", problems)
    account.password_hash = auth.hash_password(values["new_password"])
    account.password_changed_at = now
    account.token_version += 1
    session.flush()
    audit.info("password of account %s changed by its owner", username)
    return {"changed": True}


def _account(session, account_id):
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"账号 {account_id} 不存在 (no such account)")
    return account


def _check_password(field, password, username):
    reasons = accounts.new_password_problems(password, username)
    if reasons:
        raise InvalidInput("密码不符合要求 (the password does not meet the policy)", {field: reasons})


def _check_branches(role, branch_ids):
    problem = accounts.branches_problem(role, branch_ids)
    if problem:
        raise InvalidInput(problem, {"branch_ids": [problem]})


def _username_taken():
    return Conflict("用户名已存在 (the username is taken)", {"username": ["已被使用 (taken)"]})


def readiness(store, amqp_uri, timeout=HEALTH_DEADLINE_SECONDS):
    """Whether the gateway can serve: its database answers and is at the newest migration, and the
    broker takes a connection. ``(ready, {"database", "migrations", "broker": "ok" | why not})``.
    The services are not asked: one down makes answers 503, not the gateway unready."""
    from kombu import Connection

    checks = {}
    try:
        with store.read() as session:
            session.execute(sa.text("SELECT 1"))
            checks["database"] = "ok"
            checks["migrations"] = "ok" if migrations.at_head("gateway", session) else "behind"
    except Exception as exc:
        checks["database"], checks["migrations"] = f"down: {type(exc).__name__}", "unknown"
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"down: {type(exc).__name__}"
    return all(state == "ok" for state in checks.values()), checks


def health(clients, deadline=HEALTH_DEADLINE_SECONDS):
    """Ping every service at once: ``{"status": "ok" | "degraded", "services": {name: "ok" | "down"}}``."""

    def probe(name):
        try:
            answer = clients[name].with_deadline(deadline).ping()
        except Exception:
            return name, "down"
        return name, "ok" if isinstance(answer, dict) and answer.get("status") == "ok" else "down"

    services = dict(eventlet.GreenPool(len(clients) or 1).imap(probe, sorted(clients)))
    status = "ok" if all(state == "ok" for state in services.values()) else "degraded"
    return {"status": status, "services": services}

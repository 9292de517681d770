"""What the gateway does itself, as plain functions: accounts and health.

Everything else it forwards to a service (service.py).
"""
import secrets

import eventlet
import sqlalchemy as sa

from gateway import auth
from gateway.errors import Unauthorized
from gateway.models import Account
from gateway.schemas import TokenIn
from wuji_infra.validation import load

HEALTH_DEADLINE_SECONDS = 2.0


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


def authenticate(session, data):
    """The account that ``{"username", "password"}`` names; one answer for a
    wrong password and an unknown user."""
    values = load(TokenIn(), data)
    account = session.scalar(sa.select(Account).where(Account.username == values["username"]))
    if account is None:
        valid = auth.verify_no_account(values["password"])
    else:
        valid = auth.verify_password(account.password_hash, values["password"])
    if not valid:
        raise Unauthorized("用户名或密码错误 (wrong username or password)")
    return auth.Caller(account.username, account.role)


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

"""The account behind a token, as it is now: read on every request that needs a token.

A token says who logged in, with which role, under which token version. The
account may have changed since: deactivated, given another role, a new password.
One read by username (unique, so indexed) tells, before any worker starts.
"""
import sqlalchemy as sa

from gateway.errors import Unauthorized
from gateway.models import Account

# on the table, not the ORM class: a plain statement, compiled once and cached (it runs on every request)
_ACCOUNTS = Account.__table__
_ACCOUNT = sa.select(_ACCOUNTS.c.role, _ACCOUNTS.c.active, _ACCOUNTS.c.token_version, _ACCOUNTS.c.branch_ids).where(
    _ACCOUNTS.c.username == sa.bindparam("username"))

NO_LONGER_VALID = "登录已失效, 请重新登录 (the account was deactivated or its password changed: log in again)"


def current_caller(store, caller):
    """``caller`` with its account's current role; Unauthorized (401) when the account is
    gone or inactive, or its password changed after the token was issued."""
    with store.read() as session:
        account = session.execute(_ACCOUNT, {"username": caller.username}).one_or_none()
    if account is None or not account.active or account.token_version != caller.version:
        raise Unauthorized(NO_LONGER_VALID)
    return caller._replace(role=account.role, branch_ids=account.branch_ids)

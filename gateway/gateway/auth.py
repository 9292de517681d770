"""Who may call what: passwords, tokens, and the table of routes and roles.

Plain functions, no nameko: web.py asks ``authenticate`` before a worker
starts, handlers.py hashes and checks passwords.
"""
import collections
import os
import secrets
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

from gateway.errors import Forbidden, Unauthorized
from wuji_infra import config

ROLES = ("admin", "staff")
STAFF = frozenset(ROLES)  # the office's staff, and the admins
ADMIN = frozenset({"admin"})
PUBLIC = None             # no token needed

# "METHOD path" exactly as in service.py's @http -> the roles that may call it.
# A route missing here is refused to everyone (403); a test checks the table
# and the service's routes agree.
PERMISSIONS = {
    "GET /health": PUBLIC,
    "POST /api/v1/auth/token": PUBLIC,
    # accounts: each changes its own password; only admins make and change accounts
    "POST /api/v1/auth/password": STAFF,
    "POST /api/v1/accounts": ADMIN,
    "GET /api/v1/accounts": ADMIN,
    "PATCH /api/v1/accounts/<id:account_id>": ADMIN,
    "POST /api/v1/accounts/<id:account_id>/password": ADMIN,
    "POST /api/v1/branches": STAFF,
    "GET /api/v1/branches": STAFF,
    "GET /api/v1/branches/<id:branch_id>": STAFF,
    "POST /api/v1/members": STAFF,
    "GET /api/v1/members": STAFF,
    "GET /api/v1/members/<id:member_id>": STAFF,
    "PATCH /api/v1/members/<id:member_id>": STAFF,
    # health facts are sensitive: every read is logged (logger wuji.audit)
    "POST /api/v1/members/<id:member_id>/health-events": STAFF,
    "GET /api/v1/members/<id:member_id>/health-events": STAFF,
    "POST /api/v1/study-sessions": STAFF,
    "GET /api/v1/study-sessions": STAFF,
    "GET /api/v1/study-sessions/<id:session_id>": STAFF,
    "POST /api/v1/study-sessions/<id:session_id>/catch-ups": STAFF,
    "GET /api/v1/study-absences": STAFF,
    "GET /api/v1/study-compliance": STAFF,
    "POST /api/v1/contacts": STAFF,
    "GET /api/v1/contacts": STAFF,
    "GET /api/v1/contacts/coverage": STAFF,
    "POST /api/v1/activities": STAFF,
    "GET /api/v1/activities": STAFF,
    "GET /api/v1/activities/<id:activity_id>": STAFF,
    "POST /api/v1/bulletins": STAFF,
    "GET /api/v1/bulletins": STAFF,
    "GET /api/v1/bulletins/<id:bulletin_id>": STAFF,
    "GET /api/v1/bulletin-gaps": STAFF,
    "POST /api/v1/review-meetings": STAFF,
    "GET /api/v1/review-meetings": STAFF,
    "GET /api/v1/review-meetings/<id:meeting_id>": STAFF,
    "GET /api/v1/experts": STAFF,
    "GET /api/v1/activity-statistics": STAFF,
    # who read whose health events: for admins (the office's supervisors)
    "GET /api/v1/members/<id:member_id>/health-reads": ADMIN,
    "GET /api/v1/members/<id:member_id>/history": STAFF,
    "POST /api/v1/members/<id:member_id>/transfers": STAFF,
    "GET /api/v1/members/<id:member_id>/transfers": STAFF,
    "POST /api/v1/branches/<id:branch_id>/terms": STAFF,
    "GET /api/v1/branches/<id:branch_id>/terms": STAFF,
    "GET /api/v1/branches/<id:branch_id>/committee": STAFF,
    "POST /api/v1/members/<id:member_id>/honors": STAFF,
    "GET /api/v1/honors": STAFF,
    "GET /api/v1/members/figures": STAFF,
    "GET /api/v1/members/import-template": STAFF,
    "POST /api/v1/members/imports": STAFF,
    "GET /api/v1/members/imports/<id:job_id>": STAFF,
    "GET /api/v1/members/imports/<id:job_id>/errors": STAFF,
    "GET /api/v1/members/imports/<id:job_id>/errors.xlsx": STAFF,
    "GET /api/v1/members/export": STAFF,
    "POST /api/v1/members/<id:member_id>/social-roles": STAFF,
    "POST /api/v1/members/<id:member_id>/engagements": STAFF,
    "GET /api/v1/members/<id:member_id>/engagements": STAFF,
    "GET /api/v1/members/<id:member_id>/social-roles": STAFF,
    "GET /api/v1/visit-tasks": STAFF,
    "GET /api/v1/visit-tasks/<id:task_id>": STAFF,
    "POST /api/v1/visit-tasks/<id:task_id>/complete": STAFF,
    "POST /api/v1/visit-tasks/<id:task_id>/cancel": STAFF,
    "PUT /api/v1/visit-tasks/<id:task_id>/assignee": STAFF,
    "POST /api/v1/visitors": STAFF,
    "GET /api/v1/visitors": STAFF,
    "GET /api/v1/pairings": STAFF,
    "POST /api/v1/pairings": STAFF,
    "GET /api/v1/pairings/<id:pairing_id>": STAFF,
    "POST /api/v1/pairings/<id:pairing_id>/end": STAFF,
    "POST /api/v1/pairings/<id:pairing_id>/talks": STAFF,
    "GET /api/v1/unpaired-members": STAFF,
    "GET /api/v1/festival-policies": STAFF,
    "PUT /api/v1/festival-policies/<festival>": STAFF,
    "POST /api/v1/festival-batches": STAFF,
    "POST /api/v1/help-cases": STAFF,
    "GET /api/v1/help-cases": STAFF,
    "GET /api/v1/help-cases/<id:case_id>": STAFF,
    "PUT /api/v1/help-cases/<id:case_id>/assignee": STAFF,
    "POST /api/v1/help-cases/<id:case_id>/notes": STAFF,
    "POST /api/v1/help-cases/<id:case_id>/close": STAFF,
    "GET /api/v1/subsidy-checks": STAFF,
    "POST /api/v1/subsidy-checks/<id:check_id>/approve": STAFF,
    "POST /api/v1/subsidy-checks/<id:check_id>/reject": STAFF,
    "POST /api/v1/funding/budgets": STAFF,
    "GET /api/v1/funding/budgets": STAFF,
    "POST /api/v1/funding/budgets/<id:budget_id>/reverse": STAFF,
    "GET /api/v1/funding/balances": STAFF,
    "POST /api/v1/funding/expenses": STAFF,
    "GET /api/v1/funding/expenses/<id:expense_id>": STAFF,
    "POST /api/v1/funding/expenses/<id:expense_id>/reverse": STAFF,
    "GET /api/v1/funding/ledger": STAFF,
    "GET /api/v1/funding/policy": STAFF,
    # the allocation policy says where the money goes: only an admin changes it
    "PUT /api/v1/funding/policy": ADMIN,
    "GET /api/v1/funding/policy/history": STAFF,
    "POST /api/v1/funding/dues/rates": STAFF,
    "GET /api/v1/funding/dues/rates": STAFF,
    "POST /api/v1/funding/dues/adjustments": STAFF,
    "POST /api/v1/funding/dues/payments": STAFF,
    "GET /api/v1/funding/dues/payments": STAFF,
    "GET /api/v1/funding/dues/arrears": STAFF,
    "GET /api/v1/funding/statement": STAFF,
}

TOKEN_SECONDS = 8 * 3600
TOKEN_ALGORITHM = "HS256"
SECRET_FILE = "jwt_secret"

Caller = collections.namedtuple("Caller", "username role")

_hasher = PasswordHasher()  # argon2id with the library's recommended cost


# -- passwords ----------------------------------------------------------------
# argon2 takes tens of milliseconds of CPU on purpose: run it in a real thread
# (the C code releases the GIL) so the eventlet hub keeps serving requests.

def hash_password(password):
    return tpool.execute(_hasher.hash, password)


def verify_password(password_hash, password):
    try:
        return tpool.execute(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hash = None


def verify_no_account(password):
    """Spend the time a real check takes, so a wrong username answers no faster
    than a wrong password. Always False."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    verify_password(_dummy_hash, password)
    return False


# -- tokens -------------------------------------------------------------------

def issue_token(secret, username, role, now=None):
    now = int(time.time() if now is None else now)
    claims = {"sub": username, "role": role, "iat": now, "exp": now + TOKEN_SECONDS}
    return {
        "access_token": jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM),
        "token_type": "bearer",
        "expires_in": TOKEN_SECONDS,
    }


def read_token(secret, token):
    """The caller a token names; Unauthorized when it is forged, expired or malformed."""
    try:
        claims = jwt.decode(token, secret, algorithms=[TOKEN_ALGORITHM],
                            options={"require": ["exp", "iat", "sub", "role"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("登录已过期, 请重新登录 (the token has expired)")
    except jwt.InvalidTokenError:
        raise Unauthorized("令牌无效 (invalid token)")
    return Caller(str(claims["sub"]), str(claims["role"]))


def bearer_token(authorization):
    """The token of an ``Authorization: Bearer <token>`` header value."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录 (send Authorization: Bearer <token>)")
    return token.strip()


def authorize(caller, route):
    if caller.role not in (PERMISSIONS.get(route) or ()):
        raise Forbidden("无权进行此操作 (your role may not do this)")


def authenticate(secret, route, authorization):
    """The caller of ``route`` given its Authorization header, or None for a
    public route; Unauthorized (401) or Forbidden (403) otherwise."""
    if route in PERMISSIONS and PERMISSIONS[route] is PUBLIC:
        return None
    caller = read_token(secret, bearer_token(authorization))
    authorize(caller, route)
    return caller


# -- the signing secret -------------------------------------------------------

def signing_secret():
    """JWT_SECRET, or a secret generated once and kept in var/jwt_secret (mode 0600)."""
    configured = config.env("JWT_SECRET")
    if configured:
        return configured
    path = os.path.join(config.var_dir(), SECRET_FILE)
    if not os.path.exists(path):
        _write_once(path, secrets.token_urlsafe(48))
    with open(path, encoding="ascii") as file:
        return file.read().strip()


def _write_once(path, text):
    """Write ``path`` whole, unless another process got there first."""
    scratch = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(scratch, path)  # atomic, and fails when the file exists
        except FileExistsError:
            pass
    finally:
        os.unlink(scratch)

"""Who may call what: passwords, tokens, the roles and the check of a route's roles.

Plain functions, no nameko: web.py asks ``authenticate`` before a worker
starts, handlers.py hashes and checks passwords.
"""
import collections
import secrets
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

from gateway.errors import Forbidden, Unauthorized
from wuji_infra import access, config

ROLES = access.ROLES
ADMIN = frozenset({access.ADMIN})
STAFF = frozenset({access.ADMIN, access.STAFF})  # the office: every branch, every write
# reads: the office, the leadership (viewer, masked) and the approver of money, every branch;
# a secretary only their branches (the services scope what they answer)
READERS = frozenset(ROLES)
OFFICE_READERS = READERS - {access.SECRETARY}   # office-wide figures and money: not a branch's
BRANCH_WRITERS = STAFF | {access.SECRETARY}    # a branch's daily work: the office, or its secretary
APPROVERS = STAFF | {access.APPROVER}          # money approvals (funding decides, by policy, who of them)
ANY_ACCOUNT = READERS                          # what every account does for itself (its password)


class _Public:
    """Who may call a route that needs no token: said out loud, never by leaving roles out."""

    def __repr__(self):
        return "PUBLIC"


PUBLIC = _Public()

# Each route declares its roles once, in gateway/routes/; a route without them
# is refused at import, and a role set that is None here is refused to everyone.


TOKEN_SECONDS = 8 * 3600
TOKEN_ALGORITHM = "HS256"
SECRET_FILE = "jwt_secret"

# version: the account's token version the token was issued under (access.py); a token
# from before versions counts as 0, the version of a password never changed since
# branch_ids: the branches of a secretary's account, as read on each request (access.py)
ROLE_LABELS = {access.ADMIN: "管理员", access.STAFF: "老干部工作人员", access.SECRETARY: "支部书记",
               access.VIEWER: "查看（领导）", access.APPROVER: "审批人"}
Caller = collections.namedtuple("Caller", "username role version branch_ids", defaults=(0, None))

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

def issue_token(secret, username, role, version=0, now=None):
    now = int(time.time() if now is None else now)
    claims = {"sub": username, "role": role, "ver": version, "iat": now, "exp": now + TOKEN_SECONDS}
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
    return Caller(str(claims["sub"]), str(claims["role"]), claims.get("ver", 0))


def bearer_token(authorization):
    """The token of an ``Authorization: Bearer <token>`` header value."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录 (send Authorization: Bearer <token>)")
    return token.strip()


def authorize(caller, roles):
    if roles is PUBLIC or caller.role not in (roles or ()):
        raise Forbidden("无权进行此操作 (your role may not do this)")


def authenticate(secret, roles, authorization, current=None):
    """The caller of a route open to ``roles`` given its Authorization header, or
    None for a PUBLIC route; Unauthorized (401) or Forbidden (403) otherwise.
    ``roles`` None (a route nobody declared) is refused to everyone.

    ``current(caller)``: the caller as its account is now (access.py), 401 when the
    token may no longer be used. Only the account's current role counts: a promoted
    account acts in its new role at once, a demoted one loses the old at once."""
    if roles is PUBLIC:
        return None
    caller = read_token(secret, bearer_token(authorization))
    if current is not None:
        caller = current(caller)
    authorize(caller, roles)
    return caller


# -- the signing secret -------------------------------------------------------

def signing_secret():
    """JWT_SECRET, or a secret generated once and kept in var/jwt_secret; one shorter
    than 32 characters stops the gateway at start (ValueError)."""
    return config.secret("JWT_SECRET", SECRET_FILE)

"""Who is calling, which branches they may see, and which personal facts they may read.

The gateway is the only door for people. It reads the account behind a token on
every request and sends the caller to a service in the call's context, signed
with a key every Wuji process shares (WUJI_CONTEXT_SECRET): an HMAC-SHA256 over
user, role, branches and the call's deadline. A service acts only on a call whose
context it can verify (``rpc.DeadlineRpc``), so another program on the broker
cannot call it as "admin", and a captured context is useless after its deadline.

Roles (CONTRACT "Roles and writes"):
- ``admin``: accounts and policy, and everything staff do;
- ``staff``: the veteran-cadre office, every branch;
- ``secretary``: a branch secretary or committee member, only the branches on
  the account; outside them a record is not found (404) and a write forbidden (403);
- ``viewer``: the bureau's leadership, every branch, reads only, personal facts masked;
- ``approver``: approves money (subsidies, reversals) when the funding policy
  separates duties; reads like staff, enters no money.
Events and the services' own chores act as ``SYSTEM``: every branch, every fact.
"""
import base64
import dataclasses
import functools
import hashlib
import hmac
import json
import time

from marshmallow import Schema

from wuji_infra import config
from wuji_infra.errors import Forbidden, no_such

CONTEXT_KEY = "wuji_access"  # in an RPC's context (nameko sends context as message headers)
SECRET_FILE = "context_secret"

ADMIN, STAFF, SECRETARY, VIEWER, APPROVER = "admin", "staff", "secretary", "viewer", "approver"
ROLES = (ADMIN, STAFF, SECRETARY, VIEWER, APPROVER)

# -- personal facts and who sees them plain ------------------------------------------
ID_NUMBER = "id_number"  # 身份证号
CONTACT = "contact"      # phone, address, emergency contact: needed to visit someone
PENSION = "pension"      # the monthly pension, from which dues and subsidies follow
HEALTH = "health"        # hospital, ward, diagnosis, notes of a health event or visit
SENSITIVE = (ID_NUMBER, CONTACT, PENSION, HEALTH)

SEES = {
    ID_NUMBER: {ADMIN, STAFF, APPROVER},
    CONTACT: {ADMIN, STAFF, SECRETARY, APPROVER},
    PENSION: {ADMIN, STAFF, APPROVER},
    HEALTH: {ADMIN, STAFF, SECRETARY, APPROVER},
}
SYSTEM_ROLE = "system"


@dataclasses.dataclass(frozen=True)
class Access:
    user: str
    role: str
    branch_ids: frozenset | None = None  # None: every branch

    def __post_init__(self):
        if self.branch_ids is not None:
            object.__setattr__(self, "branch_ids", frozenset(int(b) for b in self.branch_ids))

    @property
    def scoped(self):
        """Whether this caller sees only some branches."""
        return self.branch_ids is not None

    def covers(self, branch_id):
        return not self.scoped or branch_id in self.branch_ids

    def sees(self, kind):
        """Whether this caller reads the personal fact ``kind`` plain (else masked)."""
        return self.role == SYSTEM_ROLE or self.role in SEES[kind]

    def branch_clause(self, column):
        """A WHERE clause keeping the rows of ``column``'s branches this caller sees
        (None when they see every branch: add nothing)."""
        if not self.scoped:
            return None
        return column.in_(sorted(self.branch_ids))

    def check_read(self, branch_id, what, key):
        """For record ``key`` of ``branch_id``: outside this caller's branches, the very NotFound
        (404) of a record that does not exist (``what`` as for db.get_or_404): nothing tells it does."""
        if not self.covers(branch_id):
            raise no_such(what, key)

    def check_write(self, branch_id):
        """Forbidden (403) for a change in a branch outside this caller's."""
        if not self.covers(branch_id):
            raise Forbidden("只能办理本支部的事项 (you may act only in your own branches)")

    def scope_branches(self, asked):
        """The branches a listing covers: those ``asked`` (a list, or None for all) that this
        caller sees; None means every branch. Asking only for others' branches gives ``[]``."""
        if not self.scoped:
            return asked
        if asked is None:
            return sorted(self.branch_ids)
        return [b for b in asked if b in self.branch_ids]


SYSTEM = Access("system", SYSTEM_ROLE)


# -- masking ---------------------------------------------------------------------------

def mask(kind, value):
    """``value`` as a caller who may not read ``kind`` sees it: enough to tell records
    apart, not enough to use. ``11010119380315123X`` → ``110101***********X``: the area and
    the check character, not the sequence, since the birth date is shown beside it. A list
    is masked item by item."""
    if value is None or value == "":
        return value
    if isinstance(value, list):
        return [mask(kind, item) for item in value]
    text = str(value)
    if kind == ID_NUMBER and len(text) > 7:
        return text[:6] + "*" * (len(text) - 7) + text[-1:]
    if kind == CONTACT and text.isascii() and len(text) > 7:  # a phone number
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "***"


def masked(access, kind, value):
    return value if access.sees(kind) else mask(kind, value)


def sees_everything(access):
    return all(access.sees(kind) for kind in SENSITIVE)


def mask_answer(schema, payload, access):
    """``payload`` (dumped by ``schema``, a marshmallow schema class or instance) with each
    field whose metadata says ``{"sensitive": KIND}`` masked for ``access``, in nested
    schemas too. The payload is changed in place and returned."""
    plan = _plan(schema if isinstance(schema, type) else type(schema))
    if plan and not sees_everything(access):
        _apply(plan, payload, access)
    return payload


def _apply(plan, value, access):
    if isinstance(value, list):
        for item in value:
            _apply(plan, item, access)
    elif isinstance(value, dict):
        for key, what in plan.items():
            if key not in value:
                continue
            if isinstance(what, str):
                value[key] = masked(access, what, value[key])
            else:
                _apply(what, value[key], access)


@functools.cache
def _plan(schema_class):
    """``{answer key: KIND or the plan of a nested schema}`` of the fields that hold personal facts."""
    plan = {}
    for name, field in schema_class._declared_fields.items():
        key = field.data_key or name
        kind = field.metadata.get("sensitive")
        if kind is not None:
            if kind not in SENSITIVE:
                raise ValueError(f"{schema_class.__name__}.{name}: unknown sensitive kind {kind!r}")
            plan[key] = kind
            continue
        inner = getattr(field, "inner", field)  # a List's items
        nested = getattr(inner, "nested", None)
        if isinstance(nested, Schema):
            nested = type(nested)
        if isinstance(nested, type) and issubclass(nested, Schema) and _plan(nested):
            plan[key] = _plan(nested)
    return plan


# -- the signed context ------------------------------------------------------------------

def context_secret():
    return config.secret("WUJI_CONTEXT_SECRET", config.env("WUJI_CONTEXT_SECRET_FILE") or SECRET_FILE)


def _encode(payload):
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")


def _mac(secret, body):
    return hmac.new(secret.encode(), body.encode("ascii"), hashlib.sha256).hexdigest()


def sign(secret, access, deadline):
    """The context value that says ``access`` calls, valid until ``deadline`` (epoch seconds)."""
    branches = None if access.branch_ids is None else sorted(access.branch_ids)
    body = _encode([access.user, access.role, branches, float(deadline)])
    return f"{body}.{_mac(secret, body)}"


def context(secret, access, deadline):
    """The RPC context entries of a call by ``access``."""
    return {CONTEXT_KEY: sign(secret, access, deadline)}


UNSIGNED = "调用未经网关签名 (the call carries no valid context signed by the gateway)"


def verify(secret, signed, now=None, check_deadline=True):
    """The Access a signed context names; Forbidden when it is missing, forged or past its deadline."""
    if not isinstance(signed, str) or "." not in signed:
        raise Forbidden(UNSIGNED)
    body, _, mac = signed.rpartition(".")
    if not hmac.compare_digest(_mac(secret, body), mac):
        raise Forbidden(UNSIGNED)
    user, role, branches, deadline = json.loads(base64.urlsafe_b64decode(body))
    if check_deadline and (time.time() if now is None else now) > deadline:
        raise Forbidden("调用已过期 (the call's signed context is past its deadline)")
    return Access(user, role, None if branches is None else frozenset(branches))


def from_context(secret, context_data, now=None, check_deadline=True):
    return verify(secret, context_data.get(CONTEXT_KEY), now, check_deadline)

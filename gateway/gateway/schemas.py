"""marshmallow schemas of what the gateway itself reads and answers: the login, accounts
and the audit log.

Only shapes and types here; the password policy is in accounts.py.
"""
from marshmallow import Schema, fields, validate

from gateway import accounts, auth
from wuji_infra.validation import Id

_REQUIRED = {"required": "必填 (required)"}
_ROLE = validate.OneOf(auth.ROLES, error="角色应为 " + ", ".join(auth.ROLES) + " 之一 (role is one of them)")
_BRANCH_IDS = {"metadata": {"description": "a secretary's branches (required for role secretary, "
                                            "empty or absent for the others)"}}
_DISPLAY_NAME = validate.Length(min=1, max=100)


class JsonBoolean(fields.Boolean):
    """true or false only: not 0, 1, "yes" or "true" (marshmallow's Boolean takes them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class TokenIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100), error_messages=_REQUIRED)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=_REQUIRED)


class AccountIn(Schema):
    username = fields.String(required=True, error_messages=_REQUIRED,
                             validate=validate.Regexp(accounts.USERNAME, error=accounts.USERNAME_RULE))
    password = fields.String(required=True, error_messages=_REQUIRED)
    role = fields.String(required=True, validate=_ROLE, error_messages=_REQUIRED)
    display_name = fields.String(validate=_DISPLAY_NAME, allow_none=True)
    branch_ids = fields.List(Id(), validate=validate.Length(max=100), **_BRANCH_IDS)


class AccountChange(Schema):
    role = fields.String(validate=_ROLE)
    branch_ids = fields.List(Id(), validate=validate.Length(max=100), **_BRANCH_IDS)
    display_name = fields.String(validate=_DISPLAY_NAME, allow_none=True)  # null clears it
    active = JsonBoolean()


class PasswordChange(Schema):
    current_password = fields.String(required=True, error_messages=_REQUIRED)
    new_password = fields.String(required=True, error_messages=_REQUIRED)


class PasswordSet(Schema):
    new_password = fields.String(required=True, error_messages=_REQUIRED)


class AccountOut(Schema):
    """An account as it is answered: never its password hash."""
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String(metadata={"enum": list(auth.ROLES)})
    branch_ids = fields.List(fields.Integer(), allow_none=True,
                             metadata={"description": "a secretary's branches; null for the others (every branch)"})
    active = fields.Boolean()
    created_at = fields.DateTime()
    password_changed_at = fields.DateTime(allow_none=True)   # null until the first change


ACCOUNT_OUT = AccountOut()


# -- what only the document reads (the gateway answers these itself) ----------

class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String(metadata={"example": "bearer"})
    expires_in = fields.Integer(metadata={"description": "seconds"})


class ChangedOut(Schema):
    changed = fields.Boolean()


class HealthOut(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded"]})
    services = fields.Dict(keys=fields.String(), values=fields.String(metadata={"enum": ["ok", "down"]}))


class AccountsQuery(Schema):
    order = fields.String(metadata={"enum": ["newest", "username"]})


class ImportQuery(Schema):
    filename = fields.String(metadata={"description": "the uploaded file's name, kept on the job"})


# -- the audit log (admins only) ------------------------------------------------

class AuditLogQuery(Schema):
    actor = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "a username"})
    action = fields.String(validate=validate.Length(min=1, max=100),
                           metadata={"description": "a route's operationId, e.g. issue_token (a login), add_budget"})
    member_id = Id()
    date_from = fields.Date(metadata={"description": "the office's day, included"})
    date_to = fields.Date(metadata={"description": "the office's day, included"})


class AuditEntryOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(metadata={"description": "the username; as typed for a failed login"})
    role = fields.String(allow_none=True, metadata={"description": "the role at that moment; null for a failed login"})
    action = fields.String(metadata={"description": "the route's operationId"})
    method = fields.String()
    path = fields.String()
    member_id = fields.Integer(allow_none=True)
    status = fields.Integer(metadata={"description": "the HTTP status answered"})
    request_id = fields.String(metadata={"description": "the Idempotency-Key, or an id made for the request"})

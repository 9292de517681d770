"""marshmallow schemas of what the gateway itself reads and answers: the login, accounts
and the audit log.

Only shapes and types here; the password policy is in accounts.py.
"""
from marshmallow import Schema, fields, validate

from gateway import accounts, auth
from gateway.reports import scorecard as _scorecard
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


class LiveOut(Schema):
    status = fields.String(metadata={"enum": ["ok"]})


class ReadyOut(Schema):
    status = fields.String(metadata={"enum": ["ready", "not_ready"]})
    checks = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "database, migrations, broker: ok, or why not"})


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


# -- the yearly report and the scorecard (reports/) ----------------------------


class AnnualReportQuery(Schema):
    year = fields.Integer(required=True, strict=False, error_messages=_REQUIRED)
    format = fields.String(load_default="json", validate=validate.OneOf(
        ("json", "docx", "xlsx"), error="格式只能是 json、docx 或 xlsx (format is json, docx or xlsx)"),
        metadata={"enum": ["json", "docx", "xlsx"], "description": "json (default), a Word or an Excel file"})


class ScorecardQuery(AnnualReportQuery):
    branch_id = Id()


_POINTS = {"places": 2, "as_string": False}


class ScorecardItemIn(Schema):
    key = fields.String(required=True, error_messages=_REQUIRED,
                        validate=validate.OneOf(tuple(_scorecard.CHECKLIST), error="未知的评分项目 (unknown item)"))
    title = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "default: the checklist's"})
    max_points = fields.Decimal(required=True, error_messages=_REQUIRED, validate=validate.Range(min=0, min_inclusive=False),
                                **_POINTS)
    per_miss = fields.Decimal(allow_none=True, load_default=None, validate=validate.Range(min=0, min_inclusive=False),
                              metadata={"description": "points lost per miss; none: all or nothing"}, **_POINTS)
    enabled = JsonBoolean(load_default=True)


class ScorecardPolicyIn(Schema):
    items = fields.List(fields.Nested(ScorecardItemIn), required=True, error_messages=_REQUIRED,
                        validate=validate.Length(min=1, max=len(_scorecard.CHECKLIST)))
    star_thresholds = fields.List(fields.Decimal(**_POINTS), load_default=lambda: list(_scorecard.DEFAULT_STAR_THRESHOLDS),
                                  metadata={"description": "the lowest score of 5, 4, 3 and 2 stars"})
    note = fields.String(validate=validate.Length(max=500), allow_none=True)


class ScorecardItemOut(Schema):
    key = fields.String()
    basic = fields.String()
    title = fields.String()
    max_points = fields.Float()
    per_miss = fields.Float(allow_none=True)
    enabled = fields.Boolean()


class ScorecardPolicyOut(Schema):
    version = fields.Integer()
    items = fields.List(fields.Nested(ScorecardItemOut))
    star_thresholds = fields.List(fields.Float())
    note = fields.String(allow_none=True)
    set_by = fields.String(allow_none=True)
    set_at = fields.DateTime(allow_none=True)


class _Figures(Schema):
    members_total = fields.Integer()
    in_communities = fields.Integer()
    in_unit = fields.Integer()
    average_age = fields.Float(allow_none=True, metadata={"description": "one decimal; null with no members"})
    branches = fields.Integer()
    committees = fields.Integer()
    study_sessions = fields.Integer()
    bulletin_issues = fields.Integer()
    bulletin_items = fields.Integer()
    contacts = fields.Integer()
    help_cases_solved = fields.Integer()
    visits = fields.Integer()
    members_visited = fields.Integer()
    condolence_cash = fields.String(metadata={"description": "MONEY"})
    condolence_goods = fields.String(metadata={"description": "MONEY"})
    condolence_wan = fields.String(metadata={"description": "(cash + goods) / 10,000, two decimals, cut"})
    review_meetings = fields.Integer()
    experts_engaged = fields.Integer()
    volunteer_hours = fields.Float()
    party_anniversary = fields.Integer()


class _Honoree(Schema):
    member_id = fields.Integer()
    name = fields.String()
    title = fields.String()
    level = fields.String()
    year = fields.Integer()


class _BranchCount(Schema):
    branch_id = fields.Integer()
    name = fields.String()
    unit = fields.String(allow_none=True)
    members_total = fields.Integer()


def _census_counts(schema_name, **extra):
    counts = {key: fields.Integer() for key in ("total", "lixiu", "tuixiu", "male", "female", "unit", "community",
                                                "under_60", "60_69", "70_79", "80_89", "90_plus")}
    return Schema.from_dict({**extra, **counts}, name=schema_name)


_CensusCounts = _census_counts("CensusCounts")
_CensusRow = _census_counts("CensusRow", branch_id=fields.Integer(), name=fields.String())


class _CensusChanges(Schema):
    joined = fields.Integer()
    deceased = fields.Integer()
    transferred_out = fields.Integer()


class _Census(Schema):
    """离退休干部基本情况统计表: by branch, in total, at the last year's end, and the year's changes."""
    rows = fields.List(fields.Nested(_CensusRow))
    totals = fields.Nested(_CensusCounts)
    last_year = fields.Nested(_CensusCounts)
    changes = fields.Nested(_CensusChanges)


class _ActivityKind(Schema):
    kind = fields.String()
    label = fields.String()
    count = fields.Integer()
    participants = fields.Integer()
    volunteer_hours = fields.Float()
    cost = fields.String()
    cost_booked = fields.String()
    cost_refused = fields.String()


class _StudyByBranch(Schema):
    branch_id = fields.Integer()
    name = fields.String()
    months = fields.List(fields.Integer(), metadata={"description": "sessions in January..December"})
    total = fields.Integer()


class _ReviewMeeting(Schema):
    id = fields.Integer()
    date = fields.String()
    kind = fields.String()
    topic = fields.String()
    experts = fields.List(fields.String())


class _VisitsByCause(Schema):
    cause = fields.String()
    label = fields.String()
    visits = fields.Integer()
    members = fields.Integer()


class _MoneySource(Schema):
    source = fields.String()
    label = fields.String()
    budget = fields.String()
    dues_rebate = fields.String()
    income = fields.String()
    spent = fields.String()
    balance = fields.String()


class _MoneyCategory(Schema):
    category = fields.String()
    label = fields.String()
    spent = fields.String()


class _MoneyTotals(Schema):
    budget = fields.String()
    income = fields.String()
    spent = fields.String()
    balance = fields.String()


class _Refused(Schema):
    count = fields.Integer()
    amount = fields.String()


class _Money(Schema):
    sources = fields.List(fields.Nested(_MoneySource))
    categories = fields.List(fields.Nested(_MoneyCategory))
    totals = fields.Nested(_MoneyTotals)
    refused = fields.Nested(_Refused, metadata={"description": "refused for want of money and not yet booked"})


class AnnualReportOut(Schema):
    year = fields.Integer()
    as_of = fields.String(metadata={"description": "the year's last day, or today for the current year"})
    figures = fields.Nested(_Figures)
    honorees = fields.List(fields.Nested(_Honoree))
    branches = fields.List(fields.Nested(_BranchCount))
    census = fields.Nested(_Census)
    activities_by_kind = fields.List(fields.Nested(_ActivityKind))
    study_by_branch = fields.List(fields.Nested(_StudyByBranch))
    review_meetings = fields.List(fields.Nested(_ReviewMeeting))
    visits_by_cause = fields.List(fields.Nested(_VisitsByCause))
    money = fields.Nested(_Money, allow_none=True, metadata={"description": "null for a secretary: the money is the office's"})


class _ScorecardItem(Schema):
    basic = fields.String(metadata={"enum": list(_scorecard.BASICS)})
    key = fields.String()
    title = fields.String()
    met = fields.Boolean()
    points = fields.Float()
    max_points = fields.Float()
    missing = fields.List(fields.String(), metadata={"description": "what is missing, in Chinese; empty when met"})


class _ScorecardBranch(Schema):
    branch_id = fields.Integer()
    name = fields.String()
    score = fields.Float()
    max_score = fields.Float()
    stars = fields.Integer(metadata={"description": "1 to 5, by the policy's thresholds"})
    items = fields.List(fields.Nested(_ScorecardItem))


class ScorecardOut(Schema):
    year = fields.Integer()
    as_of = fields.String()
    policy_version = fields.Integer(metadata={"description": "the scorecard policy version used (0: the default)"})
    branches = fields.List(fields.Nested(_ScorecardBranch))


class _Entry(Schema):
    code = fields.String()
    label = fields.String(metadata={"description": "the Chinese label a person reads"})


class DictionariesOut(Schema):
    dictionaries = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(_Entry)),
                               metadata={"description": "every code list (gender, activity_kind, funding_source, "
                                                        "visit_task_status...) with its labels, in order"})

"""marshmallow schemas at the members service's boundary: what comes in, what goes out."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from members.domain import committees, health, honors, imports, roster, withdrawals
from wuji_infra import access
from wuji_infra.validation import Id, Money, keyed_schema

_REQUIRED = {"required": "必填 (required)"}


def _text(max_length, required=False, **kwargs):
    return fields.String(
        required=required,
        validate=validate.Length(min=1 if required else 0, max=max_length),
        error_messages=_REQUIRED, **kwargs,
    )


class BranchIn(Schema):
    name = _text(100, required=True)
    unit = _text(200, required=True)


class WithdrawalIn(Schema):
    """A withdrawal of a record entered in error (撤销误录): why, in 2 to 500 characters."""
    reason = fields.String(required=True, error_messages=_REQUIRED,
                           metadata={"description": "撤销原因 (why the record was entered in error)"})

    @validates_schema
    def _reason(self, data, **kwargs):
        if "reason" in data:
            problem = withdrawals.reason_problem(data["reason"])
            if problem:
                raise ValidationError(problem, "reason")
            data["reason"] = data["reason"].strip()


class WithdrawnOut(Schema):
    """Who withdrew a record entered in error, when and why."""
    at = fields.AwareDateTime()
    reason = fields.String()
    by = fields.String(allow_none=True)


class BranchFilters(Schema):
    without_secretary = fields.Boolean()


class NoFilters(Schema):
    """The filters of a list that has none: any filter given is refused by name."""


class RpcDate(fields.Date):
    """A date dumped as itself: the RPC carries it as a date, the gateway writes it ``YYYY-MM-DD`` as Date would."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class BranchOut(Schema):
    """A branch with its committee at a glance: a branch without a current term has no secretary."""
    id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    created_at = fields.AwareDateTime()
    has_secretary = fields.Boolean()
    term_ends_on = RpcDate(allow_none=True)
    term_state = fields.String(allow_none=True)
    withdrawn = fields.Nested(WithdrawnOut, allow_none=True, metadata={"description": "撤销误录: null while it stands"})


class MemberIn(Schema):
    """A member as a front end sends it. ``partial=True`` for PATCH."""

    name = _text(50, required=True)
    gender = fields.String(required=True, validate=validate.OneOf(roster.GENDERS), error_messages=_REQUIRED)
    id_number = fields.String(required=True, error_messages=_REQUIRED)
    birth_date = fields.Date(required=True, error_messages=_REQUIRED)
    branch_id = Id(required=True, strict=True, error_messages=_REQUIRED)
    retirement_kind = fields.String(
        required=True, validate=validate.OneOf(roster.RETIREMENT_KINDS), error_messages=_REQUIRED
    )
    retired_on = fields.Date(allow_none=True)
    former_unit = _text(200, allow_none=True)
    former_post = _text(200, allow_none=True)
    rank = _text(50, allow_none=True)
    joined_party_on = fields.Date(allow_none=True)
    org_relation = fields.String(validate=validate.OneOf(roster.ORG_RELATIONS))
    community = _text(200, allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9+\-() ]{5,30}$", error="电话号码格式不正确 (not a phone number)"))
    address = _text(300, allow_none=True)
    emergency_contact = _text(200, allow_none=True)
    pension_monthly = Money(allow_none=True)
    lives_alone = fields.Boolean()
    children_away = fields.Boolean()
    mobility_limited = fields.Boolean()
    hardship = fields.Boolean()
    specialties = fields.List(fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=30))
    professional_titles = fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                                      validate=validate.Length(max=20))
    willing_to_serve = fields.Boolean()
    status = fields.String(validate=validate.OneOf(roster.MEMBER_STATUSES))
    counts_from = fields.Date(metadata={"description": "入册日期: the day the member counts from for study, "
                                                       "contacts, dues and the report (default: the day registered)"})

    @validates_schema
    def _id_number(self, data, **kwargs):
        if "id_number" in data:
            data["id_number"] = roster.normalize_id_number(data["id_number"])
            problem = roster.id_number_problem(data["id_number"], data.get("birth_date"))
            if problem:
                raise ValidationError(problem, "id_number")


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    gender = fields.String()
    id_number = fields.String(metadata={"sensitive": access.ID_NUMBER})
    birth_date = fields.Date()
    branch_id = fields.Integer()
    retirement_kind = fields.String()
    retired_on = fields.Date()
    former_unit = fields.String()
    former_post = fields.String()
    rank = fields.String()
    joined_party_on = fields.Date()
    org_relation = fields.String()
    community = fields.String()
    phone = fields.String(metadata={"sensitive": access.CONTACT})
    address = fields.String(metadata={"sensitive": access.CONTACT})
    emergency_contact = fields.String(metadata={"sensitive": access.CONTACT})
    pension_monthly = fields.Decimal(places=2, as_string=True, metadata={"sensitive": access.PENSION})
    lives_alone = fields.Boolean()
    children_away = fields.Boolean()
    mobility_limited = fields.Boolean()
    hardship = fields.Boolean()
    specialties = fields.List(fields.String())
    professional_titles = fields.List(fields.String())
    willing_to_serve = fields.Boolean()
    status = fields.String()
    counts_from = fields.Date()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    withdrawn = fields.Nested(WithdrawnOut, allow_none=True, metadata={"description": "撤销误录: null while it stands"})


class MemberFilters(Schema):
    branch_id = Id()
    ids = fields.String(validate=validate.Regexp(
        r"^[1-9][0-9]{0,9}(,[1-9][0-9]{0,9}){0,499}$",
        error="应为以逗号分隔的党员编号, 至多500个 (comma-separated member ids, at most 500)"),
        metadata={"description": "these members only (a front end naming the members of a list): 12,15,31"})
    q = fields.String(validate=validate.Length(min=1, max=50))
    org_relation = fields.String(validate=validate.OneOf(roster.ORG_RELATIONS))
    status = fields.String(validate=validate.OneOf(roster.MEMBER_STATUSES))
    specialty = fields.String(validate=validate.Length(min=1, max=50))
    willing_to_serve = fields.Boolean()
    withdrawn = fields.Boolean(metadata={"description": "true: only the members withdrawn as entered in error "
                                                        "(the office: admin and staff)"})


class HealthEventIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(health.HEALTH_EVENT_KINDS), error_messages=_REQUIRED)
    date = fields.Date(required=True, error_messages=_REQUIRED)
    hospital = _text(200, allow_none=True)
    ward = _text(100, allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _hospital(self, data, **kwargs):
        if data.get("kind") == "hospitalized" and not data.get("hospital"):
            raise ValidationError("住院时必须填写医院 (required when hospitalized)", "hospital")


class HealthEventOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    date = fields.Date()
    hospital = fields.String(metadata={"sensitive": access.HEALTH})
    ward = fields.String(metadata={"sensitive": access.HEALTH})
    note = fields.String(metadata={"sensitive": access.HEALTH})
    created_at = fields.AwareDateTime()


_ANY_VALUE = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "array", "items": {"type": "string"}},
              {"type": "object"}]


class MemberChangeOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    field = fields.String()
    # a changed field's value as the member record holds it: text, a number, yes/no, a list, or null
    old_value = fields.Raw(allow_none=True, metadata={"anyOf": _ANY_VALUE})
    new_value = fields.Raw(allow_none=True, metadata={"anyOf": _ANY_VALUE})
    changed_by = fields.String()
    reason = fields.String()
    changed_at = fields.AwareDateTime()


class HealthReadOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    read_by = fields.String()
    events_shown = fields.Integer()
    read_at = fields.AwareDateTime()


class TransferIn(Schema):
    target = fields.String(required=True, validate=validate.OneOf(roster.TRANSFER_TARGETS), error_messages=_REQUIRED)
    date = fields.Date(required=True, error_messages=_REQUIRED)
    community = _text(200, allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _community(self, data, **kwargs):
        if data.get("target") == "community" and not data.get("community"):
            raise ValidationError("转入社区时必须填写社区名称 (required when the target is community)", "community")


class TransferOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    date = fields.Date()
    target = fields.String()
    from_org_relation = fields.String()
    from_community = fields.String()
    to_community = fields.String()
    note = fields.String()
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class SeatIn(Schema):
    member_id = Id(required=True, strict=True, error_messages=_REQUIRED)
    role = fields.String(required=True, validate=validate.OneOf(committees.COMMITTEE_ROLES), error_messages=_REQUIRED)


class TermIn(Schema):
    """A newly elected committee: a new term (换届); ``ends_on`` defaults to three years."""

    starts_on = fields.Date(required=True, error_messages=_REQUIRED)
    ends_on = fields.Date()
    committee = fields.List(fields.Nested(SeatIn), required=True, validate=validate.Length(min=1, max=30),
                            error_messages=_REQUIRED)

    @validates_schema
    def _dates_and_seats(self, data, **kwargs):
        if "ends_on" in data and "starts_on" in data and data["ends_on"] <= data["starts_on"]:
            raise ValidationError("任期结束应晚于开始 (ends_on must be after starts_on)", "ends_on")
        problems = committees.committee_problems(data.get("committee", []))
        if problems:
            raise ValidationError(problems["committee"], "committee")


class HonorIn(Schema):
    title = _text(100, required=True)
    level = fields.String(required=True, validate=validate.OneOf(honors.HONOR_LEVELS), error_messages=_REQUIRED)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=1921, max=2200),
                          error_messages=_REQUIRED)
    awarded_by = _text(200, allow_none=True)


class HonorOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    title = fields.String()
    level = fields.String()
    year = fields.Integer()
    awarded_by = fields.String()
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class HonorFilters(Schema):
    member_id = Id()
    level = fields.String(validate=validate.OneOf(honors.HONOR_LEVELS))
    year = fields.Integer()


class SocialRoleIn(Schema):
    role = _text(100, required=True)
    appointed_by = _text(200, required=True)
    starts_on = fields.Date(required=True, error_messages=_REQUIRED)
    ends_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("结束日期不能早于开始日期 (ends_on is before starts_on)", "ends_on")


class SocialRoleOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    role = fields.String()
    appointed_by = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    note = fields.String()
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class FiguresIn(Schema):
    on = fields.Date()
    year = fields.Integer(validate=validate.Range(min=1921, max=2200))


# -- answers the handlers build (dumped through these, so the document cannot drift) --------

class SeatOut(Schema):
    member_id = fields.Integer()
    role = fields.String(metadata={"enum": list(committees.COMMITTEE_ROLES)})
    name = fields.String()
    member_status = fields.String(metadata={"enum": list(roster.MEMBER_STATUSES)})


class TermOut(Schema):
    """A committee term (届) with its seats; ``state`` is current, expiring or overdue on the day asked."""
    id = fields.Integer()
    branch_id = fields.Integer()
    starts_on = RpcDate()
    ends_on = RpcDate()
    state = fields.String()
    committee = fields.List(fields.Nested(SeatOut))
    has_secretary = fields.Boolean()
    recorded_by = fields.String(allow_none=True)


class CommitteeOut(Schema):
    """A branch's committee now: its latest term, or null when none is recorded."""
    branch_id = fields.Integer()
    term = fields.Nested(TermOut, allow_none=True)
    has_secretary = fields.Boolean()


# the year's honors counted by level: every level, 0 when none
HonorsByLevelOut = keyed_schema("HonorsByLevelOut", __name__, honors.HONOR_LEVELS, fields.Integer)


class FiguresOut(Schema):
    """The roster's headline figures for the yearly report: active members on ``on``, honors in ``year``."""
    on = RpcDate()
    year = fields.Integer()
    members_total = fields.Integer()
    in_communities = fields.Integer()
    in_bureau_branch = fields.Integer()
    average_age = fields.Decimal(places=1, as_string=True, allow_none=True)
    branches = fields.Integer()
    committees = fields.Integer()
    honors_by_level = fields.Nested(HonorsByLevelOut)


class ImportJobOut(Schema):
    """An import job and how far it has got (``progress`` in percent)."""
    id = fields.Integer()
    filename = fields.String()
    status = fields.String(metadata={"enum": list(imports.IMPORT_STATUSES)})
    total_rows = fields.Integer(allow_none=True)
    processed_rows = fields.Integer()
    progress = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    rejected = fields.Integer()
    error = fields.String(allow_none=True)
    started_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class ImportErrorOut(Schema):
    """One reason a row of an import was rejected, by its row number and column heading."""
    row = fields.Integer()
    column = fields.String()
    reason = fields.String()


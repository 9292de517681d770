"""marshmallow schemas at the welfare service's boundary: what comes in, what goes out."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from welfare.domain import festivals, help_cases, pairings, tasks
from wuji_infra import access
from wuji_infra.validation import Id, Money, period_problem

_REQUIRED = {"required": "必填 (required)"}


def _not_blank(value):
    if not value.strip():
        raise ValidationError("不能为空 (must not be blank)")


def _text(max_length):
    return fields.String(validate=[validate.Length(min=1, max=max_length), _not_blank])


# a health fact in an answer (wuji_infra.access): the gateway masks it for a caller who may not read it
HEALTH = {"sensitive": access.HEALTH}


class VisitRecordOut(Schema):
    visited_on = fields.Date()
    kind = fields.String(metadata=HEALTH)  # "hospital": the member was in hospital
    visitors = fields.List(fields.String())
    notes = fields.String(metadata=HEALTH)
    needs = fields.List(fields.String(), metadata=HEALTH)
    cash = fields.Decimal(places=2, as_string=True)
    goods_value = fields.Decimal(places=2, as_string=True)
    completed_at = fields.AwareDateTime()
    completed_by = fields.String()
    # null, or why funding refused the visit's expense and when
    expense_refused = fields.Method("_refused", metadata={
        "type": "object", "nullable": True,
        "properties": {"reason": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}})

    # none (no money given), pending (not yet heard from funding), booked, or refused
    expense_status = fields.Method("_expense_status", metadata={
        "type": "string", "enum": ["none", "pending", "booked", "refused"]})

    def _refused(self, record):
        if record.expense_refused_reason is None:
            return None
        return {"reason": record.expense_refused_reason, "at": record.expense_refused_at.isoformat()}

    def _expense_status(self, record):
        if record.expense_id is not None:
            return "booked"
        if record.expense_refused_reason is not None:
            return "refused"
        return "none" if record.cash + record.goods_value == 0 else "pending"


class VisitTaskOut(Schema):
    """A task as stored; ``handlers.tasks.dump_task`` puts in the status as of today."""
    id = fields.Integer()
    member_id = fields.Integer()
    branch_id = fields.Integer()
    cause = fields.String(metadata=HEALTH)  # hospitalized, serious_illness ...
    cause_date = fields.Date()
    reason = fields.String(metadata=HEALTH)  # names the hospital
    due_date = fields.Date()
    status = fields.String()
    assignee = fields.String()
    source_event_id = fields.String()
    created_at = fields.AwareDateTime()
    cancel_note = fields.String(metadata=HEALTH)
    cancelled_at = fields.AwareDateTime()
    cancelled_by = fields.String()
    visit = fields.Nested(VisitRecordOut, attribute="record", allow_none=True)


class VisitTaskFilters(Schema):
    """Filters of list_visit_tasks, as strings from the query string."""

    member_id = fields.Integer()
    assignee = fields.String(validate=validate.Length(min=1, max=100))
    cause = fields.String(validate=validate.OneOf(tasks.CAUSES))
    status = fields.String(validate=validate.OneOf(tasks.STATUSES))
    overdue = fields.Boolean()
    due_after = fields.Date()
    due_before = fields.Date()
    visited_from = fields.Date(metadata={"description": "done tasks visited on or after this day"})
    visited_to = fields.Date(metadata={"description": "done tasks visited on or before this day"})

    @validates_schema
    def _visited_period(self, data, **kwargs):
        period_problem(data, "visited_from", "visited_to")


class VisitCompletionIn(Schema):
    visited_on = fields.Date(required=True, error_messages=_REQUIRED)
    kind = fields.String(validate=validate.OneOf(tasks.VISIT_KINDS))
    visitors = fields.List(
        _text(50), required=True, error_messages=_REQUIRED,
        validate=validate.Length(min=1, max=20, error="走访人应为1到20人 (1 to 20 visitors)"),
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    needs = fields.List(_text(200), validate=validate.Length(max=30))
    cash = Money()
    goods_value = Money()


class AssigneeIn(Schema):
    assignee = fields.String(required=True, allow_none=True, error_messages=_REQUIRED,
                             validate=[validate.Length(min=1, max=100), _not_blank])


class CancelIn(Schema):
    note = fields.String(required=True, error_messages=_REQUIRED,
                         validate=[validate.Length(min=1, max=2000), _not_blank])


class VisitorIn(Schema):
    name = fields.String(required=True, error_messages=_REQUIRED, validate=[validate.Length(min=1, max=50), _not_blank])
    role = fields.String(required=True, error_messages=_REQUIRED, validate=validate.OneOf(pairings.VISITOR_ROLES))
    member_id = Id(allow_none=True)
    branch_id = Id(allow_none=True)
    pairs = fields.Boolean()
    active = fields.Boolean()


class VisitorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    member_id = fields.Integer(allow_none=True)   # staff of the office are not members
    branch_id = fields.Integer(allow_none=True)
    pairs = fields.Boolean()
    active = fields.Boolean()


class VisitorFilters(Schema):
    role = fields.String(validate=validate.OneOf(pairings.VISITOR_ROLES))
    branch_id = fields.Integer()
    pairs = fields.Boolean()
    active = fields.Boolean()


class PairingOut(Schema):
    id = fields.Integer()
    helper_id = fields.Integer()
    helper_name = fields.String(attribute="helper.name")
    member_id = fields.Integer()
    reason = fields.String(metadata=HEALTH)  # serious_illness ...
    note = fields.String(metadata=HEALTH)
    started_on = fields.Date()
    ended_on = fields.Date()
    end_reason = fields.String(metadata=HEALTH)
    active = fields.Function(lambda pairing: pairing.active_member_id is not None, metadata={"type": "boolean"})


class PairingFilters(Schema):
    member_id = fields.Integer()
    helper_id = fields.Integer()
    active = fields.Boolean()


class PairingTalkOut(Schema):
    id = fields.Integer()
    talked_on = fields.Date()
    how = fields.String()
    notes = fields.String(metadata=HEALTH)
    logged_by = fields.String()
    logged_at = fields.AwareDateTime()


class PairingDetailOut(PairingOut):
    talks = fields.List(fields.Nested(PairingTalkOut))


class PairingIn(Schema):
    member_id = Id(required=True, error_messages=_REQUIRED)
    helper_id = Id(required=True, error_messages=_REQUIRED)
    reason = fields.String(required=True, error_messages=_REQUIRED, validate=validate.OneOf(pairings.PAIRING_REASONS))
    started_on = fields.Date()
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class PairingEndIn(Schema):
    ended_on = fields.Date()
    reason = fields.String(required=True, error_messages=_REQUIRED,
                           validate=[validate.Length(min=1, max=2000), _not_blank])


class TalkIn(Schema):
    talked_on = fields.Date(required=True, error_messages=_REQUIRED)
    how = fields.String(required=True, error_messages=_REQUIRED, validate=validate.OneOf(pairings.TALK_WAYS))
    notes = fields.String(required=True, error_messages=_REQUIRED,
                          validate=[validate.Length(min=1, max=4000), _not_blank])


class UnpairedFilters(Schema):
    branch_id = fields.Integer()


class HelpCaseNoteOut(Schema):
    id = fields.Integer()
    note = fields.String(metadata=HEALTH)
    written_by = fields.String()
    written_at = fields.AwareDateTime()


class HelpCaseOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    # a member's problem, often a visit's need: may tell of an illness or a disability
    title = fields.String(metadata=HEALTH)
    description = fields.String(allow_none=True, metadata=HEALTH)
    status = fields.String()
    assignee = fields.String(allow_none=True)
    opened_on = fields.Date()
    opened_by = fields.String(allow_none=True)
    # null while the case is open
    closed_on = fields.Date(allow_none=True)
    result = fields.String(allow_none=True, metadata=HEALTH)
    solved = fields.Boolean(allow_none=True)
    closed_by = fields.String(allow_none=True)
    notes = fields.List(fields.Nested(HelpCaseNoteOut))


class HelpCaseIn(Schema):
    """Open a help case; with ``task_id`` (a visit whose needs raised it) the
    member is the visit's, and ``member_id`` may be left out."""

    member_id = Id()
    task_id = Id(allow_none=True)
    title = fields.String(required=True, error_messages=_REQUIRED, validate=[validate.Length(min=1, max=200), _not_blank])
    description = fields.String(allow_none=True, validate=validate.Length(max=4000))
    assignee = fields.String(allow_none=True, validate=[validate.Length(min=1, max=100), _not_blank])
    opened_on = fields.Date()


class HelpCaseFilters(Schema):
    member_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(help_cases.HELP_CASE_STATUSES))
    assignee = fields.String(validate=validate.Length(min=1, max=100))
    opened_after = fields.Date()
    opened_before = fields.Date()
    closed_from = fields.Date(metadata={"description": "closed on or after this day"})
    closed_to = fields.Date(metadata={"description": "closed on or before this day"})

    @validates_schema
    def _closed_period(self, data, **kwargs):
        period_problem(data, "closed_from", "closed_to")


class NoteIn(Schema):
    note = fields.String(required=True, error_messages=_REQUIRED,
                         validate=[validate.Length(min=1, max=4000), _not_blank])


class HelpCaseCloseIn(Schema):
    result = fields.String(required=True, error_messages=_REQUIRED,
                           validate=[validate.Length(min=1, max=4000), _not_blank])
    solved = fields.Boolean(load_default=True)
    closed_on = fields.Date()


def _policy_defaults():
    return festivals.Policy()


class FestivalPolicyIn(Schema):
    min_age = fields.Integer(allow_none=True, load_default=_policy_defaults().min_age,
                             validate=validate.Range(min=50, max=120))
    lives_alone = fields.Boolean(load_default=_policy_defaults().lives_alone)
    hardship = fields.Boolean(load_default=_policy_defaults().hardship)
    children_away = fields.Boolean(load_default=_policy_defaults().children_away)
    lead_days = fields.Integer(load_default=_policy_defaults().lead_days, validate=validate.Range(min=0, max=60))


class FestivalBatchIn(Schema):
    festival = fields.String(required=True, error_messages=_REQUIRED, validate=validate.OneOf(sorted(festivals.FESTIVALS)))
    year = fields.Integer(required=True, error_messages=_REQUIRED, validate=validate.Range(min=festivals.FIRST_YEAR, max=festivals.LAST_YEAR))
    # without a policy here, the festival's stored policy applies
    policy = fields.Nested(FestivalPolicyIn)
    # true: nothing is made; the answer names whom the batch would visit
    dry_run = fields.Boolean(load_default=False)


class FestivalYearIn(Schema):
    year = fields.Integer(validate=validate.Range(min=festivals.FIRST_YEAR, max=festivals.LAST_YEAR))


# -- answers the handlers build (dumped through these, so the document cannot drift) --------

class UnpairedMemberOut(Schema):
    """An active member in need without an active pairing, with why they are in need."""
    member_id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    needs = fields.List(fields.String(metadata={"enum": list(pairings.NEEDS)}), metadata=HEALTH)  # serious_illness


class FestivalPolicyOut(Schema):
    """A festival's policy (the default until the office sets one: ``stored`` false) and its date in ``year``."""
    festival = fields.String(metadata={"enum": sorted(festivals.FESTIVALS)})
    name = fields.String()
    min_age = fields.Integer(allow_none=True)
    lives_alone = fields.Boolean()
    hardship = fields.Boolean()
    children_away = fields.Boolean()
    lead_days = fields.Integer()
    stored = fields.Boolean()
    year = fields.Integer()
    date = fields.Date()
    batch_from = fields.Date()


class FestivalPoliciesOut(Schema):
    items = fields.List(fields.Nested(FestivalPolicyOut))


class FestivalBatchMemberOut(Schema):
    """A member a batch not yet made would visit, and who would go."""
    member_id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    assignee = fields.String(allow_none=True)


class FestivalBatchOut(Schema):
    """What a festival batch did (or, ``dry_run``, would do): members selected, those of
    them without a task of the batch yet (``to_create``), tasks created, and tasks per
    assignee; a dry run names the members it would visit (``members``) and creates none."""
    festival = fields.String(metadata={"enum": sorted(festivals.FESTIVALS)})
    year = fields.Integer()
    date = fields.Date()
    dry_run = fields.Boolean()
    selected = fields.Integer()
    to_create = fields.Integer()
    created = fields.Integer()
    assignees = fields.Dict(keys=fields.String(), values=fields.Integer())
    members = fields.List(fields.Nested(FestivalBatchMemberOut))

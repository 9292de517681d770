"""marshmallow schemas at the welfare service's boundary: what comes in, what goes out."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from welfare import domain
from wuji_infra.validation import Money

_REQUIRED = {"required": "必填 (required)"}


def _not_blank(value):
    if not value.strip():
        raise ValidationError("不能为空 (must not be blank)")


def _text(max_length):
    return fields.String(validate=[validate.Length(min=1, max=max_length), _not_blank])


class VisitRecordOut(Schema):
    visited_on = fields.Date()
    kind = fields.String()
    visitors = fields.List(fields.String())
    notes = fields.String()
    needs = fields.List(fields.String())
    cash = fields.Decimal(places=2, as_string=True)
    goods_value = fields.Decimal(places=2, as_string=True)
    completed_at = fields.AwareDateTime()
    completed_by = fields.String()
    expense_refused = fields.Method("_refused")

    def _refused(self, record):
        if record.expense_refused_reason is None:
            return None
        return {"reason": record.expense_refused_reason, "at": record.expense_refused_at.isoformat()}


class VisitTaskOut(Schema):
    """A task as stored; ``handlers.dump_task`` puts in the status as of today."""
    id = fields.Integer()
    member_id = fields.Integer()
    branch_id = fields.Integer()
    cause = fields.String()
    cause_date = fields.Date()
    reason = fields.String()
    due_date = fields.Date()
    status = fields.String()
    assignee = fields.String()
    source_event_id = fields.String()
    created_at = fields.AwareDateTime()
    cancel_note = fields.String()
    cancelled_at = fields.AwareDateTime()
    cancelled_by = fields.String()
    visit = fields.Nested(VisitRecordOut, attribute="record", allow_none=True)


class VisitTaskFilters(Schema):
    """Filters of list_visit_tasks, as strings from the query string."""

    class Meta:
        unknown = RAISE

    member_id = fields.Integer()
    assignee = fields.String(validate=validate.Length(min=1, max=100))
    cause = fields.String(validate=validate.OneOf(domain.CAUSES + ("festival",)))
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    overdue = fields.Boolean()
    due_after = fields.Date()
    due_before = fields.Date()


class VisitCompletionIn(Schema):
    class Meta:
        unknown = RAISE

    visited_on = fields.Date(required=True, error_messages=_REQUIRED)
    kind = fields.String(validate=validate.OneOf(domain.VISIT_KINDS))
    visitors = fields.List(
        _text(50), required=True, error_messages=_REQUIRED,
        validate=validate.Length(min=1, max=20, error="走访人应为1到20人 (1 to 20 visitors)"),
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    needs = fields.List(_text(200), validate=validate.Length(max=30))
    cash = Money()
    goods_value = Money()


class AssigneeIn(Schema):
    class Meta:
        unknown = RAISE

    assignee = fields.String(required=True, allow_none=True, error_messages=_REQUIRED,
                             validate=[validate.Length(min=1, max=100), _not_blank])


class CancelIn(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(required=True, error_messages=_REQUIRED,
                         validate=[validate.Length(min=1, max=2000), _not_blank])


class VisitorIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, error_messages=_REQUIRED, validate=[validate.Length(min=1, max=50), _not_blank])
    role = fields.String(required=True, error_messages=_REQUIRED, validate=validate.OneOf(domain.VISITOR_ROLES))
    member_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    branch_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    pairs = fields.Boolean()
    active = fields.Boolean()


class VisitorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    member_id = fields.Integer()
    branch_id = fields.Integer()
    pairs = fields.Boolean()
    active = fields.Boolean()


class VisitorFilters(Schema):
    class Meta:
        unknown = RAISE

    role = fields.String(validate=validate.OneOf(domain.VISITOR_ROLES))
    branch_id = fields.Integer()
    pairs = fields.Boolean()
    active = fields.Boolean()


class PairingOut(Schema):
    id = fields.Integer()
    helper_id = fields.Integer()
    helper_name = fields.Function(lambda pairing: pairing.helper.name)
    member_id = fields.Integer()
    reason = fields.String()
    note = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date()
    end_reason = fields.String()
    active = fields.Function(lambda pairing: pairing.active_member_id is not None)


class PairingFilters(Schema):
    class Meta:
        unknown = RAISE

    member_id = fields.Integer()
    helper_id = fields.Integer()
    active = fields.Boolean()

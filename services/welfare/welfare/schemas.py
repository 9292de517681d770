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
    visitors = fields.List(fields.String())
    notes = fields.String()
    needs = fields.List(fields.String())
    cash = fields.Decimal(places=2, as_string=True)
    goods_value = fields.Decimal(places=2, as_string=True)
    completed_at = fields.AwareDateTime()
    completed_by = fields.String()


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
    visit = fields.Nested(VisitRecordOut, attribute="record", allow_none=True)


class VisitTaskFilters(Schema):
    """Filters of list_visit_tasks, as strings from the query string."""

    class Meta:
        unknown = RAISE

    member_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    due_before = fields.Date()


class VisitCompletionIn(Schema):
    class Meta:
        unknown = RAISE

    visited_on = fields.Date(required=True, error_messages=_REQUIRED)
    visitors = fields.List(
        _text(50), required=True, error_messages=_REQUIRED,
        validate=validate.Length(min=1, max=20, error="走访人应为1到20人 (1 to 20 visitors)"),
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    needs = fields.List(_text(200), validate=validate.Length(max=30))
    cash = Money()
    goods_value = Money()

"""marshmallow schemas at the funding service's boundary: what comes in, what goes out."""
from marshmallow import RAISE, Schema, fields, validate


class SubsidyCheckOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    cause = fields.String()
    eligible = fields.Boolean()
    amount = fields.Decimal(places=2, as_string=True)
    reason = fields.String()
    status = fields.String()
    event_date = fields.Date()
    decided_at = fields.AwareDateTime()


class SubsidyCheckFilters(Schema):
    """Query-string filters: every value arrives as a string."""

    class Meta:
        unknown = RAISE

    member_id = fields.Integer(
        validate=validate.Range(min=1, error="应为正整数 (must be a positive whole number)"),
        error_messages={"invalid": "应为整数 (must be a whole number)"},
    )

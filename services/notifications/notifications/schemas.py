"""What the notifications service takes and answers (marshmallow), at its RPC boundary."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from notifications.domain import policy as rules
from notifications.domain import todos
from wuji_infra.validation import Id, period_problem

WEBHOOK_KINDS = ("wecom", "dingtalk")


def _clock(text):
    try:
        rules.parse_clock(text)
    except ValueError:
        raise ValidationError("应为 时:分，如 21:00 (HH:MM)") from None


class KindRuleIn(Schema):
    enabled = fields.Boolean()
    receivers = fields.List(fields.String(validate=validate.OneOf(rules.RECEIVERS)))
    push = fields.String(validate=validate.OneOf(rules.PUSHES))


class QuietHoursIn(Schema):
    start = fields.String(required=True, validate=_clock)
    end = fields.String(required=True, validate=_clock)


class ChannelsIn(Schema):
    """The admin's channels, over the environment's (null: the environment's)."""
    webhook_url = fields.Url(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500))
    webhook_kind = fields.String(allow_none=True, validate=validate.OneOf(WEBHOOK_KINDS))
    email_to = fields.List(fields.Email(), allow_none=True, validate=validate.Length(max=20))


class PolicyIn(Schema):
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(KindRuleIn))
    help_case_open_days = fields.Integer(validate=validate.Range(min=1, max=365))
    digest_hour = fields.Integer(validate=validate.Range(min=0, max=23))
    quiet_hours = fields.Nested(QuietHoursIn, allow_none=True)
    channels = fields.Nested(ChannelsIn)


class KindRuleOut(Schema):
    enabled = fields.Boolean()
    receivers = fields.List(fields.String())
    push = fields.String()


class PolicyOut(Schema):
    version = fields.Integer()
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(KindRuleOut))
    help_case_open_days = fields.Integer()
    digest_hour = fields.Integer()
    quiet_hours = fields.Dict(allow_none=True)
    channels = fields.Dict()
    set_by = fields.String(allow_none=True)
    set_at = fields.AwareDateTime(allow_none=True)


# -- to-do items -------------------------------------------------------------------

class TodoFilters(Schema):
    status = fields.String(validate=validate.OneOf(todos.STATUSES + ("all",)))
    kind = fields.String(validate=validate.OneOf(sorted(rules.KINDS)))
    member_id = Id()


class TodoOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    subject = fields.String()  # the work it is about: "visit_task:34", "help_case:7", "branch:4"
    member_id = fields.Integer(allow_none=True)
    branch_id = fields.Integer(allow_none=True)
    due_date = fields.Date(allow_none=True)
    status = fields.String()
    snoozed_until = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)


class SnoozeIn(Schema):
    until = fields.Date(required=True)


class TodoCountsOut(Schema):
    open = fields.Integer()
    snoozed = fields.Integer()
    done = fields.Integer()


class SentTestsOut(Schema):
    """The test messages queued, one for each channel configured."""
    items = fields.List(fields.Nested(lambda: DeliveryOut()))



# -- deliveries ---------------------------------------------------------------------

class DeliveryFilters(Schema):
    status = fields.String(validate=validate.OneOf(("pending", "sent", "failed")))
    channel = fields.String(validate=validate.OneOf(("webhook", "email")))
    date_from = fields.Date()
    date_to = fields.Date()

    @validates_schema
    def _period(self, data, **kwargs):
        period_problem(data, "date_from", "date_to")


class DeliveryOut(Schema):
    id = fields.Integer()
    channel = fields.String()
    key = fields.String()  # item:<id>, digest:<day>, test:<uuid>
    item_id = fields.Integer(allow_none=True)
    title = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)

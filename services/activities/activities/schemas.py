"""marshmallow schemas at the activities service's boundary: what comes in, what goes out."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from activities.domain.activities import ACTIVITY_KINDS, COST_STATUSES, DEFAULT_EXPENSE_CATEGORY, EXPENSE_CATEGORIES
from activities.domain.organization_life import BRANCH_MEETING_KINDS
from activities.domain.bulletins import BULLETIN_ITEM_KINDS
from activities.domain.contacts import CONTACT_CHANNELS, CONTACT_LEVELS
from activities.domain.review_meetings import REVIEW_MEETING_KINDS
from activities.domain.study import CATCH_UP_METHODS
from wuji_infra import access
from wuji_infra.validation import Id, Money

_REQUIRED = {"required": "必填 (required)"}


def _not_blank(value):
    if not value.strip():
        raise ValidationError("不能为空 (must not be blank)")


def _text(max_length, **kwargs):
    return fields.String(validate=[validate.Length(min=1, max=max_length), _not_blank], **kwargs)


def _one_of(choices):
    return validate.OneOf(choices, error=f"应为以下之一 (one of): {', '.join(choices)}")


def _unique(values):
    if len(set(values)) != len(values):
        raise ValidationError("有重复的党员 (a member appears twice)")


# -- study sessions -----------------------------------------------------------

class StudySessionIn(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    date = fields.Date(required=True, error_messages=_REQUIRED)
    topic = _text(200, required=True, error_messages=_REQUIRED)
    materials = fields.List(_text(500), load_default=list, validate=validate.Length(max=50))
    attendees = fields.List(Id(), required=True, error_messages=_REQUIRED,
                            validate=[validate.Length(min=1, max=2000, error="至少一名参加者 (at least one attendee)"),
                                      _unique])


class CatchUpIn(Schema):
    member_id = Id(required=True, error_messages=_REQUIRED)
    method = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(CATCH_UP_METHODS))
    date = fields.Date(required=True, error_messages=_REQUIRED)
    by = _text(100)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class AttendanceOut(Schema):
    """A member expected at a session: attended or caught up, with their name and mobility (送学上门).

    Health facts (masked by the gateway for whoever may not read them): the catch-up's note
    (often why the member could not come: an illness, a stay in hospital) and ``mobility_limited``.
    """
    member_id = fields.Integer()
    attended = fields.Boolean()
    catch_up_method = fields.String(allow_none=True)
    catch_up_on = fields.Date(allow_none=True)
    catch_up_by = fields.String(allow_none=True)
    catch_up_note = fields.String(allow_none=True, metadata={"sensitive": access.HEALTH})
    name = fields.String(allow_none=True)
    mobility_limited = fields.Boolean(metadata={"sensitive": access.HEALTH})


class StudySessionOut(Schema):
    """A session as recorded, read and caught up: its attendance and how many attended, were absent, caught up."""
    id = fields.Integer()
    branch_id = fields.Integer()
    date = fields.Date()
    topic = fields.String()
    materials = fields.List(fields.String())
    recorded_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    attendance = fields.List(fields.Nested(AttendanceOut))
    attended = fields.Integer()
    absent = fields.Integer()
    caught_up = fields.Integer()


class StudySessionFilters(Schema):
    branch_id = Id()
    date_from = fields.Date()
    date_to = fields.Date()


class AbsenceFilters(Schema):
    branch_id = Id()
    member_id = Id()
    caught_up = fields.Boolean(truthy={"true", "1", True}, falsy={"false", "0", False})
    date_from = fields.Date()
    date_to = fields.Date()


class ComplianceQuery(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    year = fields.Integer(required=True, error_messages=_REQUIRED,
                          validate=validate.Range(min=2000, max=2100, error="年份应在2000到2100之间 (2000 to 2100)"))


# -- contacts -----------------------------------------------------------------

class LearnedIn(Schema):
    thoughts = fields.String(validate=validate.Length(max=2000))
    study = fields.String(validate=validate.Length(max=2000))
    life = fields.String(validate=validate.Length(max=2000))
    opinions = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _something(self, data, **kwargs):
        if not any((value or "").strip() for value in data.values()):
            raise ValidationError("至少填写一项了解到的情况 (at least one of thoughts, study, life, opinions)",
                                  field_name="_schema")


class ContactIn(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    level = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(CONTACT_LEVELS))
    contact_by = _text(50, required=True, error_messages=_REQUIRED)
    contact_by_member_id = Id(allow_none=True)
    member_id = Id(required=True, error_messages=_REQUIRED)
    date = fields.Date(required=True, error_messages=_REQUIRED)
    channel = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(CONTACT_CHANNELS))
    learned = fields.Nested(LearnedIn, required=True, error_messages=_REQUIRED)


class ContactOut(Schema):
    """A contact logged. ``learned`` is keyed by topic: its health topics
    (``domain.contacts.HEALTH_TOPICS``) are masked by the service, not here."""
    id = fields.Integer()
    branch_id = fields.Integer()
    level = fields.String()
    contact_by = fields.String()
    contact_by_member_id = fields.Integer()
    member_id = fields.Integer()
    date = fields.Date()
    channel = fields.String()
    learned = fields.Dict()
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class ContactFilters(Schema):
    branch_id = Id()
    member_id = Id()
    level = fields.String(validate=_one_of(CONTACT_LEVELS))
    date_from = fields.Date()
    date_to = fields.Date()


class CoverageQuery(Schema):
    branch_id = Id()
    as_of = fields.Date()


# -- activities ---------------------------------------------------------------

class ActivityIn(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    kind = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(ACTIVITY_KINDS))
    date = fields.Date(required=True, error_messages=_REQUIRED)
    title = _text(200, required=True, error_messages=_REQUIRED)
    place = _text(200, required=True, error_messages=_REQUIRED)
    organizer = _text(100, required=True, error_messages=_REQUIRED)
    participants = fields.List(Id(), required=True, error_messages=_REQUIRED,
                               validate=[validate.Length(min=1, max=2000, error="至少一名参加者 (at least one participant)"),
                                         _unique])
    volunteer_hours = fields.Decimal(places=1, as_string=True, load_default=None,
                                     validate=validate.Range(min=0, max=100000,
                                                             error="志愿服务时长应在0到100000之间 (0 to 100000)"))
    cost = Money(load_default=None)
    expense_category = fields.String(load_default=DEFAULT_EXPENSE_CATEGORY,
                                     validate=_one_of(EXPENSE_CATEGORIES))


class ActivityOut(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    kind = fields.String()
    date = fields.Date()
    title = fields.String()
    place = fields.String()
    organizer = fields.String()
    participants = fields.List(fields.Integer(), attribute="participant_ids")
    volunteer_hours = fields.Decimal(places=1, as_string=True)
    cost = fields.Decimal(places=2, as_string=True)
    expense_category = fields.String()
    cost_status = fields.String(metadata={"enum": list(COST_STATUSES), "description":
                                          "none, pending (funding not heard yet), booked, refused (book it again "
                                          "at /funding/refused-expenses once there is money)"})
    expense_id = fields.Integer(allow_none=True)
    cost_refused_reason = fields.String(allow_none=True)
    cost_refused_at = fields.AwareDateTime(allow_none=True)
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class ActivityFilters(Schema):
    branch_id = Id()
    kind = fields.String(validate=_one_of(ACTIVITY_KINDS))
    cost_status = fields.String(validate=_one_of(COST_STATUSES))
    date_from = fields.Date()
    date_to = fields.Date()


# -- study bulletins ----------------------------------------------------------

def _web_link(value):
    if not value.startswith(("http://", "https://")):
        raise ValidationError("链接应以 http:// 或 https:// 开头 (a web link)")


class BulletinItemIn(Schema):
    title = _text(200, required=True, error_messages=_REQUIRED)
    kind = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(BULLETIN_ITEM_KINDS))
    link = fields.String(validate=[validate.Length(max=1000), _web_link])
    text = _text(20000)

    @validates_schema
    def _link_or_text(self, data, **kwargs):
        if not data.get("link") and not data.get("text"):
            raise ValidationError("应有链接或正文 (a link or a text)", field_name="link")


_REACH = validate.Range(min=0, max=100000, error="人数应在0到100000之间 (0 to 100000)")


class BulletinIn(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    number = fields.Integer(required=True, error_messages=_REQUIRED,
                            validate=validate.Range(min=1, max=1000, error="期号应在1到1000之间 (1 to 1000)"))
    date = fields.Date(required=True, error_messages=_REQUIRED)
    items = fields.List(fields.Nested(BulletinItemIn), required=True, error_messages=_REQUIRED,
                        validate=validate.Length(min=1, max=100, error="应有1到100条内容 (1 to 100 items)"))
    reach_online = fields.Integer(load_default=0, validate=_REACH)
    reach_offline = fields.Integer(load_default=0, validate=_REACH)


class BulletinOut(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    year = fields.Integer()
    number = fields.Integer()
    date = fields.Date()
    items = fields.List(fields.Dict())
    item_count = fields.Integer()
    reach_online = fields.Integer()
    reach_offline = fields.Integer()
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class BulletinFilters(Schema):
    branch_id = Id()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100, error="年份应在2000到2100之间 (2000 to 2100)"))
    date_from = fields.Date()
    date_to = fields.Date()


# -- review meetings ----------------------------------------------------------

class ReviewParticipantIn(Schema):
    member_id = Id(required=True, error_messages=_REQUIRED)
    advice = _text(5000, required=True, error_messages=_REQUIRED)


def _unique_participants(values):
    _unique([value["member_id"] for value in values])


class ReviewMeetingIn(Schema):
    kind = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(REVIEW_MEETING_KINDS))
    topic = _text(200, required=True, error_messages=_REQUIRED)
    date = fields.Date(required=True, error_messages=_REQUIRED)
    organizer = _text(200, required=True, error_messages=_REQUIRED)
    participants = fields.List(
        fields.Nested(ReviewParticipantIn), required=True, error_messages=_REQUIRED,
        validate=[validate.Length(min=1, max=200, error="应有1到200名参加者 (1 to 200 participants)"),
                  _unique_participants])


class ReviewParticipantOut(Schema):
    member_id = fields.Integer()
    advice = fields.String()


class ReviewMeetingOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    topic = fields.String()
    date = fields.Date()
    organizer = fields.String()
    participants = fields.List(fields.Nested(ReviewParticipantOut))
    recorded_by = fields.String()
    created_at = fields.AwareDateTime()


class ReviewMeetingFilters(Schema):
    kind = fields.String(validate=_one_of(REVIEW_MEETING_KINDS))
    member_id = Id()
    date_from = fields.Date()
    date_to = fields.Date()


class ExpertFilters(Schema):
    specialty = _text(50)
    branch_id = Id()


class YearQuery(Schema):
    year = fields.Integer(required=True, error_messages=_REQUIRED,
                          validate=validate.Range(min=2000, max=2100, error="年份应在2000到2100之间 (2000 to 2100)"))


# -- organization life and venues ----------------------------------------------------

class BranchMeetingIn(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    kind = fields.String(required=True, error_messages=_REQUIRED, validate=_one_of(BRANCH_MEETING_KINDS))
    date = fields.Date(required=True, error_messages=_REQUIRED)
    topic = _text(200, required=True, error_messages=_REQUIRED)
    place = _text(200, allow_none=True)
    participants = fields.List(Id(), required=True, error_messages=_REQUIRED,
                               validate=[validate.Length(min=1, max=2000, error="至少一名参加者 (at least one participant)"),
                                         _unique])
    summary = fields.String(allow_none=True, validate=validate.Length(max=20000))


class BranchMeetingOut(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    kind = fields.String(metadata={"enum": list(BRANCH_MEETING_KINDS)})
    date = fields.Date()
    topic = fields.String()
    place = fields.String(allow_none=True)
    participants = fields.List(fields.Integer(), attribute="participant_ids")
    summary = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class BranchMeetingFilters(Schema):
    branch_id = Id()
    kind = fields.String(validate=_one_of(BRANCH_MEETING_KINDS))
    date_from = fields.Date()
    date_to = fields.Date()


class VenueIn(Schema):
    branch_id = Id(required=True, error_messages=_REQUIRED)
    name = _text(200, required=True, error_messages=_REQUIRED)
    address = _text(300, required=True, error_messages=_REQUIRED)
    since = fields.Date(required=True, error_messages=_REQUIRED)
    until = fields.Date(allow_none=True, load_default=None)


class VenueEndIn(Schema):
    until = fields.Date(required=True, error_messages=_REQUIRED)


class VenueOut(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    name = fields.String()
    address = fields.String()
    since = fields.Date()
    until = fields.Date(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class VenueFilters(Schema):
    branch_id = Id()

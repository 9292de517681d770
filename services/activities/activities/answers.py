"""The answers the activities handlers build, dumped through these schemas so the document cannot drift."""
from marshmallow import Schema, fields

from activities.domain.activities import ACTIVITY_KINDS
from activities.domain.contacts import CONTACT_LEVELS
from activities.domain.study import MONTH_STATUSES
from activities.schemas import AttendanceOut
from wuji_infra.validation import keyed_schema

_MONEY = dict(places=2, as_string=True)
_HOURS = dict(places=1, as_string=True)
_MONTHS = tuple(str(month) for month in range(1, 13))


# -- monthly study ------------------------------------------------------------

class AbsenceOut(AttendanceOut):
    """An absentee of a study session, with the session, and their catch-up if any."""
    session_id = fields.Integer()
    branch_id = fields.Integer()
    date = fields.Date()
    topic = fields.String()


class SessionHeldOut(Schema):
    id = fields.Integer()
    date = fields.Date()
    topic = fields.String()


class MonthComplianceOut(Schema):
    """A month of a branch's year: its status (``domain.study.month_status``) and the sessions held."""
    month = fields.Integer()
    status = fields.String(metadata={"enum": list(MONTH_STATUSES)})
    sessions = fields.List(fields.Nested(SessionHeldOut))


class StudyComplianceOut(Schema):
    """A branch's year of study: each month, how many months held one, and the months missing one."""
    branch_id = fields.Integer()
    year = fields.Integer()
    months = fields.List(fields.Nested(MonthComplianceOut))
    held = fields.Integer()
    missing = fields.List(fields.Integer())


# -- contacts, bulletins, experts ---------------------------------------------

class UncontactedMemberOut(Schema):
    """An active member not contacted in the last quarter, and the day of their last contact (or null)."""
    member_id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    last_contact_on = fields.Date(allow_none=True)


class WeekOut(Schema):
    week = fields.Integer()
    monday = fields.Date()
    sunday = fields.Date()


class BulletinGapsOut(Schema):
    """A branch's year of bulletins: issues and items, and the ISO weeks that ended without an issue."""
    branch_id = fields.Integer()
    year = fields.Integer()
    issues = fields.Integer()
    items = fields.Integer()
    weeks_without_issue = fields.List(fields.Nested(WeekOut))


class ExpertOut(Schema):
    """An active member with specialties, and how many review meetings they took part in."""
    member_id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    specialties = fields.List(fields.String())
    review_meetings = fields.Integer()


# -- the yearly report --------------------------------------------------------

class BranchStudyOut(Schema):
    """A branch's study sessions in the year: in all, per month ("1" to "12"), and the months that had one."""
    branch_id = fields.Integer()
    sessions = fields.Integer()
    months = fields.Nested(keyed_schema("SessionsByMonthOut", __name__, _MONTHS, fields.Integer))
    months_held = fields.Integer()


class StudyFiguresOut(Schema):
    total = fields.Integer()
    by_branch = fields.List(fields.Nested(BranchStudyOut))


class BranchBulletinsOut(Schema):
    branch_id = fields.Integer()
    issues = fields.Integer()
    items = fields.Integer()


class BulletinFiguresOut(Schema):
    issues = fields.Integer()
    items = fields.Integer()
    by_branch = fields.List(fields.Nested(BranchBulletinsOut))


class ContactFiguresOut(Schema):
    total = fields.Integer()
    by_level = fields.Nested(keyed_schema("ContactsByLevelOut", __name__, CONTACT_LEVELS, fields.Integer))


class KindFiguresOut(Schema):
    count = fields.Integer()
    cost = fields.Decimal(**_MONEY)
    volunteer_hours = fields.Decimal(**_HOURS)


class ActivityFiguresOut(Schema):
    total = fields.Integer()
    cost = fields.Decimal(**_MONEY)
    volunteer_hours = fields.Decimal(**_HOURS)
    by_kind = fields.Nested(keyed_schema("ActivitiesByKindOut", __name__, ACTIVITY_KINDS, lambda: fields.Nested(KindFiguresOut)))


class ReviewMeetingFiguresOut(Schema):
    meetings = fields.Integer()
    members = fields.Integer()
    participations = fields.Integer()


class StatisticsOut(Schema):
    """The year's figures from activities for the yearly report."""
    year = fields.Integer()
    study_sessions = fields.Nested(StudyFiguresOut)
    bulletins = fields.Nested(BulletinFiguresOut)
    contacts = fields.Nested(ContactFiguresOut)
    activities = fields.Nested(ActivityFiguresOut)
    review_meetings = fields.Nested(ReviewMeetingFiguresOut)

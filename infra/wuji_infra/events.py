"""The event contract: one envelope, and a marshmallow schema per event type.

Envelope: ``{"event_id", "event_type", "source", "occurred_at", "version": 1, "data"}``.

A tolerant reader: a consumer requires only the fields its type's schema names as
required, and drops the fields it does not know (at both levels), so a producer may add
an optional field without breaking anyone. A version it does not know, a missing or
malformed required field, is refused: such a message goes to the dead letters. A
producer is strict: ``new_event`` refuses data its schema does not describe.
Events carry ids and the few facts consumers need, never diagnoses or notes.
"""
import dataclasses
import datetime as dt
import uuid

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from wuji_infra.validation import as_id

ENVELOPE_VERSION = 1


class InvalidEvent(Exception):
    """A message that is not a valid event of the expected type."""


def _money(**kwargs):
    return fields.Decimal(as_string=True, places=2, **kwargs)


# -- members ------------------------------------------------------------------

class MemberFacts(Schema):
    """What other services keep of a member to apply their rules: welfare
    (age, living situation), funding (pension for dues), activities (branch,
    specialties, mobility)."""
    member_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    status = fields.String(required=True)
    hardship = fields.Boolean(required=True)
    lives_alone = fields.Boolean(required=True)
    children_away = fields.Boolean(required=True)
    mobility_limited = fields.Boolean(required=True)
    org_relation = fields.String(required=True)
    pension_monthly = _money(allow_none=True, load_default=None)
    specialties = fields.List(fields.String(), load_default=list)
    # the day the member counts from (入册日期); older producers send none
    counts_from = fields.Date(allow_none=True, load_default=None)


class MemberHealthEvent(Schema):
    """Shared by the four health events: the event, and the facts rules need (the contract names
    these; the health event's own id is sent, and not required of a producer)."""
    member_id = fields.Integer(required=True)
    health_event_id = fields.Integer(allow_none=True, load_default=None)
    date = fields.Date(required=True)
    branch_id = fields.Integer(required=True)
    birth_date = fields.Date(required=True)
    hardship = fields.Boolean(required=True)
    lives_alone = fields.Boolean(required=True)


class MemberHospitalized(MemberHealthEvent):
    hospital = fields.String(required=True)


class MemberTransferred(Schema):
    member_id = fields.Integer(required=True)
    org_relation = fields.String(required=True)
    community = fields.String(allow_none=True, load_default=None)
    status = fields.String(required=True)
    # added by issue 6: when it took effect, where from, and the branch (optional for old senders)
    date = fields.Date(allow_none=True, load_default=None)
    branch_id = fields.Integer(allow_none=True, load_default=None)
    from_org_relation = fields.String(allow_none=True, load_default=None)
    from_community = fields.String(allow_none=True, load_default=None)


class MemberWithdrawn(Schema):
    """A member entered in error was withdrawn (撤销误录): kept in members' history, gone from
    every list and figure. The reason stays with members: consumers do not need it."""
    member_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


# -- welfare ------------------------------------------------------------------

class VisitTaskCreated(Schema):
    task_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    cause = fields.String(required=True)
    due_date = fields.Date(required=True)
    source_event_id = fields.String(allow_none=True, load_default=None)
    # added by issue 14 (optional for old senders): the member's branch, and who is to visit
    branch_id = fields.Integer(allow_none=True, load_default=None)
    assignee = fields.String(allow_none=True, load_default=None)


class VisitTaskAssigned(Schema):
    """An open task given to someone else (``assignee`` None: to nobody)."""
    task_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    assignee = fields.String(required=True, allow_none=True)
    branch_id = fields.Integer(allow_none=True, load_default=None)


class VisitTaskCancelled(Schema):
    """An open task cancelled: by hand, by a death, by a withdrawal. No reason: it may tell of health."""
    task_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)


class VisitCompleted(Schema):
    task_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    visited_on = fields.Date(required=True)
    cash = _money(required=True)
    goods_value = _money(required=True)


class VisitTaskDue(Schema):
    """visit_task_due_soon (a day before) and visit_task_overdue, once per task."""
    task_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    cause = fields.String(required=True)
    due_date = fields.Date(required=True)
    assignee = fields.String(allow_none=True, load_default=None)
    branch_id = fields.Integer(allow_none=True, load_default=None)  # added by issue 14


class HelpCaseOpened(Schema):
    """A help case (办实事、解难事) opened; its title and description stay with welfare."""
    case_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    opened_on = fields.Date(required=True)
    branch_id = fields.Integer(allow_none=True, load_default=None)
    assignee = fields.String(allow_none=True, load_default=None)


class HelpCaseAssigned(Schema):
    case_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    assignee = fields.String(required=True, allow_none=True)


class HelpCaseClosed(Schema):
    case_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)


class FestivalBatchMade(Schema):
    """A festival's visit tasks were made (by the daily timer or by staff); a second run of the
    same festival and year sends it again with the tasks it added."""
    festival = fields.String(required=True)        # spring_festival, double_ninth
    year = fields.Integer(required=True)
    festival_date = fields.Date(required=True)
    tasks_created = fields.Integer(required=True)  # by this run


# -- funding ------------------------------------------------------------------

class SubsidyChecked(Schema):
    check_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    cause = fields.String(required=True)
    eligible = fields.Boolean(required=True)
    amount = _money(required=True)
    source_event_id = fields.String(allow_none=True, load_default=None)
    # added by issue 14: pending_approval, not_eligible (optional for old senders)
    status = fields.String(allow_none=True, load_default=None)


class SubsidyReviewed(Schema):
    """A check pending approval was approved, rejected, or closed by the system (a withdrawal)."""
    check_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    status = fields.String(required=True)  # approved, rejected, closed


class ExpenseBooked(Schema):
    expense_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    category = fields.String(required=True)
    amount = _money(required=True)
    # what the money paid for, e.g. "visit:12", "activity:5", "subsidy:3"; None when booked by hand
    reference = fields.String(allow_none=True, load_default=None)
    member_id = fields.Integer(allow_none=True, load_default=None)


def expense_reference(kind, record_id):
    """What an expense paid for, as funding's events say it: "visit:12", "activity:5"."""
    return f"{kind}:{record_id}"


def referenced_id(reference, kind):
    """The record id in ``reference`` when it names a ``kind`` ("activity"), else None (not ours)."""
    prefix, _, raw_id = (reference or "").partition(":")
    if prefix != kind or not raw_id.isdigit():
        return None
    return as_id(raw_id)


class ExpenseRefused(Schema):
    year = fields.Integer(required=True)
    category = fields.String(required=True)
    amount = _money(required=True)
    reason = fields.String(required=True)
    reference = fields.String(allow_none=True, load_default=None)
    member_id = fields.Integer(allow_none=True, load_default=None)


# -- activities ---------------------------------------------------------------

class StudySessionRecorded(Schema):
    session_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    attended = fields.Integer(required=True)
    absent = fields.Integer(required=True)


class ActivityRecorded(Schema):
    activity_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    date = fields.Date(required=True)
    participants = fields.Integer(required=True)
    cost = _money(required=True)
    # the expense category funding books the cost under (CONTRACT enum)
    expense_category = fields.String(required=True)


class BulletinPublished(Schema):
    bulletin_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    date = fields.Date(required=True)
    items = fields.Integer(required=True)


class ContactLogged(Schema):
    contact_id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    level = fields.String(required=True)
    date = fields.Date(required=True)
    member_id = fields.Integer(allow_none=True, load_default=None)


# -- members: the branch committee ---------------------------------------------

class BranchTermReminder(Schema):
    """branch_term_expiring (6 and 3 months before) and branch_term_overdue (monthly)."""
    branch_id = fields.Integer(required=True)
    term_id = fields.Integer(required=True)
    ends_on = fields.Date(required=True)
    reminder = fields.String(required=True)  # e.g. "6_months", "3_months", "overdue:2027-03"
    branch_name = fields.String(allow_none=True, load_default=None)  # added by issue 14, for the words of a to-do


class BranchTermElected(Schema):
    """A branch elected its committee (换届): its new term."""
    branch_id = fields.Integer(required=True)
    term_id = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    branch_name = fields.String(allow_none=True, load_default=None)


class MemberImportFinished(Schema):
    """An Excel import of the roster ended: ``done`` or ``failed`` (not when cancelled)."""
    job_id = fields.Integer(required=True)
    status = fields.String(required=True)
    filename = fields.String(required=True)
    started_by = fields.String(allow_none=True, load_default=None)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


# event type -> (the service that owns it, the schema of its data)
EVENT_TYPES = {
    "member_registered": ("members", MemberFacts),
    "member_updated": ("members", MemberFacts),
    "member_hospitalized": ("members", MemberHospitalized),
    "member_discharged": ("members", MemberHealthEvent),
    "member_seriously_ill": ("members", MemberHealthEvent),
    "member_deceased": ("members", MemberHealthEvent),
    "member_transferred": ("members", MemberTransferred),
    "member_withdrawn": ("members", MemberWithdrawn),
    "branch_term_expiring": ("members", BranchTermReminder),
    "branch_term_overdue": ("members", BranchTermReminder),
    "branch_term_elected": ("members", BranchTermElected),
    "member_import_finished": ("members", MemberImportFinished),
    "visit_task_created": ("welfare", VisitTaskCreated),
    "visit_task_due_soon": ("welfare", VisitTaskDue),
    "visit_task_overdue": ("welfare", VisitTaskDue),
    "visit_task_assigned": ("welfare", VisitTaskAssigned),
    "visit_task_cancelled": ("welfare", VisitTaskCancelled),
    "visit_completed": ("welfare", VisitCompleted),
    "help_case_opened": ("welfare", HelpCaseOpened),
    "help_case_assigned": ("welfare", HelpCaseAssigned),
    "help_case_closed": ("welfare", HelpCaseClosed),
    "festival_batch_made": ("welfare", FestivalBatchMade),
    "subsidy_checked": ("funding", SubsidyChecked),
    "subsidy_reviewed": ("funding", SubsidyReviewed),
    "expense_booked": ("funding", ExpenseBooked),
    "expense_refused": ("funding", ExpenseRefused),
    "study_session_recorded": ("activities", StudySessionRecorded),
    "activity_recorded": ("activities", ActivityRecorded),
    "bulletin_published": ("activities", BulletinPublished),
    "contact_logged": ("activities", ContactLogged),
}


# one instance per schema: building a marshmallow Schema costs more than using it
_SCHEMAS = {event_type: schema() for event_type, (_, schema) in EVENT_TYPES.items()}


def describe(event_type, owner, schema):
    """Add an event type that no Wuji service knows, emitted by ``owner`` with data of ``schema``
    (a marshmallow Schema class): for a benchmark's own service (bench/pipeline_probe.py)."""
    EVENT_TYPES[event_type] = (owner, schema)
    _SCHEMAS[event_type] = schema()


def _known_type(event_type):
    """Checked against EVENT_TYPES when a message is read (``describe`` may add types)."""
    if event_type not in EVENT_TYPES:
        raise ValidationError(f"unknown event type {event_type!r}")


class _Envelope(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=_known_type)
    source = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True, validate=validate.Equal(ENVELOPE_VERSION))
    data = fields.Dict(required=True)
    # the request that caused the event (optional): logs follow one request through the services
    request_id = fields.String(allow_none=True, load_default=None)


_ENVELOPE = _Envelope()


@dataclasses.dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str
    source: str
    occurred_at: dt.datetime
    data: dict
    version: int = ENVELOPE_VERSION
    request_id: str | None = None


def new_event(event_type, data, source=None, request_id=None):
    """A fresh event; ``data`` is checked against its type's schema. ``request_id``: the request
    that caused it, carried in the envelope for the logs."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    owner = EVENT_TYPES[event_type][0]
    if source is not None and source != owner:
        raise ValueError(f"{source} may not dispatch {event_type} (owned by {owner})")
    schema = _SCHEMAS[event_type]
    undescribed = sorted(set(data) - set(schema.fields))
    if undescribed:
        raise ValueError(f"{event_type} data is invalid: {undescribed} not in its schema (add them there first)")
    try:
        loaded = schema.load(schema.dump(data))
    except ValidationError as exc:
        raise ValueError(f"{event_type} data is invalid: {exc.messages}") from exc
    return Event(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        source=owner,
        occurred_at=dt.datetime.now(dt.timezone.utc),
        data=loaded,
        request_id=request_id,
    )


def to_message(event):
    """The JSON-ready envelope of an event."""
    message = {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "source": event.source,
        "occurred_at": event.occurred_at.isoformat(),
        "version": event.version,
        "data": _SCHEMAS[event.event_type].dump(event.data),
    }
    if event.request_id:
        message["request_id"] = event.request_id
    return message


def from_message(body, expected_type=None):
    """Parse and validate an envelope; raises InvalidEvent with the reason."""
    try:
        envelope = _ENVELOPE.load(body, unknown=EXCLUDE)
    except (ValidationError, TypeError) as exc:
        raise InvalidEvent(f"bad envelope: {getattr(exc, 'messages', exc)}") from exc
    event_type = envelope["event_type"]
    owner, schema = EVENT_TYPES[event_type][0], _SCHEMAS[event_type]
    if expected_type and event_type != expected_type:
        raise InvalidEvent(f"expected {expected_type}, got {event_type}")
    if envelope["source"] != owner:
        raise InvalidEvent(f"{event_type} must come from {owner}, not {envelope['source']}")
    try:
        data = schema.load(envelope["data"], unknown=EXCLUDE)
    except ValidationError as exc:
        raise InvalidEvent(f"bad {event_type} data: {exc.messages}") from exc
    return Event(
        event_id=str(envelope["event_id"]),
        event_type=event_type,
        source=envelope["source"],
        occurred_at=envelope["occurred_at"],
        data=data,
        version=envelope["version"],
        request_id=envelope["request_id"],
    )

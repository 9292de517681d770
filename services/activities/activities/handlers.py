"""What the activities service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
Functions whose answer depends on the day take ``today`` (default: the real
today), so tests can fix it.
"""
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from activities import domain
from activities.models import (
    Activity, Attendance, Bulletin, Contact, Member, MemberSpecialty, ReviewMeeting, ReviewParticipant, StudySession,
)
from activities.schemas import (
    AbsenceFilters, ActivityFilters, ActivityIn, ActivityOut, AttendanceOut, BulletinFilters, BulletinIn, BulletinOut,
    CatchUpIn, ComplianceQuery, ContactFilters, ContactIn, ContactOut, CoverageQuery, ExpertFilters,
    ReviewMeetingFilters, ReviewMeetingIn, ReviewMeetingOut, StudySessionFilters, StudySessionIn, StudySessionOut,
    YearQuery,
)
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.types import office_date
from wuji_infra.validation import load, page_of, paging

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
_MAX_ID = 2**31 - 1


def _facts(member):
    return domain.MemberFacts(
        member_id=member.member_id, branch_id=member.branch_id, status=member.status,
        registered_on=member.registered_on, name=member.name, mobility_limited=member.mobility_limited,
    )


# what a missing row is called: Chinese (English)
_NAMES = {"study_sessions": "集体学习 (study session)", "activities": "活动 (activity)",
          "bulletins": "学习园地 (bulletin issue)", "review_meetings": "论证会/研讨会 (review meeting)"}


def _get_or_404(session, model, key, lock=False):
    try:
        number = int(str(key))
    except ValueError:
        number = None
    found = None
    if number is not None and 0 < number <= _MAX_ID:
        found = session.get(model, number, with_for_update=lock)
    if found is None:
        raise NotFound(f"{_NAMES[model.__tablename__]} {key} 不存在 (not found)")
    return found


def _refuse_participants(session, branch_id, member_ids, field):
    """InvalidInput naming ``field`` unless every id is an active member of the branch."""
    rows = session.scalars(sa.select(Member).where(Member.member_id.in_(member_ids))).all() if member_ids else []
    problems = domain.participant_problems(branch_id, member_ids, {m.member_id: _facts(m) for m in rows})
    if problems:
        reasons = [problems[member_id] for member_id in member_ids if member_id in problems]
        raise InvalidInput("参加者须为本支部在册党员 (participants must be active members of the branch)",
                           {field: reasons})


def _period(query, column, chosen):
    if "date_from" in chosen:
        query = query.where(column >= chosen["date_from"])
    if "date_to" in chosen:
        query = query.where(column <= chosen["date_to"])
    return query


# -- member facts, from members' events ---------------------------------------

def apply_member_facts(tx, data, occurred_at):
    """member_registered / member_updated: store the facts unless newer ones are stored."""
    member = tx.session.get(Member, data["member_id"], with_for_update=True)
    if member is None:
        member = Member(member_id=data["member_id"], registered_on=office_date(occurred_at))
        tx.session.add(member)
    elif member.facts_as_of >= occurred_at:
        log.info("member %s: facts of %s older than stored ones, ignored", data["member_id"], occurred_at)
        return
    elif member.status == "deceased":
        # death is final: a late update does not bring a member back
        data = dict(data, status="deceased")
    member.branch_id = data["branch_id"]
    member.name = data["name"]
    member.status = data["status"]
    specialties = sorted({s.strip()[:50] for s in data.get("specialties") or [] if s.strip()})
    member.specialties = specialties
    member.mobility_limited = data["mobility_limited"]
    member.facts_as_of = occurred_at
    tx.session.flush()
    tx.session.execute(sa.delete(MemberSpecialty).where(MemberSpecialty.member_id == member.member_id))
    if specialties:
        tx.session.execute(sa.insert(MemberSpecialty), [
            {"member_id": member.member_id, "specialty": specialty} for specialty in specialties])


def apply_member_status(tx, member_id, status, occurred_at):
    """member_deceased / member_transferred: the member's new status.

    A member not yet known is skipped: its member_registered brings the status.
    """
    member = tx.session.get(Member, member_id, with_for_update=True)
    if member is None:
        log.info("member %s: status %s for an unknown member, skipped", member_id, status)
        return
    if status == "deceased" or (member.status != "deceased" and occurred_at >= member.facts_as_of):
        member.status = status
        member.facts_as_of = max(member.facts_as_of, occurred_at)


# -- monthly study ------------------------------------------------------------

def record_study_session(tx, data, recorded_by=None):
    """A study session with its attendance: every expected member of the branch
    who is not an attendee is an absentee, to catch up."""
    values = load(StudySessionIn(), data)
    branch_id, day = values["branch_id"], values["date"]
    _refuse_participants(tx.session, branch_id, values["attendees"], "attendees")
    if tx.session.scalar(sa.select(StudySession.id).where(
            StudySession.branch_id == branch_id, StudySession.date == day)) is not None:
        reason = "该支部当天已有集体学习记录 (the branch already has a study session that day)"
        raise Conflict(reason, {"date": [reason]})

    branch_members = [_facts(m) for m in tx.session.scalars(
        sa.select(Member).where(Member.branch_id == branch_id, Member.status == "active"))]
    absent = domain.absentees(branch_members, values["attendees"], day)
    session = StudySession(branch_id=branch_id, date=day, topic=values["topic"],
                           materials=values["materials"], recorded_by=recorded_by)
    session.attendance = (
        [Attendance(member_id=member_id, attended=True) for member_id in values["attendees"]]
        + [Attendance(member_id=m.member_id, attended=False) for m in absent])
    tx.session.add(session)
    try:
        tx.session.flush()
    except IntegrityError:  # a concurrent request recorded the same branch and day
        reason = "该支部当天已有集体学习记录 (the branch already has a study session that day)"
        raise Conflict(reason, {"date": [reason]})
    tx.emit("study_session_recorded", {
        "session_id": session.id, "branch_id": branch_id, "date": day,
        "attended": len(values["attendees"]), "absent": len(absent),
    })
    return dump_study_session(tx.session, session)


def dump_study_session(session, study):
    """A session, with each absentee's name and mobility so staff see who needs 送学上门."""
    data = StudySessionOut().dump(study)
    ids = [row["member_id"] for row in data["attendance"]]
    members = {m.member_id: m for m in session.scalars(sa.select(Member).where(Member.member_id.in_(ids)))} if ids else {}
    for row in data["attendance"]:
        member = members.get(row["member_id"])
        row["name"] = member.name if member else None
        row["mobility_limited"] = bool(member and member.mobility_limited)
    data["attended"] = sum(1 for row in data["attendance"] if row["attended"])
    data["absent"] = len(data["attendance"]) - data["attended"]
    data["caught_up"] = sum(1 for row in data["attendance"] if not row["attended"] and row.get("catch_up_method"))
    return data


def record_catch_up(tx, session_id, data):
    """An absentee caught up: how (送学上门 for the housebound), when, by whom."""
    values = load(CatchUpIn(), data)
    study = _get_or_404(tx.session, StudySession, session_id, lock=True)
    row = tx.session.get(Attendance, (study.id, values["member_id"]), with_for_update=True)
    if row is None or row.attended:
        reason = "该党员不是本次学习的缺席者 (the member was not absent from this session)"
        raise InvalidInput(reason, {"member_id": [reason]})
    if values["date"] < study.date:
        reason = "补学日期不能早于学习日期 (the catch-up is before the session)"
        raise InvalidInput(reason, {"date": [reason]})
    if values["method"] == "home_delivery" and not values.get("by"):
        reason = "送学上门须填写送学人 (who took the material to the member)"
        raise InvalidInput(reason, {"by": [reason]})
    if row.catch_up_method is not None:
        reason = "该党员已有补学记录 (the member has already caught up)"
        raise Conflict(reason, {"member_id": [reason]})
    row.catch_up_method = values["method"]
    row.catch_up_on = values["date"]
    row.catch_up_by = values.get("by")
    row.catch_up_note = values.get("note")
    tx.session.flush()
    return dump_study_session(tx.session, study)


def get_study_session(session, session_id):
    return dump_study_session(session, _get_or_404(session, StudySession, session_id))


def list_study_sessions(session, filters=None, page=1, page_size=20):
    """Sessions, latest first; filters ``branch_id``, ``date_from``, ``date_to``."""
    chosen = load(StudySessionFilters(), filters or {})
    query = sa.select(StudySession).order_by(StudySession.date.desc(), StudySession.id.desc())
    if "branch_id" in chosen:
        query = query.where(StudySession.branch_id == chosen["branch_id"])
    query = _period(query, StudySession.date, chosen)
    return page_of(session, query, lambda study: dump_study_session(session, study), page, page_size)


def list_absences(session, filters=None, page=1, page_size=20):
    """Absentees of study sessions, latest session first, to catch up: filters
    ``branch_id``, ``member_id``, ``caught_up`` (true/false), ``date_from``,
    ``date_to``. ``caught_up=false`` with a member's ``mobility_limited`` tells
    who still needs the material taken home (送学上门)."""
    chosen = load(AbsenceFilters(), filters or {})
    query = (sa.select(Attendance, StudySession, Member)
             .join(StudySession, StudySession.id == Attendance.session_id)
             .outerjoin(Member, Member.member_id == Attendance.member_id)
             .where(Attendance.attended.is_(False))
             .order_by(StudySession.date.desc(), StudySession.id.desc(), Attendance.member_id))
    if "branch_id" in chosen:
        query = query.where(StudySession.branch_id == chosen["branch_id"])
    if "member_id" in chosen:
        query = query.where(Attendance.member_id == chosen["member_id"])
    if chosen.get("caught_up") is True:
        query = query.where(Attendance.catch_up_method.is_not(None))
    elif chosen.get("caught_up") is False:
        query = query.where(Attendance.catch_up_method.is_(None))
    query = _period(query, StudySession.date, chosen)
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    items = []
    for absence, study, member in rows:
        items.append(dict(
            AttendanceOut().dump(absence), session_id=study.id, branch_id=study.branch_id,
            date=study.date.isoformat(), topic=study.topic, name=member.name if member else None,
            mobility_limited=bool(member and member.mobility_limited)))
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _first_member_on(session, branch_id):
    return session.scalar(sa.select(sa.func.min(Member.registered_on)).where(Member.branch_id == branch_id))


def study_compliance(session, query, today=None):
    """For a branch and a year, each month: whether it had a session.

    ``{"branch_id", "year", "months": [{"month", "status", "sessions": [{"id", "date", "topic"}]}],
    "held", "missing"}``; statuses in ``domain.month_status``.
    """
    today = today or dt.date.today()
    chosen = load(ComplianceQuery(), query or {})
    branch_id, year = chosen["branch_id"], chosen["year"]
    rows = session.execute(
        sa.select(StudySession.id, StudySession.date, StudySession.topic)
        .where(StudySession.branch_id == branch_id,
               StudySession.date >= dt.date(year, 1, 1), StudySession.date <= dt.date(year, 12, 31))
        .order_by(StudySession.date)).all()
    first_member_on = _first_member_on(session, branch_id)
    months = []
    for month in range(1, 13):
        held = [{"id": r.id, "date": r.date.isoformat(), "topic": r.topic} for r in rows if r.date.month == month]
        months.append({"month": month, "status": domain.month_status(year, month, bool(held), first_member_on, today),
                       "sessions": held})
    return {
        "branch_id": branch_id, "year": year, "months": months,
        "held": sum(1 for m in months if m["status"] == "held"),
        "missing": [m["month"] for m in months if m["status"] == "missing"],
    }


# -- three contacts -----------------------------------------------------------

def _already_done(session, model, request_id):
    """The row a request with this Idempotency-Key made before, if any."""
    if request_id is None:
        return None
    return session.scalar(sa.select(model).where(model.request_id == request_id))


def _flush_once(session):
    """Flush a new row keyed by request_id; two concurrent requests with one key: the second is a conflict."""
    try:
        session.flush()
    except IntegrityError:
        reason = "同一请求正在处理, 请稍后重试 (the same request is being handled; retry shortly)"
        raise Conflict(reason, {"Idempotency-Key": [reason]})


def log_contact(tx, data, recorded_by=None, request_id=None):
    """Log a contact, once per ``request_id`` (a retry answers the contact logged first)."""
    values = load(ContactIn(), data)
    existing = _already_done(tx.session, Contact, request_id)
    if existing is not None:
        return ContactOut().dump(existing)
    branch_id = values["branch_id"]
    _refuse_participants(tx.session, branch_id, [values["member_id"]], "member_id")
    if values.get("contact_by_member_id") is not None:
        by = tx.session.get(Member, values["contact_by_member_id"])
        if by is None or by.status != "active":
            reason = f"党员 {values['contact_by_member_id']} 不是在册党员 (not an active member)"
            raise InvalidInput(reason, {"contact_by_member_id": [reason]})
    learned = {topic: text.strip() for topic, text in values["learned"].items() if (text or "").strip()}
    contact = Contact(
        branch_id=branch_id, level=values["level"], contact_by=values["contact_by"],
        contact_by_member_id=values.get("contact_by_member_id"), member_id=values["member_id"],
        date=values["date"], channel=values["channel"], learned=learned, recorded_by=recorded_by,
        request_id=request_id,
    )
    tx.session.add(contact)
    _flush_once(tx.session)
    tx.emit("contact_logged", {
        "contact_id": contact.id, "branch_id": branch_id, "level": contact.level,
        "date": contact.date, "member_id": contact.member_id,
    })
    return ContactOut().dump(contact)


def list_contacts(session, filters=None, page=1, page_size=20):
    """Contacts, latest first; filters ``branch_id``, ``member_id``, ``level``, ``date_from``, ``date_to``."""
    chosen = load(ContactFilters(), filters or {})
    query = sa.select(Contact).order_by(Contact.date.desc(), Contact.id.desc())
    for field in ("branch_id", "member_id", "level"):
        if field in chosen:
            query = query.where(getattr(Contact, field) == chosen[field])
    query = _period(query, Contact.date, chosen)
    return page_of(session, query, ContactOut().dump, page, page_size)


def contact_coverage(session, query=None, page=1, page_size=20, today=None):
    """The active members not contacted in the last quarter (``domain.coverage_window``
    up to ``as_of``, default today), per branch.

    ``items``: those members (``member_id``, ``name``, ``branch_id``,
    ``last_contact_on`` or None), by branch then member, paged; ``branches``:
    for every branch with active members, how many there are and how many were
    not contacted.
    """
    chosen = load(CoverageQuery(), query or {})
    page, page_size = paging(page, page_size)
    as_of = chosen.get("as_of") or today or dt.date.today()
    start, end = domain.coverage_window(as_of)

    # index probes on (member_id, date) per member, not an aggregate over every contact
    contacted = (sa.select(Contact.id).where(Contact.member_id == Member.member_id,
                                             Contact.date >= start, Contact.date <= end)
                 .correlate(Member).exists())
    active = sa.and_(Member.status == "active", Member.registered_on <= end)
    if "branch_id" in chosen:
        active = sa.and_(active, Member.branch_id == chosen["branch_id"])

    counts = session.execute(
        sa.select(Member.branch_id, sa.func.count(), sa.func.count().filter(~contacted))
        .where(active).group_by(Member.branch_id).order_by(Member.branch_id)).all()
    branches = [{"branch_id": b, "active_members": n, "not_contacted": missing,
                 "contacted": n - missing} for b, n, missing in counts]
    total = sum(b["not_contacted"] for b in branches)

    last_on = (sa.select(sa.func.max(Contact.date))
               .where(Contact.member_id == Member.member_id, Contact.date <= end)
               .correlate(Member).scalar_subquery())
    rows = session.execute(
        sa.select(Member.member_id, Member.name, Member.branch_id, last_on.label("last_on"))
        .where(active, ~contacted).order_by(Member.branch_id, Member.member_id)
        .limit(page_size).offset((page - 1) * page_size)).all()
    items = [{"member_id": r.member_id, "name": r.name, "branch_id": r.branch_id,
              "last_contact_on": r.last_on.isoformat() if r.last_on else None} for r in rows]
    return {"as_of": as_of.isoformat(), "window_start": start.isoformat(), "branches": branches,
            "items": items, "total": total, "page": page, "page_size": page_size}


# -- activities ---------------------------------------------------------------

def record_activity(tx, data, recorded_by=None, request_id=None):
    """Record an activity and announce its cost, once per ``request_id``."""
    values = load(ActivityIn(), data)
    existing = _already_done(tx.session, Activity, request_id)
    if existing is not None:
        return ActivityOut().dump(existing)
    _refuse_participants(tx.session, values["branch_id"], values["participants"], "participants")
    activity = Activity(
        branch_id=values["branch_id"], kind=values["kind"], date=values["date"], title=values["title"],
        place=values["place"], organizer=values["organizer"], participant_ids=values["participants"],
        volunteer_hours=values["volunteer_hours"] if values["volunteer_hours"] is not None else Decimal("0.0"),
        cost=values["cost"] if values["cost"] is not None else ZERO,
        expense_category=values["expense_category"], recorded_by=recorded_by, request_id=request_id,
    )
    tx.session.add(activity)
    _flush_once(tx.session)
    tx.emit("activity_recorded", {
        "activity_id": activity.id, "branch_id": activity.branch_id, "kind": activity.kind,
        "date": activity.date, "participants": len(activity.participant_ids),
        "cost": activity.cost, "expense_category": activity.expense_category,
    })
    return ActivityOut().dump(activity)


def get_activity(session, activity_id):
    return ActivityOut().dump(_get_or_404(session, Activity, activity_id))


def list_activities(session, filters=None, page=1, page_size=20):
    """Activities, latest first; filters ``branch_id``, ``kind``, ``date_from``, ``date_to``."""
    chosen = load(ActivityFilters(), filters or {})
    query = sa.select(Activity).order_by(Activity.date.desc(), Activity.id.desc())
    for field in ("branch_id", "kind"):
        if field in chosen:
            query = query.where(getattr(Activity, field) == chosen[field])
    query = _period(query, Activity.date, chosen)
    return page_of(session, query, ActivityOut().dump, page, page_size)


# -- study bulletins ----------------------------------------------------------

def publish_bulletin(tx, data, recorded_by=None):
    """An issue of the study bulletin; its number is unique per branch and year."""
    values = load(BulletinIn(), data)
    branch_id, number, year = values["branch_id"], values["number"], values["date"].year
    duplicate = "该支部本年度已有此期号 (this number is taken for the branch and year)"
    if tx.session.scalar(sa.select(Bulletin.id).where(
            Bulletin.branch_id == branch_id, Bulletin.year == year, Bulletin.number == number)) is not None:
        raise Conflict(duplicate, {"number": [duplicate]})
    bulletin = Bulletin(
        branch_id=branch_id, year=year, number=number, date=values["date"], items=values["items"],
        item_count=len(values["items"]), reach_online=values["reach_online"],
        reach_offline=values["reach_offline"], recorded_by=recorded_by,
    )
    tx.session.add(bulletin)
    try:
        tx.session.flush()
    except IntegrityError:  # a concurrent request took the number
        raise Conflict(duplicate, {"number": [duplicate]})
    tx.emit("bulletin_published", {
        "bulletin_id": bulletin.id, "branch_id": branch_id, "number": number,
        "date": bulletin.date, "items": bulletin.item_count,
    })
    return BulletinOut().dump(bulletin)


def get_bulletin(session, bulletin_id):
    return BulletinOut().dump(_get_or_404(session, Bulletin, bulletin_id))


def list_bulletins(session, filters=None, page=1, page_size=20):
    """Issues, latest first; filters ``branch_id``, ``year``, ``date_from``, ``date_to``."""
    chosen = load(BulletinFilters(), filters or {})
    query = sa.select(Bulletin).order_by(Bulletin.date.desc(), Bulletin.id.desc())
    for field in ("branch_id", "year"):
        if field in chosen:
            query = query.where(getattr(Bulletin, field) == chosen[field])
    query = _period(query, Bulletin.date, chosen)
    return page_of(session, query, BulletinOut().dump, page, page_size)


def bulletin_gaps(session, query, today=None):
    """For a branch and a year: the ISO weeks that ended without an issue
    (``domain.weeks_without_issue``), and how many issues and items there were."""
    today = today or dt.date.today()
    chosen = load(ComplianceQuery(), query or {})
    branch_id, year = chosen["branch_id"], chosen["year"]
    monday, _ = domain.iso_weeks(year)[0]
    _, sunday = domain.iso_weeks(year)[-1]
    rows = session.execute(sa.select(Bulletin.date, Bulletin.item_count).where(
        Bulletin.branch_id == branch_id, Bulletin.date >= monday, Bulletin.date <= sunday)).all()
    missing = domain.weeks_without_issue(year, [r.date for r in rows], _first_member_on(session, branch_id), today)
    in_year = [r for r in rows if r.date.year == year]
    return {
        "branch_id": branch_id, "year": year,
        "issues": len(in_year), "items": sum(r.item_count for r in in_year),
        "weeks_without_issue": [dict(w, monday=w["monday"].isoformat(), sunday=w["sunday"].isoformat())
                                for w in missing],
    }


# -- review meetings ----------------------------------------------------------

def record_review_meeting(tx, data, recorded_by=None):
    """A review meeting (论证会/研讨会): its experts, each an active member, and their advice."""
    values = load(ReviewMeetingIn(), data)
    member_ids = [p["member_id"] for p in values["participants"]]
    found = {m.member_id: m for m in tx.session.scalars(sa.select(Member).where(Member.member_id.in_(member_ids)))}
    problems = [f"党员 {member_id} 不是在册党员 (not an active member)" for member_id in member_ids
                if member_id not in found or found[member_id].status != "active"]
    if problems:
        raise InvalidInput("参加者须为在册党员 (participants must be active members)", {"participants": problems})
    meeting = ReviewMeeting(kind=values["kind"], topic=values["topic"], date=values["date"],
                            organizer=values["organizer"], recorded_by=recorded_by)
    meeting.participants = [ReviewParticipant(member_id=p["member_id"], advice=p["advice"])
                            for p in values["participants"]]
    tx.session.add(meeting)
    tx.session.flush()
    return ReviewMeetingOut().dump(meeting)


def get_review_meeting(session, meeting_id):
    return ReviewMeetingOut().dump(_get_or_404(session, ReviewMeeting, meeting_id))


def list_review_meetings(session, filters=None, page=1, page_size=20):
    """Meetings, latest first; filters ``kind``, ``member_id`` (took part), ``date_from``, ``date_to``."""
    chosen = load(ReviewMeetingFilters(), filters or {})
    query = sa.select(ReviewMeeting).order_by(ReviewMeeting.date.desc(), ReviewMeeting.id.desc())
    if "kind" in chosen:
        query = query.where(ReviewMeeting.kind == chosen["kind"])
    if "member_id" in chosen:
        query = query.where(ReviewMeeting.id.in_(
            sa.select(ReviewParticipant.meeting_id).where(ReviewParticipant.member_id == chosen["member_id"])))
    query = _period(query, ReviewMeeting.date, chosen)
    return page_of(session, query, ReviewMeetingOut().dump, page, page_size)


def list_experts(session, filters=None, page=1, page_size=20):
    """Active members with specialties, to invite to a review meeting: filters
    ``specialty`` (exact), ``branch_id``; each with how often they took part."""
    chosen = load(ExpertFilters(), filters or {})
    took_part = (sa.select(sa.func.count()).where(ReviewParticipant.member_id == Member.member_id)
                 .correlate(Member).scalar_subquery())
    query = (sa.select(Member.member_id, Member.name, Member.branch_id, Member.specialties,
                       took_part.label("review_meetings"))
             .where(Member.status == "active",
                    Member.member_id.in_(sa.select(MemberSpecialty.member_id)))
             .order_by(Member.branch_id, Member.member_id))
    if "specialty" in chosen:
        query = query.where(Member.member_id.in_(
            sa.select(MemberSpecialty.member_id).where(MemberSpecialty.specialty == chosen["specialty"])))
    if "branch_id" in chosen:
        query = query.where(Member.branch_id == chosen["branch_id"])
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": [{"member_id": r.member_id, "name": r.name, "branch_id": r.branch_id,
                       "specialties": r.specialties, "review_meetings": r.review_meetings} for r in rows],
            "total": total, "page": page, "page_size": page_size}


# -- the yearly report's figures ----------------------------------------------

def statistics(session, query):
    """What the yearly report needs from activities, for one year: study
    sessions per branch and month, bulletin issues and items, contacts by
    level, activities by kind (count, cost, volunteer hours), review-meeting
    participation (meetings, members who took part, participations)."""
    year = load(YearQuery(), query or {})["year"]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)

    month = sa.extract("month", StudySession.date)
    sessions = {}
    for branch_id, month_number, count in session.execute(
            sa.select(StudySession.branch_id, month, sa.func.count())
            .where(StudySession.date.between(first, last)).group_by(StudySession.branch_id, month)):
        sessions.setdefault(branch_id, {})[int(month_number)] = count
    # every branch with active members is in the report, also one that held no session
    for branch_id in session.scalars(sa.select(Member.branch_id).where(Member.status == "active").distinct()):
        sessions.setdefault(branch_id, {})
    study_by_branch = [{"branch_id": b, "sessions": sum(months.values()),
                        "months": {str(m): months.get(m, 0) for m in range(1, 13)},
                        "months_held": len(months)} for b, months in sorted(sessions.items())]

    bulletins = session.execute(
        sa.select(Bulletin.branch_id, sa.func.count(), sa.func.sum(Bulletin.item_count))
        .where(Bulletin.year == year).group_by(Bulletin.branch_id).order_by(Bulletin.branch_id)).all()

    contacts = dict(session.execute(
        sa.select(Contact.level, sa.func.count()).where(Contact.date.between(first, last)).group_by(Contact.level)).all())

    kinds = {kind: {"count": count, "cost": cost or ZERO, "volunteer_hours": hours or Decimal("0.0")}
             for kind, count, cost, hours in session.execute(
                 sa.select(Activity.kind, sa.func.count(), sa.func.sum(Activity.cost), sa.func.sum(Activity.volunteer_hours))
                 .where(Activity.date.between(first, last)).group_by(Activity.kind))}

    meetings, members, participations = session.execute(
        sa.select(sa.func.count(sa.distinct(ReviewMeeting.id)), sa.func.count(sa.distinct(ReviewParticipant.member_id)),
                  sa.func.count(ReviewParticipant.member_id))
        .select_from(ReviewMeeting).outerjoin(ReviewParticipant)
        .where(ReviewMeeting.date.between(first, last))).one()

    def money(value):
        return str(Decimal(value).quantize(Decimal("0.01")))

    def hours(value):
        return str(Decimal(value).quantize(Decimal("0.1")))

    return {
        "year": year,
        "study_sessions": {"total": sum(b["sessions"] for b in study_by_branch), "by_branch": study_by_branch},
        "bulletins": {
            "issues": sum(count for _, count, _ in bulletins), "items": sum(int(items or 0) for _, _, items in bulletins),
            "by_branch": [{"branch_id": b, "issues": count, "items": int(items or 0)} for b, count, items in bulletins],
        },
        "contacts": {"total": sum(contacts.values()),
                     "by_level": {level: contacts.get(level, 0) for level in domain.CONTACT_LEVELS}},
        "activities": {
            "total": sum(k["count"] for k in kinds.values()),
            "cost": money(sum((k["cost"] for k in kinds.values()), ZERO)),
            "volunteer_hours": hours(sum((k["volunteer_hours"] for k in kinds.values()), Decimal("0.0"))),
            "by_kind": {kind: {"count": kinds[kind]["count"] if kind in kinds else 0,
                               "cost": money(kinds[kind]["cost"] if kind in kinds else ZERO),
                               "volunteer_hours": hours(kinds[kind]["volunteer_hours"] if kind in kinds else 0)}
                        for kind in domain.ACTIVITY_KINDS},
        },
        "review_meetings": {"meetings": meetings, "members": members, "participations": participations},
    }

"""Monthly collective study (集体学习): sessions, absentees and their catch-ups, the monthly view."""
import datetime as dt

import sqlalchemy as sa

from activities.answers import AbsenceOut, StudyComplianceOut
from activities.domain import study as rules
from activities.handlers.member_facts import (
    NOT_WITHDRAWN, check_members_writable, facts_of, first_member_on, refuse_participants,
)
from activities.models import Attendance, MemberFact, StudySession
from activities.schemas import (
    AbsenceFilters, CatchUpIn, ComplianceQuery, StudySessionFilters, StudySessionIn, StudySessionOut,
)
from activities.shared import filtered, flush_unique, in_period, paged_rows, refuse_future, visible
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.validation import load, page_of, paging

STUDY_SESSION = ("集体学习", "study session")
_SESSION_OUT = StudySessionOut()
_ABSENCES_OUT = AbsenceOut(many=True)


def record_study_session(tx, data, actor=None, *, today, access=SYSTEM):
    """A study session with its attendance: every expected member of the branch
    who is not an attendee is an absentee, to catch up."""
    values = load(StudySessionIn(), data)
    branch_id, day = values["branch_id"], values["date"]
    access.check_write(branch_id)
    check_members_writable(tx.session, access, values["attendees"])
    refuse_future(day, today)
    refuse_participants(tx.session, branch_id, values["attendees"], "attendees")
    problem = rules.session_day_problem(tx.session.scalar(sa.select(StudySession.id).where(
        StudySession.branch_id == branch_id, StudySession.date == day)) is not None)
    if problem:
        raise Conflict(problem, {"date": [problem]})

    branch_members = [facts_of(m) for m in tx.session.scalars(
        sa.select(MemberFact).where(MemberFact.branch_id == branch_id, MemberFact.status == "active"))]
    absent = rules.absentees(branch_members, values["attendees"], day)
    session = StudySession(branch_id=branch_id, date=day, topic=values["topic"],
                           materials=values["materials"], recorded_by=actor)
    session.attendance = (
        [Attendance(member_id=member_id, attended=True) for member_id in values["attendees"]]
        + [Attendance(member_id=m.member_id, attended=False) for m in absent])
    tx.session.add(session)
    flush_unique(tx.session, rules.SESSION_TAKEN, "date")  # a concurrent request recorded the same branch and day
    tx.emit("study_session_recorded", {
        "session_id": session.id, "branch_id": branch_id, "date": day,
        "attended": len(values["attendees"]), "absent": len(absent),
    })
    return dump_study_session(tx.session, session)


def _attendee(row, member):
    """An Attendance row with the member's name and mobility, as AttendanceOut dumps it."""
    return {"member_id": row.member_id, "attended": row.attended, "catch_up_method": row.catch_up_method,
            "catch_up_on": row.catch_up_on, "catch_up_by": row.catch_up_by, "catch_up_note": row.catch_up_note,
            "name": member.name if member else None, "mobility_limited": bool(member and member.mobility_limited)}


def dump_study_session(session, study):
    """A session, with each absentee's name and mobility so staff see who needs 送学上门."""
    ids = [row.member_id for row in study.attendance]
    members = {m.member_id: m for m in session.scalars(
        sa.select(MemberFact).where(MemberFact.member_id.in_(ids)))} if ids else {}
    absent = [row for row in study.attendance if not row.attended]
    return _SESSION_OUT.dump({
        "id": study.id, "branch_id": study.branch_id, "date": study.date, "topic": study.topic,
        "materials": study.materials, "recorded_by": study.recorded_by, "created_at": study.created_at,
        "attendance": [_attendee(row, members.get(row.member_id)) for row in study.attendance],
        "attended": len(study.attendance) - len(absent), "absent": len(absent),
        "caught_up": sum(1 for row in absent if row.catch_up_method),
    })


def record_catch_up(tx, session_id, data, actor=None, *, today, access=SYSTEM):
    """An absentee caught up: how (送学上门 for the housebound), when, by whom.

    ``actor`` is accepted as for every write; no column keeps who recorded a catch-up.
    """
    study = get_or_404(tx.session, StudySession, session_id, STUDY_SESSION, lock=True)
    access.check_write(study.branch_id)  # before the body: another branch's session is 403 whatever it says
    values = load(CatchUpIn(), data)
    check_members_writable(tx.session, access, [values["member_id"]])
    refuse_future(values["date"], today)
    row = tx.session.get(Attendance, (study.id, values["member_id"]), with_for_update=True)
    problem = rules.catch_up_problems(None if row is None else row.attended, study.date, values)
    if problem:
        field, reason = problem
        raise InvalidInput(reason, {field: [reason]})
    reason = rules.caught_up_problem(row.catch_up_method)
    if reason:
        raise Conflict(reason, {"member_id": [reason]})
    row.catch_up_method = values["method"]
    row.catch_up_on = values["date"]
    row.catch_up_by = values.get("by")
    row.catch_up_note = values.get("note")
    tx.session.flush()
    return dump_study_session(tx.session, study)


def get_study_session(session, session_id, *, access=SYSTEM):
    study = get_or_404(session, StudySession, session_id, STUDY_SESSION)
    access.check_read(study.branch_id, STUDY_SESSION, session_id)
    return dump_study_session(session, study)


def list_study_sessions(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Sessions, latest first; filters ``branch_id``, ``date_from``, ``date_to``."""
    chosen = load(StudySessionFilters(), filters or {})
    query = sa.select(StudySession).order_by(StudySession.date.desc(), StudySession.id.desc())
    query = visible(query, access.branch_clause(StudySession.branch_id))
    query = filtered(query, StudySession, chosen, ("branch_id",), StudySession.date)
    return page_of(session, query, lambda study: dump_study_session(session, study), page, page_size)


def list_absences(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Absentees of study sessions, latest session first, to catch up: filters
    ``branch_id``, ``member_id``, ``caught_up`` (true/false), ``date_from``,
    ``date_to``. ``caught_up=false`` with a member's ``mobility_limited`` tells
    who still needs the material taken home (送学上门)."""
    chosen = load(AbsenceFilters(), filters or {})
    query = (sa.select(Attendance, StudySession, MemberFact)
             .join(StudySession, StudySession.id == Attendance.session_id)
             .outerjoin(MemberFact, MemberFact.member_id == Attendance.member_id)
             .where(Attendance.attended.is_(False), NOT_WITHDRAWN)
             .order_by(StudySession.date.desc(), StudySession.id.desc(), Attendance.member_id))
    query = visible(query, access.branch_clause(StudySession.branch_id))
    if "branch_id" in chosen:
        query = query.where(StudySession.branch_id == chosen["branch_id"])
    if "member_id" in chosen:
        query = query.where(Attendance.member_id == chosen["member_id"])
    if chosen.get("caught_up") is True:
        query = query.where(Attendance.catch_up_method.is_not(None))
    elif chosen.get("caught_up") is False:
        query = query.where(Attendance.catch_up_method.is_(None))
    query = in_period(query, StudySession.date, chosen)
    page, page_size = paging(page, page_size)
    total, rows = paged_rows(session, query, page, page_size)
    items = [dict(_attendee(absence, member), session_id=study.id, branch_id=study.branch_id, date=study.date,
                  topic=study.topic) for absence, study, member in rows]
    return {"items": _ABSENCES_OUT.dump(items), "total": total, "page": page, "page_size": page_size}


def study_compliance(session, query=None, *, today, access=SYSTEM):
    """For a branch and a year, each month: whether it had a session.

    ``{"branch_id", "year", "months": [{"month", "status", "sessions": [{"id", "date", "topic"}]}],
    "held", "missing"}``; statuses in ``domain.study.month_status``. A branch outside the
    caller's is seen as one without members or sessions, like a branch that does not exist.
    """
    chosen = load(ComplianceQuery(), query or {})
    branch_id, year = chosen["branch_id"], chosen["year"]
    branches = access.scope_branches([branch_id])
    rows = session.execute(
        sa.select(StudySession.id, StudySession.date, StudySession.topic)
        .where(StudySession.branch_id.in_(branches),
               StudySession.date >= dt.date(year, 1, 1), StudySession.date <= dt.date(year, 12, 31))
        .order_by(StudySession.date)).all()
    first_on = first_member_on(session, branches)
    months = []
    for month in range(1, 13):
        held = [r for r in rows if r.date.month == month]
        months.append({"month": month, "status": rules.month_status(year, month, bool(held), first_on, today),
                       "sessions": held})
    return StudyComplianceOut().dump({
        "branch_id": branch_id, "year": year, "months": months,
        "held": sum(1 for m in months if m["status"] == "held"),
        "missing": [m["month"] for m in months if m["status"] == "missing"],
    })

"""The yearly report's figures from activities: study, bulletins, contacts, activities, review meetings."""
import datetime as dt

import sqlalchemy as sa

from activities.answers import StatisticsOut
from activities.domain.activities import ACTIVITY_KINDS, NO_COST, NO_HOURS
from activities.domain.contacts import CONTACT_LEVELS
from activities.handlers.member_facts import NOT_WITHDRAWN, member_clause
from activities.models import Activity, Bulletin, Contact, MemberFact, ReviewMeeting, ReviewParticipant, StudySession
from activities.schemas import YearQuery
from activities.shared import visible
from wuji_infra.access import SYSTEM
from wuji_infra.validation import load


def statistics(session, query=None, *, access=SYSTEM):
    """What the yearly report needs from activities, for one year: study
    sessions per branch and month, bulletin issues and items, contacts by
    level, activities by kind (count, cost, volunteer hours), review-meeting
    participation (meetings, members who took part, participations).
    A secretary's figures count only their branches (review meetings: their
    members' participations, and the meetings they took part in)."""
    year = load(YearQuery(), query or {})["year"]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)

    month = sa.extract("month", StudySession.date)
    sessions = {}
    for branch_id, month_number, count in session.execute(visible(
            sa.select(StudySession.branch_id, month, sa.func.count())
            .where(StudySession.date.between(first, last)).group_by(StudySession.branch_id, month),
            access.branch_clause(StudySession.branch_id))):
        sessions.setdefault(branch_id, {})[int(month_number)] = count
    # every branch with active members is in the report, also one that held no session
    for branch_id in session.scalars(visible(
            sa.select(MemberFact.branch_id).where(MemberFact.status == "active").distinct(),
            access.branch_clause(MemberFact.branch_id))):
        sessions.setdefault(branch_id, {})
    study_by_branch = [{"branch_id": b, "sessions": sum(months.values()),
                        "months": {str(m): months.get(m, 0) for m in range(1, 13)},
                        "months_held": len(months)} for b, months in sorted(sessions.items())]

    bulletins = session.execute(visible(
        sa.select(Bulletin.branch_id, sa.func.count(), sa.func.sum(Bulletin.item_count))
        .where(Bulletin.year == year).group_by(Bulletin.branch_id).order_by(Bulletin.branch_id),
        access.branch_clause(Bulletin.branch_id))).all()

    contacts = dict(session.execute(visible(
        sa.select(Contact.level, sa.func.count()).where(Contact.date.between(first, last)).group_by(Contact.level),
        access.branch_clause(Contact.branch_id))).all())

    kinds = {kind: {"count": count, "cost": cost or NO_COST, "volunteer_hours": hours or NO_HOURS}
             for kind, count, cost, hours in session.execute(visible(
                 sa.select(Activity.kind, sa.func.count(), sa.func.sum(Activity.cost), sa.func.sum(Activity.volunteer_hours))
                 .where(Activity.date.between(first, last)).group_by(Activity.kind),
                 access.branch_clause(Activity.branch_id)))}

    # a member withdrawn as entered in error is not counted among the members who took part
    counted = sa.case((NOT_WITHDRAWN, ReviewParticipant.member_id))
    meetings, members, participations = session.execute(visible(
        sa.select(sa.func.count(sa.distinct(ReviewMeeting.id)), sa.func.count(sa.distinct(counted)),
                  sa.func.count(counted))
        .select_from(ReviewMeeting).outerjoin(ReviewParticipant)
        .outerjoin(MemberFact, MemberFact.member_id == ReviewParticipant.member_id)
        .where(ReviewMeeting.date.between(first, last)),
        member_clause(access, ReviewParticipant.member_id))).one()

    no_activity = {"count": 0, "cost": NO_COST, "volunteer_hours": NO_HOURS}
    return StatisticsOut().dump({
        "year": year,
        "study_sessions": {"total": sum(b["sessions"] for b in study_by_branch), "by_branch": study_by_branch},
        "bulletins": {
            "issues": sum(count for _, count, _ in bulletins), "items": sum(int(items or 0) for _, _, items in bulletins),
            "by_branch": [{"branch_id": b, "issues": count, "items": int(items or 0)} for b, count, items in bulletins],
        },
        "contacts": {"total": sum(contacts.values()),
                     "by_level": {level: contacts.get(level, 0) for level in CONTACT_LEVELS}},
        "activities": {
            "total": sum(k["count"] for k in kinds.values()),
            "cost": sum((k["cost"] for k in kinds.values()), NO_COST),
            "volunteer_hours": sum((k["volunteer_hours"] for k in kinds.values()), NO_HOURS),
            "by_kind": {kind: kinds.get(kind, no_activity) for kind in ACTIVITY_KINDS},
        },
        "review_meetings": {"meetings": meetings, "members": members, "participations": participations},
    })

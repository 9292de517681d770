"""Review meetings (论证会/研讨会): the experts who took part and their advice; finding experts.

A meeting belongs to no branch: its experts come from any branch. A secretary sees the
meetings where a member of their branches took part, and of each only those members'
participation (another branch's expert and advice are that branch's), in lists, in one
meeting and in the figures; a meeting none of theirs took part in is not found.
"""
import sqlalchemy as sa

from activities.answers import ExpertOut
from activities.domain.review_meetings import EXPERTS_ONLY, expert_problems
from activities.handlers.member_facts import check_members_writable, known_facts, member_clause
from activities.models import MemberFact, MemberSpecialty, ReviewMeeting, ReviewParticipant
from activities.schemas import ExpertFilters, ReviewMeetingFilters, ReviewMeetingIn, ReviewMeetingOut
from activities.shared import filtered, paged_rows, refuse_future, visible
from wuji_infra import member_facts
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import InvalidInput, no_such
from wuji_infra.validation import load, page_of, paging

REVIEW_MEETING = ("论证会/研讨会", "review meeting")
_EXPERTS_OUT = ExpertOut(many=True)


def record_review_meeting(tx, data, actor=None, *, today, access=SYSTEM):
    """A review meeting (论证会/研讨会): its experts, each an active member, and their advice."""
    values = load(ReviewMeetingIn(), data)
    member_ids = [p["member_id"] for p in values["participants"]]
    check_members_writable(tx.session, access, member_ids)
    refuse_future(values["date"], today)
    problems = expert_problems(member_ids, known_facts(tx.session, member_ids))
    if problems:
        raise InvalidInput(EXPERTS_ONLY, {"participants": problems})
    meeting = ReviewMeeting(kind=values["kind"], topic=values["topic"], date=values["date"],
                            organizer=values["organizer"], recorded_by=actor)
    meeting.participants = [ReviewParticipant(member_id=p["member_id"], advice=p["advice"])
                            for p in values["participants"]]
    tx.session.add(meeting)
    tx.session.flush()
    return ReviewMeetingOut().dump(meeting)


def dump_review_meeting(session, meeting, access):
    """A meeting with the participants the caller sees (a secretary: their branches' members)."""
    participants = meeting.participants
    clause = member_clause(access, ReviewParticipant.member_id)
    if clause is not None:
        participants = session.scalars(
            sa.select(ReviewParticipant).where(ReviewParticipant.meeting_id == meeting.id, clause)
            .order_by(ReviewParticipant.member_id)).all()
    return ReviewMeetingOut().dump({
        "id": meeting.id, "kind": meeting.kind, "topic": meeting.topic, "date": meeting.date,
        "organizer": meeting.organizer, "participants": participants, "recorded_by": meeting.recorded_by,
        "created_at": meeting.created_at,
    })


def get_review_meeting(session, meeting_id, *, access=SYSTEM):
    meeting = get_or_404(session, ReviewMeeting, meeting_id, REVIEW_MEETING)
    answer = dump_review_meeting(session, meeting, access)
    if not answer["participants"]:  # none of the caller's members took part: not theirs to see
        raise no_such(REVIEW_MEETING, meeting_id)
    return answer


def list_review_meetings(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Meetings, latest first; filters ``kind``, ``member_id`` (took part), ``date_from``, ``date_to``."""
    chosen = load(ReviewMeetingFilters(), filters or {})
    query = sa.select(ReviewMeeting).order_by(ReviewMeeting.date.desc(), ReviewMeeting.id.desc())
    query = filtered(query, ReviewMeeting, chosen, ("kind",), ReviewMeeting.date)
    # every meeting has a participant: those where one the caller sees took part
    took_part = visible(sa.select(ReviewParticipant.meeting_id), member_clause(access, ReviewParticipant.member_id))
    if "member_id" in chosen:  # a member's engagements: another branch's member is not found
        access.check_read(member_facts.branch_of(session, MemberFact, chosen["member_id"]), ("党员", "member"),
                          chosen["member_id"])
        took_part = took_part.where(ReviewParticipant.member_id == chosen["member_id"])
    query = query.where(ReviewMeeting.id.in_(took_part))
    return page_of(session, query, lambda meeting: dump_review_meeting(session, meeting, access), page, page_size)


def list_experts(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Active members with specialties, to invite to a review meeting: filters
    ``specialty`` (exact), ``branch_id``; each with how often they took part."""
    chosen = load(ExpertFilters(), filters or {})
    took_part = (sa.select(sa.func.count()).where(ReviewParticipant.member_id == MemberFact.member_id)
                 .correlate(MemberFact).scalar_subquery())
    query = (sa.select(MemberFact.member_id, MemberFact.name, MemberFact.branch_id, MemberFact.specialties,
                       took_part.label("review_meetings"))
             .where(MemberFact.status == "active",
                    MemberFact.member_id.in_(sa.select(MemberSpecialty.member_id)))
             .order_by(MemberFact.branch_id, MemberFact.member_id))
    query = visible(query, access.branch_clause(MemberFact.branch_id))
    if "specialty" in chosen:
        query = query.where(MemberFact.member_id.in_(
            sa.select(MemberSpecialty.member_id).where(MemberSpecialty.specialty == chosen["specialty"])))
    if "branch_id" in chosen:
        query = query.where(MemberFact.branch_id == chosen["branch_id"])
    page, page_size = paging(page, page_size)
    total, rows = paged_rows(session, query, page, page_size)
    return {"items": _EXPERTS_OUT.dump(rows), "total": total, "page": page, "page_size": page_size}

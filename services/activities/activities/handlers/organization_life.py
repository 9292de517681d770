"""Organization life (主题党日, 组织生活会, 民主评议党员) and the branches' venues (活动场所)."""
import sqlalchemy as sa

from activities.domain.organization_life import venue_dates_problem
from activities.handlers.member_facts import check_members_writable, refuse_participants
from activities.models import BranchMeeting, Venue
from activities.schemas import (
    BranchMeetingFilters, BranchMeetingIn, BranchMeetingOut, VenueEndIn, VenueFilters, VenueIn, VenueOut,
)
from activities.shared import filtered, refuse_future, visible
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load, page_of

BRANCH_MEETING = ("组织生活", "branch meeting")
VENUE = ("活动场所", "venue")


def record_branch_meeting(tx, data, actor=None, *, today, access=SYSTEM):
    """A theme day, organization-life meeting or democratic review, with who took part
    (active members of the branch)."""
    values = load(BranchMeetingIn(), data)
    access.check_write(values["branch_id"])
    check_members_writable(tx.session, access, values["participants"])
    refuse_future(values["date"], today)
    refuse_participants(tx.session, values["branch_id"], values["participants"], "participants")
    meeting = BranchMeeting(branch_id=values["branch_id"], kind=values["kind"], date=values["date"],
                            topic=values["topic"], place=values.get("place"), participant_ids=values["participants"],
                            summary=values.get("summary"), recorded_by=actor)
    tx.session.add(meeting)
    tx.session.flush()
    return BranchMeetingOut().dump(meeting)


def get_branch_meeting(session, meeting_id, *, access=SYSTEM):
    meeting = get_or_404(session, BranchMeeting, meeting_id, BRANCH_MEETING)
    access.check_read(meeting.branch_id, BRANCH_MEETING, meeting_id)
    return BranchMeetingOut().dump(meeting)


def list_branch_meetings(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Latest first; filters ``branch_id``, ``kind``, ``date_from``, ``date_to``."""
    chosen = load(BranchMeetingFilters(), filters or {})
    query = sa.select(BranchMeeting).order_by(BranchMeeting.date.desc(), BranchMeeting.id.desc())
    query = filtered(visible(query, access.branch_clause(BranchMeeting.branch_id)), BranchMeeting, chosen,
                     ("branch_id", "kind"), BranchMeeting.date)
    return page_of(session, query, BranchMeetingOut().dump, page, page_size)


def add_venue(tx, data, actor=None, *, access=SYSTEM):
    values = load(VenueIn(), data)
    access.check_write(values["branch_id"])
    problem = venue_dates_problem(values["since"], values["until"])
    if problem:
        raise InvalidInput(problem, {"until": [problem]})
    venue = Venue(recorded_by=actor, **values)
    tx.session.add(venue)
    tx.session.flush()
    return VenueOut().dump(venue)


def end_venue(tx, venue_id, data, actor=None, *, access=SYSTEM):
    """A venue given up: in use until ``until``. Another branch's venue: 403, whatever the body says."""
    venue = get_or_404(tx.session, Venue, venue_id, VENUE, lock=True)
    access.check_write(venue.branch_id)
    values = load(VenueEndIn(), data)
    problem = venue_dates_problem(venue.since, values["until"])
    if problem:
        raise InvalidInput(problem, {"until": [problem]})
    venue.until = values["until"]
    return VenueOut().dump(venue)


def list_venues(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    chosen = load(VenueFilters(), filters or {})
    query = sa.select(Venue).order_by(Venue.branch_id, Venue.since.desc(), Venue.id.desc())
    query = filtered(visible(query, access.branch_clause(Venue.branch_id)), Venue, chosen, ("branch_id",))
    return page_of(session, query, VenueOut().dump, page, page_size)

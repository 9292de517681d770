"""Activities' part of the yearly report (reusing the yearly statistics) and its items of the
scorecard: a study session every month, every member contacted in the last quarter, a
bulletin every week. Each item is a small function ``(session, branch_ids, year, as_of)
-> {branch_id: (missing texts, misses[, not listed])}`` (ITEMS); a new item is one line there."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from activities.domain import bulletins as bulletin_rules
from activities.domain import study as study_rules
from activities.domain.activities import ACTIVITY_KINDS, ACTIVITY_LABELS, NO_COST
from activities.domain import organization_life as org_life
from activities.domain.contacts import coverage_window
from activities.domain.dates import spans
from activities.handlers.member_facts import NOT_WITHDRAWN, member_clause
from activities.handlers.statistics import statistics
from activities.models import (
    Activity, BranchMeeting, Bulletin, Contact, MemberFact, ReviewMeeting, ReviewParticipant, StudySession, Venue,
)
from activities.shared import visible
from wuji_infra.access import SYSTEM
from wuji_infra.reports import MOST_LISTED, ReportQuery, money, scorecard_item
from wuji_infra.validation import load


def annual_figures(session, query, *, access=SYSTEM):
    """Study, bulletins, contacts, review meetings, volunteer hours, activities by kind with
    their cost booked and refused, the study sessions of every branch month by month."""
    chosen = load(ReportQuery(), query or {})
    year = chosen["year"]
    figures = statistics(session, {"year": year}, access=access)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    by_kind = {}
    for kind, participants, cost, status in session.execute(visible(
            sa.select(Activity.kind, Activity.participant_ids, Activity.cost, Activity.cost_status)
            .where(Activity.date.between(first, last)), access.branch_clause(Activity.branch_id))):
        row = by_kind.setdefault(kind, {"participants": 0, "cost_booked": NO_COST, "cost_refused": NO_COST})
        row["participants"] += len(participants)
        if status in ("booked", "refused"):
            row[f"cost_{status}"] += cost
    kinds = figures["activities"]["by_kind"]
    return {
        "study_sessions": figures["study_sessions"]["total"],
        "bulletin_issues": figures["bulletins"]["issues"],
        "bulletin_items": figures["bulletins"]["items"],
        "contacts": figures["contacts"]["total"],
        "review_meetings": figures["review_meetings"]["meetings"],
        "experts_engaged": figures["review_meetings"]["members"],
        "volunteer_hours": float(Decimal(figures["activities"]["volunteer_hours"])),
        "activities_by_kind": [
            {"kind": kind, "label": ACTIVITY_LABELS[kind], "count": kinds[kind]["count"],
             "participants": by_kind[kind]["participants"],
             "volunteer_hours": float(Decimal(kinds[kind]["volunteer_hours"])), "cost": kinds[kind]["cost"],
             "cost_booked": money(by_kind[kind]["cost_booked"]), "cost_refused": money(by_kind[kind]["cost_refused"])}
            for kind in ACTIVITY_KINDS if kind in by_kind],
        "study_by_branch": [{"branch_id": row["branch_id"], "months": [row["months"][str(m)] for m in range(1, 13)],
                             "total": row["sessions"]} for row in figures["study_sessions"]["by_branch"]],
        "review_meeting_list": review_meeting_list(session, first, last, access),
    }



def review_meeting_list(session, first, last, access):
    """The year's review meetings with the names of their experts (a secretary: those of their
    branches, and the meetings they took part in)."""
    rows = session.execute(visible(
        sa.select(ReviewMeeting.id, ReviewMeeting.date, ReviewMeeting.kind, ReviewMeeting.topic, MemberFact.name,
                  NOT_WITHDRAWN)
        .join(ReviewParticipant, ReviewParticipant.meeting_id == ReviewMeeting.id)
        .join(MemberFact, MemberFact.member_id == ReviewParticipant.member_id, isouter=True)
        .where(ReviewMeeting.date.between(first, last))
        .order_by(ReviewMeeting.date, ReviewMeeting.id, ReviewParticipant.member_id),
        member_clause(access, ReviewParticipant.member_id)))
    meetings = {}
    for meeting_id, day, kind, topic, name, counted in rows:
        meeting = meetings.setdefault(meeting_id, {"id": meeting_id, "date": day.isoformat(), "kind": kind,
                                                   "topic": topic, "experts": []})
        if counted:  # a member withdrawn as entered in error is not named
            meeting["experts"].append(name or "")
    return list(meetings.values())


# -- the scorecard ----------------------------------------------------------------

def _due_by(as_of):
    """The "today" of the compliance rules for a day counted at: a month or week ending on
    ``as_of`` is due too."""
    return as_of + dt.timedelta(days=1)


def _first_members(session, branch_ids):
    """Each branch's first day with a member counted (before it, nothing is due)."""
    return dict(session.execute(sa.select(MemberFact.branch_id, sa.func.min(MemberFact.registered_on))
                                .where(MemberFact.branch_id.in_(branch_ids), NOT_WITHDRAWN)
                                .group_by(MemberFact.branch_id)).all())


def _every_month(session, branch_ids, year, as_of, held, what):
    """The months due (study.month_status) in which a branch held no ``what``: one text, a miss a month.
    ``held``: {branch_id: the days it was held}."""
    first_members = _first_members(session, branch_ids)
    missing = {}
    for branch_id in branch_ids:
        months_held = {day.month for day in held.get(branch_id, ())}
        months = [month for month in range(1, 13) if study_rules.month_status(
            year, month, month in months_held, first_members.get(branch_id), _due_by(as_of)) == "missing"]
        missing[branch_id] = ([f"{year}年{spans(months)}月无{what}"] if months else [], len(months))
    return missing


def _once(done, missing_text):
    """A yearly or standing item: met, or one miss saying what is missing."""
    return ([], 0) if done else ([missing_text], 1)


def study_monthly(session, branch_ids, year, as_of):
    held = {}
    for branch_id, day in session.execute(sa.select(StudySession.branch_id, StudySession.date).where(
            StudySession.branch_id.in_(branch_ids), StudySession.date.between(dt.date(year, 1, 1), as_of))):
        held.setdefault(branch_id, set()).add(day)
    return _every_month(session, branch_ids, year, as_of, held, "集体学习")


def contacts_quarterly(session, branch_ids, year, as_of):
    """Each branch's members not contacted in the quarter up to ``as_of``: how many, and the first
    MOST_LISTED by name with their last contact (the full list: contact coverage)."""
    first, last = coverage_window(as_of)
    not_contacted = sa.and_(
        MemberFact.branch_id.in_(branch_ids), MemberFact.status == "active", MemberFact.registered_on <= as_of,
        MemberFact.member_id.not_in(sa.select(Contact.member_id).where(Contact.date.between(first, last))))
    place = sa.func.row_number().over(partition_by=MemberFact.branch_id, order_by=MemberFact.member_id).label("place")
    ranked = sa.select(MemberFact.member_id, MemberFact.branch_id, MemberFact.name, place,
                       sa.func.count().over(partition_by=MemberFact.branch_id).label("of")).where(not_contacted).subquery()
    rows = session.execute(sa.select(ranked).where(ranked.c.place <= MOST_LISTED).order_by(ranked.c.member_id)).all()
    latest = dict(session.execute(sa.select(Contact.member_id, sa.func.max(Contact.date))
                                  .where(Contact.date < first, Contact.member_id.in_([row.member_id for row in rows]))
                                  .group_by(Contact.member_id)).all())
    missing, counted = {branch_id: [] for branch_id in branch_ids}, {}
    for member_id, branch_id, name, _, of in rows:
        counted[branch_id] = of
        seen = latest.get(member_id)
        missing[branch_id].append(f"{name} 从未联系" if seen is None else
                                  f"{name} 近三个月未联系（最近一次 {seen.isoformat()}）")
    return {branch_id: (texts, counted.get(branch_id, 0), counted.get(branch_id, 0) - len(texts))
            for branch_id, texts in missing.items()}


def bulletin_weekly(session, branch_ids, year, as_of):
    weeks = bulletin_rules.iso_weeks(year)
    dates = {}
    for branch_id, day in session.execute(sa.select(Bulletin.branch_id, Bulletin.date).where(
            Bulletin.branch_id.in_(branch_ids), Bulletin.date.between(weeks[0][0], weeks[-1][1]))):
        dates.setdefault(branch_id, []).append(day)
    first_members = _first_members(session, branch_ids)
    missing = {}
    for branch_id in branch_ids:
        gaps = bulletin_rules.weeks_without_issue(year, dates.get(branch_id, []), first_members.get(branch_id),
                                                  _due_by(as_of))
        missing[branch_id] = ([f"{year}年第{spans(g['week'] for g in gaps)}周无学习园地"] if gaps else [], len(gaps))
    return missing


def _meetings(session, branch_ids, kind, year, as_of):
    held = {}
    for branch_id, day in session.execute(sa.select(BranchMeeting.branch_id, BranchMeeting.date).where(
            BranchMeeting.branch_id.in_(branch_ids), BranchMeeting.kind == kind,
            BranchMeeting.date.between(dt.date(year, 1, 1), as_of))):
        held.setdefault(branch_id, set()).add(day)
    return held


def theme_day_monthly(session, branch_ids, year, as_of):
    return _every_month(session, branch_ids, year, as_of, _meetings(session, branch_ids, "theme_day", year, as_of),
                        "主题党日")


def _yearly(kind):
    def judge(session, branch_ids, year, as_of):
        held = _meetings(session, branch_ids, kind, year, as_of)
        return {branch_id: _once(held.get(branch_id), org_life.YEARLY_MISSING[kind]) for branch_id in branch_ids}
    return judge


def venue(session, branch_ids, year, as_of):
    venues = {}
    for branch_id, since, until in session.execute(
            sa.select(Venue.branch_id, Venue.since, Venue.until).where(Venue.branch_id.in_(branch_ids))):
        venues.setdefault(branch_id, []).append((since, until))
    return {branch_id: _once(org_life.has_venue(venues.get(branch_id, []), as_of), org_life.NO_VENUE)
            for branch_id in branch_ids}


ITEMS = {"study_monthly": study_monthly, "contacts_quarterly": contacts_quarterly, "bulletin_weekly": bulletin_weekly,
         "theme_day_monthly": theme_day_monthly, "organization_life_meeting": _yearly("organization_life"),
         "democratic_review": _yearly("democratic_review"), "venue": venue}


def scorecard_items(session, query, *, access=SYSTEM, items=ITEMS):
    """Each item of ``items`` for each branch asked that the caller sees."""
    chosen = load(ReportQuery(), query or {})
    branch_ids = access.scope_branches(chosen["branch_ids"])
    if branch_ids is None:
        branch_ids = sorted(session.scalars(sa.select(MemberFact.branch_id).distinct()))
    judged = {key: judge(session, list(branch_ids), chosen["year"], chosen["as_of"]) for key, judge in items.items()}
    return {"branches": [
        {"branch_id": branch_id, "items": [
            scorecard_item(key, *found[branch_id]) for key, found in judged.items()]}
        for branch_id in branch_ids]}

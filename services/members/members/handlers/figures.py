"""The roster's figures: the headline figures, its part of the yearly report, and the
committee's items of the scorecard."""
import datetime as dt
import json

import sqlalchemy as sa

from members.domain import census
from members.domain.committees import committee_gaps, overdue_gap, seat_left_on, term_on, vacancy_gaps
from members.domain.honors import HONOR_LEVELS
from members.domain.roster import age_on
from members.handlers.committees import STANDING_BRANCH
from members.handlers.roster import STANDING, in_branches, of_members_in_branches
from members.models import Branch, CommitteeSeat, HealthEvent, Honor, Member, MemberChange, Term, Transfer
from members.schemas import FiguresIn, FiguresOut
from wuji_infra.access import SYSTEM
from wuji_infra.reports import ReportQuery, scorecard_item
from wuji_infra.types import office_date
from wuji_infra.validation import load


def headline_figures(session, query=None, *, today, access=SYSTEM):
    """The roster's headline figures, over the caller's branches.

    ``on`` (default today) is the day members, ages and committees are counted on (the members
    on the roster that day, as in the yearly report); ``year`` (default the year of ``on``) is
    the year of the honors.
    """
    chosen = load(FiguresIn(), query or {})
    on = chosen.get("on") or today
    year = chosen.get("year") or on.year
    branches = _branches(session, access, None)
    counted, ages = _counted_on(session, access, on, _leaving(session))
    totals = _totals(counted)
    honors = dict(session.execute(of_members_in_branches(
        sa.select(Honor.level, sa.func.count()).join(Member, Member.id == Honor.member_id)
        .where(Honor.year == year, STANDING).group_by(Honor.level),
        Honor.member_id, access)).all())
    return FiguresOut().dump({
        "on": on, "year": year,
        "members_total": totals["total"],
        "in_communities": totals["community"],
        "in_bureau_branch": totals["unit"],
        "average_age": census.average_of_ages(ages),
        "branches": len(branches),
        "committees": _committees(session, branches, on),
        "honors_by_level": {level: honors.get(level, 0) for level in HONOR_LEVELS},
    })


# -- the yearly report and the scorecard --------------------------------------------

HONOR_RANK = {level: rank for rank, level in enumerate(HONOR_LEVELS)}


def _leaving(session):
    """``{member_id: (day left, "deceased" or "transferred_out")}`` of the members no longer on the
    roster: the day of death, or of the transfer out; for a status set by hand without either,
    the day the record was last changed."""
    deaths = dict(session.execute(sa.select(HealthEvent.member_id, sa.func.min(HealthEvent.date))
                                  .where(HealthEvent.kind == "deceased").group_by(HealthEvent.member_id)).all())
    outs = dict(session.execute(sa.select(Transfer.member_id, sa.func.min(Transfer.date))
                                .where(Transfer.target == "out").group_by(Transfer.member_id)).all())
    gone = session.execute(sa.select(Member.id, Member.status, Member.updated_at).where(Member.status != "active"))
    leaving = {}
    for member_id, status, updated_at in gone:
        day = deaths.get(member_id) if status == "deceased" else outs.get(member_id)
        leaving[member_id] = (day or office_date(updated_at), status)
    return leaving


def _lives(session, access, asked, leaving, which=sa.true()):
    """The members ``which`` of the branches asked (that ``access`` sees), as census.Life; a member
    withdrawn as entered in error never was."""
    moves = {}
    for member_id, day, before in session.execute(
            sa.select(Transfer.member_id, Transfer.date, Transfer.from_org_relation)
            .where(Transfer.target.in_(("unit", "community"))).order_by(Transfer.date, Transfer.id)):
        moves.setdefault(member_id, []).append((day, before))
    rows = session.execute(in_branches(sa.select(
        Member.id, Member.branch_id, Member.name, Member.birth_date, Member.gender, Member.retirement_kind,
        Member.org_relation, Member.counts_from).where(which, STANDING), Member.branch_id, access, asked))
    return [census.Life(*row, *leaving.get(row[0], (None, None)), tuple(moves.get(row[0], ()))) for row in rows]


def _branch_moves(session, member_ids):
    """``{member_id: [(day, branch moved from)]}``: the members' moves between branches (their
    history's changes of ``branch_id``), by the office's day of the change."""
    moves = {}
    for member_id, old_value, changed_at in session.execute(
            sa.select(MemberChange.member_id, MemberChange.old_value, MemberChange.changed_at)
            .where(MemberChange.field == "branch_id", MemberChange.member_id.in_(member_ids))
            .order_by(MemberChange.changed_at, MemberChange.id)):
        moves.setdefault(member_id, []).append((office_date(changed_at), json.loads(old_value)))
    return moves


def _branches(session, access, asked):
    return session.execute(in_branches(sa.select(Branch.id, Branch.name, Branch.unit).where(STANDING_BRANCH)
                                       .order_by(Branch.id), Branch.id, access, asked)).all()


def _terms(session, branch_ids):
    terms = {}
    for term in session.scalars(sa.select(Term).where(Term.branch_id.in_(branch_ids)).order_by(Term.starts_on)):
        terms.setdefault(term.branch_id, []).append(term)
    return terms


def _counted_on(session, access, day, leaving, asked=None):
    """The statistics sheet's counts of each branch (that the caller sees, of those ``asked``) on
    ``day``, and ``{age: members}``. The members who are plainly on the roster (active, counted
    from by then, their relation not changed since) are counted by the database; the few others
    (who left, or whose relation changed after ``day``) one by one (census.Life)."""
    moved_since = sa.select(Transfer.member_id).where(Transfer.target.in_(("unit", "community")), Transfer.date > day)
    plain = sa.and_(Member.status == "active", Member.counts_from <= day, Member.id.not_in(moved_since), STANDING)
    band = sa.case(*((Member.birth_date <= latest, key) for key, latest in census.band_cutoffs(day)),
                   else_=census.AGE_BANDS[0][0])
    rows = {}
    for branch_id, kind, gender, relation, age_band, count in session.execute(in_branches(
            sa.select(Member.branch_id, Member.retirement_kind, Member.gender, Member.org_relation, band,
                      sa.func.count()).where(plain)
            .group_by(Member.branch_id, Member.retirement_kind, Member.gender, Member.org_relation, band),
            Member.branch_id, access, asked)):
        tally = rows.setdefault(branch_id, dict.fromkeys(census.COUNTS, 0))
        for key in ("total", kind, gender, relation, age_band):
            tally[key] += count
    ages = {}
    for born, count in session.execute(in_branches(
            sa.select(Member.birth_date, sa.func.count()).where(plain).group_by(Member.birth_date),
            Member.branch_id, access, asked)):
        age = age_on(born, day)
        ages[age] = ages.get(age, 0) + count
    others = [life for life in _lives(session, access, asked, leaving,
                                      sa.or_(Member.status != "active", Member.id.in_(moved_since)))
              if census.on_roster(life, day)]
    for life in others:
        ages[age_on(life.birth_date, day)] = ages.get(age_on(life.birth_date, day), 0) + 1
        tally = rows.setdefault(life.branch_id, dict.fromkeys(census.COUNTS, 0))
        for key, count in census.counts([life], day).items():
            tally[key] += count
    return rows, ages


def _totals(rows):
    return {key: sum(row[key] for row in rows.values()) for key in census.COUNTS}


def _committees(session, branches, day):
    terms = _terms(session, [branch.id for branch in branches])
    return sum(1 for branch in branches if term_on(terms.get(branch.id, []), day))


def annual_figures(session, query, *, access=SYSTEM):
    """The roster's part of the yearly report, over the caller's branches: the members on the
    roster at ``as_of``, branches and committees, the year's honorees and the statistics sheet."""
    chosen = load(ReportQuery(), query or {})
    year, day = chosen["year"], chosen["as_of"]
    leaving = _leaving(session)
    branches = _branches(session, access, None)
    counted, ages = _counted_on(session, access, day, leaving)
    rows = {branch.id: counted.get(branch.id, dict.fromkeys(census.COUNTS, 0)) for branch in branches}
    totals = _totals(rows)
    average = census.average_of_ages(ages)
    gone = _lives(session, access, None, leaving, Member.status != "active")
    joined = session.scalar(in_branches(sa.select(sa.func.count()).select_from(Member).where(
        Member.counts_from.between(dt.date(year, 1, 1), day), STANDING), Member.branch_id, access))
    honorees = session.execute(of_members_in_branches(
        sa.select(Honor.member_id, Member.name, Honor.title, Honor.level, Honor.year)
        .join(Member, Member.id == Honor.member_id).where(Honor.year == year, STANDING), Honor.member_id,
        access)).all()
    return {
        "members_total": totals["total"],
        "in_communities": totals["community"],
        "in_unit": totals["unit"],
        "average_age": None if average is None else float(average),
        "branches": sum(1 for row in rows.values() if row["total"]),
        "committees": _committees(session, branches, day),
        "honorees": [{"member_id": m, "name": name, "title": title, "level": level, "year": y}
                     for m, name, title, level, y in sorted(honorees, key=lambda h: (HONOR_RANK.get(h[3], 9), h[1]))],
        "branch_list": [{"branch_id": branch.id, "name": branch.name, "unit": branch.unit,
                         "members_total": rows[branch.id]["total"]} for branch in branches],
        "census": {
            "rows": [{"branch_id": branch.id, "name": branch.name, **rows[branch.id]} for branch in branches],
            "totals": totals,
            "last_year": _totals(_counted_on(session, access, dt.date(year - 1, 12, 31), leaving)[0]),
            "changes": {**census.changes(gone, year, day), "joined": joined},
        },
    }


def scorecard_items(session, query, *, access=SYSTEM):
    """The committee's items of the scorecard for each branch asked (that the caller sees):
    complete, its term not overdue, no seat vacant for more than three months."""
    chosen = load(ReportQuery(), query or {})
    day = chosen["as_of"]
    branches = _branches(session, access, chosen["branch_ids"])
    leaving = _leaving(session)
    on_roster = {branch_id: row["total"]
                 for branch_id, row in _counted_on(session, access, day, leaving, chosen["branch_ids"])[0].items()}
    terms = _terms(session, [branch.id for branch in branches])
    running = {branch.id: term_on(terms.get(branch.id, []), day) for branch in branches}
    current = {term.id: term for term in running.values() if term is not None}
    seated = session.execute(
        sa.select(CommitteeSeat.term_id, CommitteeSeat.role, CommitteeSeat.member_id, Member.name)
        .join(Member, Member.id == CommitteeSeat.member_id)
        .where(CommitteeSeat.term_id.in_(list(current)), STANDING)).all()
    moves = _branch_moves(session, [member_id for _, _, member_id, _ in seated])
    seats = {}
    for term_id, role, member_id, name in seated:
        term = current[term_id]
        left_on = seat_left_on(leaving.get(member_id, (None,))[0], moves.get(member_id, []), term.branch_id,
                               term.starts_on)
        seats.setdefault(term_id, []).append((role, name, left_on))
    answer = []
    for branch in branches:
        term = running[branch.id]
        held = seats.get(term.id, []) if term is not None else []
        overdue = overdue_gap(terms.get(branch.id, []), day)
        answer.append({"branch_id": branch.id, "name": branch.name, "items": [
            scorecard_item("committee_complete", committee_gaps(term, held, on_roster.get(branch.id, 0), day)),
            scorecard_item("term_current", [overdue] if overdue else []),
            scorecard_item("seat_vacancy", vacancy_gaps(term, held, day)),
        ]})
    return {"branches": answer}

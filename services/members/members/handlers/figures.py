"""The roster's headline figures for the yearly report."""
import sqlalchemy as sa

from members.domain.honors import HONOR_LEVELS
from members.domain.roster import average_age
from members.handlers.roster import in_branches, of_members_in_branches
from members.models import Branch, Engagement, Honor, Member, Term
from members.schemas import FiguresIn, FiguresOut
from wuji_infra.access import SYSTEM
from wuji_infra.validation import load


def headline_figures(session, query=None, *, today, access=SYSTEM):
    """The roster's figures for the yearly report, over the caller's branches.

    ``on`` (default today) is the day ages are counted at and committees are
    counted on; ``year`` (default the year of ``on``) is the year of the honors.
    Members counted are the active ones (not deceased, not transferred out).
    """
    chosen = load(FiguresIn(), query or {})
    on = chosen.get("on") or today
    year = chosen.get("year") or on.year
    active = Member.status == "active"
    by_relation = dict(session.execute(in_branches(
        sa.select(Member.org_relation, sa.func.count()).where(active).group_by(Member.org_relation),
        Member.branch_id, access)).all())
    birth_dates = session.scalars(in_branches(
        sa.select(Member.birth_date).where(active), Member.branch_id, access)).all()
    # a branch has a committee on ``on`` when a term has started by then
    committees = session.scalar(in_branches(
        sa.select(sa.func.count(sa.distinct(Term.branch_id))).where(Term.starts_on <= on), Term.branch_id, access))
    honors = dict(session.execute(of_members_in_branches(
        sa.select(Honor.level, sa.func.count()).where(Honor.year == year).group_by(Honor.level),
        Honor.member_id, access)).all())
    average = average_age(birth_dates, on)
    in_year = sa.extract("year", Engagement.date) == year
    engaged, engagements = session.execute(of_members_in_branches(
        sa.select(sa.func.count(sa.distinct(Engagement.member_id)), sa.func.count()).where(in_year),
        Engagement.member_id, access)).one()
    return FiguresOut().dump({
        "on": on, "year": year,
        "members_total": len(birth_dates),
        "in_communities": by_relation.get("community", 0),
        "in_bureau_branch": by_relation.get("unit", 0),
        "average_age": average,
        "branches": session.scalar(in_branches(sa.select(sa.func.count()).select_from(Branch), Branch.id, access)),
        "committees": committees,
        "honors_by_level": {level: honors.get(level, 0) for level in HONOR_LEVELS},
        "members_engaged": engaged, "engagements": engagements,
    })

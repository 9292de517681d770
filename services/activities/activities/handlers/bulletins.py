"""The study bulletin (学习园地): issues numbered per branch and year, and the weeks without one."""
import sqlalchemy as sa

from activities.answers import BulletinGapsOut
from activities.domain import bulletins as rules
from activities.handlers.member_facts import first_member_on
from activities.models import Bulletin
from activities.schemas import BulletinFilters, BulletinIn, BulletinOut, ComplianceQuery
from activities.shared import filtered, flush_unique, refuse_future, visible
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import Conflict
from wuji_infra.validation import load, page_of

BULLETIN = ("学习园地", "bulletin issue")


def publish_bulletin(tx, data, actor=None, *, today, access=SYSTEM):
    """An issue of the study bulletin; its number is unique per branch and year."""
    values = load(BulletinIn(), data)
    access.check_write(values["branch_id"])
    refuse_future(values["date"], today)
    branch_id, number, year = values["branch_id"], values["number"], values["date"].year
    problem = rules.number_problem(tx.session.scalar(sa.select(Bulletin.id).where(
        Bulletin.branch_id == branch_id, Bulletin.year == year, Bulletin.number == number)) is not None)
    if problem:
        raise Conflict(problem, {"number": [problem]})
    bulletin = Bulletin(
        branch_id=branch_id, year=year, number=number, date=values["date"], items=values["items"],
        item_count=len(values["items"]), reach_online=values["reach_online"],
        reach_offline=values["reach_offline"], recorded_by=actor,
    )
    tx.session.add(bulletin)
    flush_unique(tx.session, rules.NUMBER_TAKEN, "number")  # a concurrent request took the number
    tx.emit("bulletin_published", {
        "bulletin_id": bulletin.id, "branch_id": branch_id, "number": number,
        "date": bulletin.date, "items": bulletin.item_count,
    })
    return BulletinOut().dump(bulletin)


def get_bulletin(session, bulletin_id, *, access=SYSTEM):
    bulletin = get_or_404(session, Bulletin, bulletin_id, BULLETIN)
    access.check_read(bulletin.branch_id, BULLETIN, bulletin_id)
    return BulletinOut().dump(bulletin)


def list_bulletins(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Issues, latest first; filters ``branch_id``, ``year``, ``date_from``, ``date_to``."""
    chosen = load(BulletinFilters(), filters or {})
    query = sa.select(Bulletin).order_by(Bulletin.date.desc(), Bulletin.id.desc())
    query = visible(query, access.branch_clause(Bulletin.branch_id))
    query = filtered(query, Bulletin, chosen, ("branch_id", "year"), Bulletin.date)
    return page_of(session, query, BulletinOut().dump, page, page_size)


def bulletin_gaps(session, query=None, *, today, access=SYSTEM):
    """For a branch and a year: the ISO weeks that ended without an issue
    (``domain.bulletins.weeks_without_issue``), and how many issues and items there were.
    A branch outside the caller's is seen as one without members or issues, like a branch
    that does not exist."""
    chosen = load(ComplianceQuery(), query or {})
    branch_id, year = chosen["branch_id"], chosen["year"]
    branches = access.scope_branches([branch_id])
    weeks = rules.iso_weeks(year)
    monday, sunday = weeks[0][0], weeks[-1][1]
    rows = session.execute(sa.select(Bulletin.date, Bulletin.item_count).where(
        Bulletin.branch_id.in_(branches), Bulletin.date >= monday, Bulletin.date <= sunday)).all()
    missing = rules.weeks_without_issue(year, [r.date for r in rows], first_member_on(session, branches), today)
    in_year = [r for r in rows if r.date.year == year]
    return BulletinGapsOut().dump({
        "branch_id": branch_id, "year": year,
        "issues": len(in_year), "items": sum(r.item_count for r in in_year), "weeks_without_issue": missing,
    })

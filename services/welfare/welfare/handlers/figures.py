"""Care's part of the yearly report (visits by the day they were made, help cases by the
day they were closed) and its items of the scorecard."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from welfare.domain import standards
from welfare.handlers import member_facts
from welfare.models import HelpCase, MemberFact, VisitRecord, VisitTask
from wuji_infra.access import HEALTH, SYSTEM
from wuji_infra.reports import ReportQuery, money, scorecard_item
from wuji_infra.validation import load

ZERO = Decimal("0.00")


def _in_branches(query, access, asked=None, branch=VisitTask.branch_id):
    """``query`` of visit tasks kept to the branches asked that the caller sees (by ``branch``)."""
    branches = access.scope_branches(asked)
    return query if branches is None else query.where(branch.in_(branches))


# a task's branch on the scorecard: its member's branch in welfare's copy of the roster (a member
# who moved counts for the new branch); the task's own branch for a member not heard of
_MEMBER_BRANCH = sa.func.coalesce(MemberFact.branch_id, VisitTask.branch_id)


def annual_figures(session, query, *, access=SYSTEM):
    """Visits with ``visited_on`` in the year up to ``as_of``, their cash and goods, the
    members visited; help cases closed as solved in the year."""
    chosen = load(ReportQuery(), query or {})
    first, day = dt.date(chosen["year"], 1, 1), chosen["as_of"]
    # the visits made and what was given stay (done, and paid); a member withdrawn as entered in
    # error is not counted among the members visited
    counted_member = sa.case((member_facts.NOT_WITHDRAWN, VisitTask.member_id))
    visits = _in_branches(
        sa.select(VisitTask.cause, sa.func.count(), sa.func.count(sa.distinct(counted_member)),
                  sa.func.sum(VisitRecord.cash), sa.func.sum(VisitRecord.goods_value))
        .join(VisitRecord, VisitRecord.task_id == VisitTask.id)
        .outerjoin(MemberFact, MemberFact.member_id == VisitTask.member_id)
        .where(VisitTask.status == "done", VisitRecord.visited_on.between(first, day))
        .group_by(VisitTask.cause), access)
    by_cause = session.execute(visits).all()
    members_visited = session.scalar(_in_branches(
        sa.select(sa.func.count(sa.distinct(VisitTask.member_id)))
        .join(VisitRecord, VisitRecord.task_id == VisitTask.id)
        .outerjoin(MemberFact, MemberFact.member_id == VisitTask.member_id)
        .where(VisitTask.status == "done", VisitRecord.visited_on.between(first, day), member_facts.NOT_WITHDRAWN),
        access))
    solved = sa.select(sa.func.count()).select_from(HelpCase).where(
        HelpCase.solved.is_(True), HelpCase.closed_on.between(first, day))
    in_scope = member_facts.members_in_scope(access, HelpCase.member_id)  # as the list of help cases
    if in_scope is not None:
        solved = solved.where(in_scope)
    return {
        "visits": sum(count for _, count, _, _, _ in by_cause),
        "members_visited": members_visited,
        "condolence_cash": money(sum((cash or ZERO for _, _, _, cash, _ in by_cause), ZERO)),
        "condolence_goods": money(sum((goods or ZERO for _, _, _, _, goods in by_cause), ZERO)),
        "help_cases_solved": session.scalar(solved),
        "visits_by_cause": [{"cause": cause, "label": standards.CAUSE_LABELS.get(cause, cause), "visits": count,
                             "members": members} for cause, count, members, _, _ in
                            sorted(by_cause, key=lambda row: list(standards.CAUSE_LABELS).index(row[0])
                                   if row[0] in standards.CAUSE_LABELS else 99)],
    }



def scorecard_items(session, query, *, access=SYSTEM):
    """Per branch: health-driven visits on time, festival batches covered, every member
    visited twice in the year (judged in full at the year's end)."""
    chosen = load(ReportQuery(), query or {})
    year, day = chosen["year"], chosen["as_of"]
    first = dt.date(year, 1, 1)
    branches = access.scope_branches(chosen["branch_ids"])
    missing = {}  # (branch_id, key) -> [texts]

    def add(branch_id, key, text):
        if text:
            missing.setdefault((branch_id, key), []).append(text)

    # only the tasks missed are read: not done by as_of, or a timed one done after its due day
    missed = sa.or_(VisitRecord.visited_on.is_(None), VisitRecord.visited_on > day,
                    sa.and_(VisitTask.cause != "festival", VisitRecord.visited_on > VisitTask.due_date))
    tasks = _in_branches(
        sa.select(_MEMBER_BRANCH, VisitTask.member_id, MemberFact.name, VisitTask.cause, VisitTask.due_date,
                  VisitTask.cause_key, VisitRecord.visited_on)
        .outerjoin(VisitRecord, VisitRecord.task_id == VisitTask.id)
        .outerjoin(MemberFact, MemberFact.member_id == VisitTask.member_id)
        .where(VisitTask.status != "cancelled", VisitTask.due_date.between(first, day), member_facts.NOT_WITHDRAWN,
               VisitTask.cause.in_((*standards.TIMED_CAUSES, "festival")), missed)
        .order_by(VisitTask.due_date, VisitTask.id), access, chosen["branch_ids"], _MEMBER_BRANCH)
    unvisited = {}  # (branch_id, festival) -> [names]
    for branch_id, member_id, name, cause, due_date, cause_key, visited_on in session.execute(tasks):
        name = name or f"党员{member_id}"
        if cause == "festival":
            if visited_on is None or visited_on > day:
                unvisited.setdefault((branch_id, standards.festival_of(cause_key)), []).append(name)
        else:
            add(branch_id, "visits_on_time",
                standards.lateness(name, cause, due_date, visited_on, day, health_shown=access.sees(HEALTH)))
    for (branch_id, festival), members in unvisited.items():
        add(branch_id, "festival_visits", standards.festival_gap(festival, year, members))
        missing[(branch_id, "festival_visits:misses")] = len(members)

    counted = (sa.select(VisitTask.member_id, sa.func.count().label("visits"))
               .join(VisitRecord, VisitRecord.task_id == VisitTask.id)
               .where(VisitTask.status == "done", VisitRecord.visited_on.between(first, day))
               .group_by(VisitTask.member_id).subquery())
    visits = sa.func.coalesce(counted.c.visits, 0)
    on_roster = sa.and_(MemberFact.status == "active",
                        sa.or_(MemberFact.registered_on.is_(None), MemberFact.registered_on <= day))
    members = (sa.select(MemberFact.branch_id, MemberFact.name, visits)
               .outerjoin(counted, counted.c.member_id == MemberFact.member_id)
               .where(on_roster, visits < standards.VISITS_A_YEAR).order_by(MemberFact.member_id))
    known = sa.select(MemberFact.branch_id).where(on_roster).distinct()
    if branches is not None:
        members = members.where(MemberFact.branch_id.in_(branches))
        known = known.where(MemberFact.branch_id.in_(branches))
    known = set(session.scalars(known))
    short = {}  # branch_id -> [(name, visits)] of the members with fewer than two
    for branch_id, name, count in session.execute(members):
        short.setdefault(branch_id, []).append((name, count))
    year_end = day == dt.date(year, 12, 31)
    for branch_id, members_short in short.items():
        for text in standards.twice_a_year_gaps(members_short, day, year_end):
            add(branch_id, "visits_twice_yearly", text)
        missing[(branch_id, "visits_twice_yearly:misses")] = len(members_short)

    in_scope = set(branches) if branches is not None else known | {b for b, _ in missing if b is not None}
    answer = []
    for branch_id in sorted(b for b in in_scope if b is not None):
        items = []
        for key in ("visits_on_time", "festival_visits", "visits_twice_yearly"):
            items.append(scorecard_item(key, missing.get((branch_id, key), []),
                                        missing.get((branch_id, f"{key}:misses"))))
        answer.append({"branch_id": branch_id, "items": items})
    return {"branches": answer}

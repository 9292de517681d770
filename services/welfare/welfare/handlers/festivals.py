"""Festival visits (春节, 重阳节): the office's policies and the batches of
visit tasks they make, by hand or from the daily timer."""
import dataclasses
import logging
import time

import sqlalchemy as sa

from welfare.domain import festivals as rules
from welfare.models import FestivalPolicy, MemberFact, Visitor, VisitTask
from welfare.refusals import refuse
from welfare.schemas import FestivalBatchIn, FestivalBatchOut, FestivalPoliciesOut, FestivalPolicyIn, FestivalPolicyOut, FestivalYearIn
from wuji_infra.db import dialect_insert
from wuji_infra.validation import load

log = logging.getLogger(__name__)

_BATCH_CHUNK = 5000
UNASSIGNED = "未分配 (unassigned)"
_POLICY_OUT = FestivalPolicyOut()
_BATCH_OUT = FestivalBatchOut()


def _policy_of(row):
    return rules.Policy(min_age=row.min_age, lives_alone=row.lives_alone, hardship=row.hardship,
                        children_away=row.children_away, lead_days=row.lead_days)


def _policy_in_year(festival, policy, year, stored):
    """A policy as FestivalPolicyOut dumps it, with the festival's date and batch window in ``year``."""
    first, day = rules.batch_window(festival, year, policy.lead_days)
    return {
        "festival": festival, "name": rules.FESTIVALS[festival][0], **dataclasses.asdict(policy),
        "stored": stored, "year": year, "date": day, "batch_from": first,
    }


def _policies(session):
    """{festival: (policy, stored)}: the office's policy, else the default one."""
    rows = {row.festival: row for row in session.scalars(sa.select(FestivalPolicy))}
    return {festival: (_policy_of(rows[festival]), True) if festival in rows else (rules.Policy(), False)
            for festival in rules.FESTIVALS}


def set_festival_policy(tx, festival, data, actor=None, *, today):
    """Set the policy of a festival's batch (fields left out take the defaults)."""
    refuse(rules.festival_problem(festival), "festival")
    values = load(FestivalPolicyIn(), data)
    row = tx.session.get(FestivalPolicy, festival, with_for_update=True)
    if row is None:
        row = FestivalPolicy(festival=festival)
        tx.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = actor
    tx.session.flush()
    return _POLICY_OUT.dump(_policy_in_year(festival, _policy_of(row), today.year, stored=True))


def list_festival_policies(session, query=None, *, today):
    """Each festival with its policy (the default until the office sets one) and its date in ``year``."""
    year = load(FestivalYearIn(), query or {}).get("year", today.year)
    return FestivalPoliciesOut().dump({"items": [_policy_in_year(festival, policy, year, stored)
                                                 for festival, (policy, stored) in _policies(session).items()]})


def run_festival_batch(tx, data, actor=None, *, today, now):
    """Make a festival's batch now: with the policy given, else the festival's.
    With ``dry_run``, nothing is made: the answer says whom the batch would
    visit (by name) and how the tasks would be spread, for a look first."""
    values = load(FestivalBatchIn(), data)
    if "policy" in values:
        policy = rules.Policy(**values["policy"])
    else:
        policy = _policies(tx.session)[values["festival"]][0]
    if values["dry_run"]:
        return festival_batch_preview(tx.session, values["festival"], values["year"], policy)
    log.info("%s %s: batch run by %s", values["festival"], values["year"], actor)
    return festival_batch(tx, values["festival"], values["year"], policy, today=today, now=now)


def due_festival_batches(tx, *, today, now):
    """The batches whose window (lead days before the festival, up to it) holds today."""
    done = []
    for festival, (policy, _) in _policies(tx.session).items():
        for year in rules.batch_years(today):
            first, day = rules.batch_window(festival, year, policy.lead_days)
            if first <= today <= day:
                done.append(festival_batch(tx, festival, year, policy, today=today, now=now))
    return done


def _selected(session, day, policy):
    """(member_id, branch_id, name) of the active members the policy selects for a festival on ``day``."""
    chosen = []
    if policy.min_age is not None:
        chosen.append(MemberFact.birth_date <= rules.born_on_or_before(day, policy.min_age))
    for flag in ("lives_alone", "hardship", "children_away"):
        if getattr(policy, flag):
            chosen.append(getattr(MemberFact, flag).is_(True))
    return session.execute(
        sa.select(MemberFact.member_id, MemberFact.branch_id, MemberFact.name)
        .where(MemberFact.status == "active", sa.or_(*chosen))
        .order_by(MemberFact.branch_id, MemberFact.member_id)
    ).all()


def _existing(session, festival, year):
    """(members with a task of this batch already, {visitor id: tasks given in it})."""
    prefix = rules.cause_key(festival, year, "")
    existing = session.execute(
        sa.select(VisitTask.member_id, VisitTask.visitor_id)
        .where(VisitTask.cause == "festival", VisitTask.cause_key.startswith(prefix, autoescape=True))
    ).all()
    loads = {}
    for _, visitor_id in existing:
        if visitor_id is not None:
            loads[visitor_id] = loads.get(visitor_id, 0) + 1
    return {member_id for member_id, _ in existing}, loads


def _plan(session, festival, year, policy):
    """What a batch would do now: (summary, [(member_id, branch_id, name, visitor_id)], {visitor id: name}).
    Only the members without a task of this batch yet are in the plan."""
    day = rules.festival_date(festival, year)
    summary = {"festival": festival, "year": year, "date": day, "selected": 0, "created": 0,
               "to_create": 0, "assignees": {}}
    if not policy.selects_anyone():
        return summary, [], {}
    selected = _selected(session, day, policy)
    summary["selected"] = len(selected)
    has_task, loads = _existing(session, festival, year)
    new = {member_id: (branch_id, name) for member_id, branch_id, name in selected if member_id not in has_task}
    summary["to_create"] = len(new)
    if not new:
        return summary, [], {}
    visitors = session.execute(sa.select(Visitor.id, Visitor.name).where(Visitor.active.is_(True)).order_by(Visitor.id)).all()
    plan = [(member_id, *new[member_id], visitor_id) for member_id, visitor_id in rules.spread(list(new), visitors, loads)]
    return summary, plan, dict(visitors)


def _count_assignees(summary, assignees):
    for assignee in assignees:
        key = assignee or UNASSIGNED
        summary["assignees"][key] = summary["assignees"].get(key, 0) + 1


def festival_batch_preview(session, festival, year, policy):
    """A batch not made: how many the policy selects, who of them would get a task
    (with their names, branch and visitor) and the tasks per assignee."""
    summary, plan, names = _plan(session, festival, year, policy)
    _count_assignees(summary, (names.get(visitor_id) for *_, visitor_id in plan))
    summary["dry_run"] = True
    summary["members"] = [{"member_id": member_id, "name": name, "branch_id": branch_id, "assignee": names.get(visitor_id)}
                          for member_id, branch_id, name, visitor_id in plan]
    return _BATCH_OUT.dump(summary)


def festival_batch(tx, festival, year, policy, *, today, now):
    """One visit task for each member the policy selects who has none for this
    festival and year, spread evenly over the active visitors; a second run
    creates only what is missing (members added since), on the same spread."""
    session = tx.session
    summary, plan, names = _plan(session, festival, year, policy)
    summary["dry_run"] = False
    if not plan:
        return _BATCH_OUT.dump(summary)
    if not names:
        log.warning("%s %s: no active visitor; tasks made without an assignee", festival, year)
    day = summary["date"]
    reason = rules.reason(festival, day)
    rows = [{
        "member_id": member_id, "branch_id": branch_id, "cause": "festival", "cause_date": today,
        "cause_key": rules.cause_key(festival, year, member_id), "reason": reason, "due_date": day,
        "status": "open", "assignee": names.get(visitor_id), "visitor_id": visitor_id, "created_at": now,
    } for member_id, branch_id, _, visitor_id in plan]

    table = VisitTask.__table__
    # a concurrent run's rows are skipped, not an error: the cause key decides
    statement = dialect_insert(session, table).on_conflict_do_nothing(index_elements=["cause_key"]).returning(
        table.c.id, table.c.member_id, table.c.assignee)
    created = []
    for start in range(0, len(rows), _BATCH_CHUNK):
        chunk = session.execute(statement, rows[start:start + _BATCH_CHUNK]).all()
        branch_of = {member_id: branch_id for member_id, branch_id, _, _ in plan}
        tx.emit_many("visit_task_created", [
            {"task_id": task_id, "member_id": member_id, "cause": "festival", "due_date": day, "source_event_id": None,
             "branch_id": branch_of.get(member_id), "assignee": assignee}
            for task_id, member_id, assignee in chunk])
        created += chunk
        time.sleep(0)  # under eventlet, lets the service's other workers run between chunks
    _count_assignees(summary, (assignee for _, _, assignee in created))
    summary["created"] = len(created)
    if created:
        tx.emit("festival_batch_made", {"festival": festival, "year": year, "festival_date": day,
                                        "tasks_created": len(created)})
    return _BATCH_OUT.dump(summary)

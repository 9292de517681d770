"""Visitors and pairings (一帮一): helpers added and listed, pairings made by
a rule or by hand, their talks, their end, and the members in need left unpaired."""
import logging

import sqlalchemy as sa

from welfare.domain import pairings as rules
from welfare.domain.dates import date_problem
from welfare.handlers.member_facts import branch_of, members_in_scope
from welfare.models import MemberFact, Pairing, PairingTalk, Visitor, VisitTask
from welfare.refusals import conflict, refuse
from welfare.schemas import (
    PairingDetailOut, PairingEndIn, PairingFilters, PairingIn, PairingOut, TalkIn, UnpairedFilters, UnpairedMemberOut,
    VisitorFilters, VisitorIn, VisitorOut,
)
from wuji_infra import access
from wuji_infra.db import get_or_404, where_chosen
from wuji_infra.validation import load, page_of, paging

log = logging.getLogger(__name__)

PAIRING = ("结对", "pairing")


# -- visitors -----------------------------------------------------------------

def add_visitor(tx, data, actor=None):
    values = load(VisitorIn(), data)
    member_id = values.get("member_id")
    already = member_id is not None and tx.session.scalar(sa.select(Visitor.id).where(Visitor.member_id == member_id))
    conflict(rules.visitor_problem(already), "member_id")
    visitor = Visitor(**values)
    tx.session.add(visitor)
    tx.session.flush()
    log.info("visitor %s added by %s", visitor.id, actor)
    return VisitorOut().dump(visitor)


def list_visitors(session, filters=None, page=1, page_size=20, *, access=access.SYSTEM):
    """The visitors; a secretary's list holds those of their branches and the office's own
    (no branch), who visit everywhere."""
    chosen = load(VisitorFilters(), filters or {})
    query = sa.select(Visitor).order_by(Visitor.id)
    query = where_chosen(query, Visitor, chosen, equal=("role", "branch_id", "pairs", "active"))
    scope = access.branch_clause(Visitor.branch_id)
    if scope is not None:
        query = query.where(sa.or_(scope, Visitor.branch_id.is_(None)))
    return page_of(session, query, VisitorOut().dump, page, page_size)


# -- pairings -----------------------------------------------------------------

def _has_active_pairing(session, member_id):
    return session.scalar(sa.select(Pairing.id).where(Pairing.active_member_id == member_id)) is not None


def pair_member(tx, member_id, branch_id, reason, started_on, source_event_id=None):
    """A pairing with the least busy willing helper, unless the member has an
    active one or no helper is willing (the member then shows in
    ``members_without_pairing``). Returns the new pairing or None."""
    session = tx.session
    if rules.pairing_problem(_has_active_pairing(session, member_id)):
        return None
    load_count = (sa.select(sa.func.count(Pairing.id))
                  .where(Pairing.helper_id == Visitor.id, Pairing.active_member_id.is_not(None))
                  .correlate(Visitor).scalar_subquery())
    candidates = session.execute(
        sa.select(Visitor.id, Visitor.member_id, Visitor.branch_id, load_count)
        .where(Visitor.active.is_(True), Visitor.pairs.is_(True))
    ).all()
    helper_id = rules.choose_helper([tuple(row) for row in candidates], member_id, branch_id)
    if helper_id is None:
        log.warning("no willing helper to pair with member %s", member_id)
        return None
    pairing = Pairing(helper_id=helper_id, member_id=member_id, active_member_id=member_id,
                      reason=reason, started_on=started_on, source_event_id=source_event_id)
    session.add(pairing)
    session.flush()
    return PairingOut().dump(pairing)


def end_pairings_of_the_deceased(tx, member_id, died_on):
    """A member who died: their active pairing ends on the day of death."""
    _end_pairings(tx, member_id, died_on, rules.DECEASED_END_REASON)


def end_pairings_of_the_withdrawn(tx, member_id, withdrawn_on):
    """A member withdrawn as entered in error: their active pairing ends on the day of the withdrawal."""
    _end_pairings(tx, member_id, withdrawn_on, rules.WITHDRAWN_END_REASON)


def _end_pairings(tx, member_id, ended_on, reason):
    for pairing in tx.session.scalars(sa.select(Pairing).where(Pairing.active_member_id == member_id)):
        pairing.active_member_id, pairing.ended_on, pairing.end_reason = None, ended_on, reason


def list_pairings(session, filters=None, page=1, page_size=20, *, access=access.SYSTEM):
    """Pairings, newest first; filters ``member_id``, ``helper_id``, ``active``.
    Only those of members of the caller's branches."""
    chosen = load(PairingFilters(), filters or {})
    query = sa.select(Pairing).order_by(Pairing.id.desc())
    in_scope = members_in_scope(access, Pairing.member_id)
    if in_scope is not None:
        query = query.where(in_scope)
    query = where_chosen(query, Pairing, chosen, equal=("member_id", "helper_id"))
    if chosen.get("active") is True:
        query = query.where(Pairing.active_member_id.is_not(None))
    elif chosen.get("active") is False:
        query = query.where(Pairing.active_member_id.is_(None))
    return page_of(session, query, PairingOut().dump, page, page_size)


def create_pairing(tx, data, actor=None, *, today, access=access.SYSTEM):
    """Pair a member with a helper by hand (a member living alone, lonely ...);
    both of the caller's branches."""
    values = load(PairingIn(), data)
    access.check_write(branch_of(tx.session, values["member_id"]))
    helper = tx.session.get(Visitor, values["helper_id"])
    if helper is not None:
        access.check_write(helper.branch_id)
    started_on = values.get("started_on", today)
    refuse(date_problem(started_on, None, today, "开始日期"), "started_on")
    refuse(rules.helper_problem(helper and helper.active, helper and helper.member_id, values["member_id"]),
           "helper_id")
    conflict(rules.pairing_problem(_has_active_pairing(tx.session, values["member_id"])), "member_id")
    pairing = Pairing(helper_id=helper.id, member_id=values["member_id"], active_member_id=values["member_id"],
                      reason=values["reason"], note=values.get("note"), started_on=started_on)
    tx.session.add(pairing)
    tx.session.flush()
    log.info("pairing %s made by %s", pairing.id, actor)
    return PairingDetailOut().dump(pairing)


def get_pairing(session, pairing_id, *, access=access.SYSTEM):
    pairing = get_or_404(session, Pairing, pairing_id, PAIRING)
    access.check_read(branch_of(session, pairing.member_id), PAIRING, pairing_id)
    return PairingDetailOut().dump(pairing)


def _pairing_to_change(tx, pairing_id, access):
    """The pairing, locked; Forbidden when its member is outside the caller's branches."""
    pairing = get_or_404(tx.session, Pairing, pairing_id, PAIRING, lock=True)
    access.check_write(branch_of(tx.session, pairing.member_id))
    return pairing


def end_pairing(tx, pairing_id, data, actor=None, *, today, access=access.SYSTEM):
    pairing = _pairing_to_change(tx, pairing_id, access)
    values = load(PairingEndIn(), data)
    conflict(rules.ended_problem(pairing.active_member_id), "ended_on")
    ended_on = values.get("ended_on", today)
    refuse(date_problem(ended_on, pairing.started_on, today, "结束日期"), "ended_on")
    pairing.active_member_id, pairing.ended_on, pairing.end_reason = None, ended_on, values["reason"].strip()
    tx.session.flush()
    log.info("pairing %s ended by %s", pairing.id, actor)
    return PairingDetailOut().dump(pairing)


def log_talk(tx, pairing_id, data, actor=None, *, today, access=access.SYSTEM):
    """A talk of the helper with the member; only while the pairing runs."""
    pairing = _pairing_to_change(tx, pairing_id, access)
    values = load(TalkIn(), data)
    conflict(rules.ended_problem(pairing.active_member_id), "talked_on")
    refuse(date_problem(values["talked_on"], pairing.started_on, today, "谈心日期"), "talked_on")
    tx.session.add(PairingTalk(pairing_id=pairing.id, logged_by=actor, **values))
    tx.session.flush()
    tx.session.refresh(pairing, ["talks"])
    return PairingDetailOut().dump(pairing)


_UNPAIRED_OUT = UnpairedMemberOut(many=True)


def members_without_pairing(session, filters=None, page=1, page_size=20, *, access=access.SYSTEM):
    """Active members in need (seriously ill, living alone, children away, in
    hardship) who have no active pairing; each with why they are in need.
    Only the caller's branches (``branch_id``, if given, among them)."""
    chosen = load(UnpairedFilters(), filters or {})
    ill = sa.exists().where(VisitTask.member_id == MemberFact.member_id, VisitTask.cause == "serious_illness")
    paired = sa.exists().where(Pairing.active_member_id == MemberFact.member_id)
    query = (sa.select(MemberFact, ill.label("ill"))
             .where(MemberFact.status == "active", ~paired,
                    sa.or_(MemberFact.hardship, MemberFact.lives_alone, MemberFact.children_away, ill))
             .order_by(MemberFact.member_id))
    branches = access.scope_branches([chosen["branch_id"]] if "branch_id" in chosen else None)
    if branches is not None:
        query = query.where(MemberFact.branch_id.in_(branches))
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = []
    for fact, is_ill in session.execute(query.limit(page_size).offset((page - 1) * page_size)):
        needs = rules.needs_of({"serious_illness": is_ill, "lives_alone": fact.lives_alone,
                                "children_away": fact.children_away, "hardship": fact.hardship})
        items.append({"member_id": fact.member_id, "name": fact.name, "branch_id": fact.branch_id, "needs": needs})
    return {"items": _UNPAIRED_OUT.dump(items), "total": total, "page": page, "page_size": page_size}

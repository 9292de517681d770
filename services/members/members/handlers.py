"""What the members service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
"""
import datetime as dt
import json

import sqlalchemy as sa

from members import domain
from members.models import (
    Branch, CommitteeSeat, Engagement, HealthEvent, HealthRead, Honor, Member, MemberChange, MemberSpecialty, SocialRole,
    Term, TermReminder, Transfer,
)
from members.schemas import (
    BranchFilters, BranchIn, BranchOut, EngagementIn, EngagementOut, FiguresIn, HealthEventIn, HealthEventOut, HealthReadOut, HonorFilters, HonorIn, HonorOut,
    MemberChangeOut, MemberFilters, MemberIn, MemberOut, SocialRoleIn, SocialRoleOut, TermIn, TransferIn,
    TransferOut, member_problems,
)
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.validation import load, page_of, paging


def _branch_or_404(session, branch_id):
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFound(f"党支部 {branch_id} 不存在 (no such branch)")
    return branch


def _member_or_404(session, member_id):
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"党员 {member_id} 不存在 (no such member)")
    return member


def member_facts(member):
    """Data of member_registered / member_updated: what other services keep."""
    return {
        "member_id": member.id, "branch_id": member.branch_id, "name": member.name,
        "birth_date": member.birth_date, "status": member.status, "hardship": member.hardship,
        "lives_alone": member.lives_alone, "children_away": member.children_away,
        "mobility_limited": member.mobility_limited, "org_relation": member.org_relation,
        "pension_monthly": member.pension_monthly, "specialties": list(member.specialties or []),
    }


# -- branches -----------------------------------------------------------------

def create_branch(tx, data):
    values = load(BranchIn(), data)
    if tx.session.scalar(sa.select(Branch.id).where(Branch.name == values["name"])):
        raise Conflict("同名党支部已存在 (a branch with this name exists)", {"name": ["already exists"]})
    branch = Branch(**values)
    tx.session.add(branch)
    tx.session.flush()
    return _branch_out(tx.session, branch, dt.date.today())


def _branch_out(session, branch, today):
    """A branch with its committee at a glance: a branch without a secretary shows as such."""
    out = BranchOut().dump(branch)
    term = _current_term(session, branch.id)
    if term is None:
        out.update(has_secretary=False, term_ends_on=None, term_state=None)
    else:
        summary = _term_out(session, term, today)
        out.update(has_secretary=summary["has_secretary"], term_ends_on=term.ends_on, term_state=summary["state"])
    return out


def get_branch(session, branch_id, today=None):
    return _branch_out(session, _branch_or_404(session, branch_id), today or dt.date.today())


def list_branches(session, page=1, page_size=20, filters=None, today=None):
    """Branches by id; filter ``without_secretary`` (true: only those without one)."""
    chosen = load(BranchFilters(), filters or {})
    today = today or dt.date.today()
    if "without_secretary" not in chosen:
        return page_of(session, sa.select(Branch).order_by(Branch.id),
                       lambda branch: _branch_out(session, branch, today), page, page_size)
    page, page_size = paging(page, page_size)
    # a city bureau has tens of branches: the flag is worked out for each
    every = [_branch_out(session, branch, today) for branch in session.scalars(sa.select(Branch).order_by(Branch.id))]
    chosen_ones = [b for b in every if b["has_secretary"] is not chosen["without_secretary"]]
    start = (page - 1) * page_size
    return {"items": chosen_ones[start:start + page_size], "total": len(chosen_ones), "page": page,
            "page_size": page_size}


# -- members ------------------------------------------------------------------

def _check_member(session, member, exclude_id=None):
    problems = member_problems(member)
    if problems:
        raise InvalidInput("输入有误 (invalid input)", problems)
    if session.get(Branch, member.branch_id) is None:
        raise InvalidInput("党支部不存在 (no such branch)", {"branch_id": ["no such branch"]})
    duplicate = session.scalar(
        sa.select(Member.id).where(Member.id_number == member.id_number, Member.id != (exclude_id or 0))
    )
    if duplicate:
        raise Conflict(
            "该身份证号已登记 (a member with this ID number exists)",
            {"id_number": [f"already registered as member {duplicate}"]},
        )


# -- history ------------------------------------------------------------------

_NOT_HISTORY = ("id", "created_at", "updated_at")
_MEMBER_OUT = MemberOut()  # one instance: making a schema costs more than using it


def _snapshot(member):
    """The member's fields as JSON-ready values, for history."""
    return {k: v for k, v in _MEMBER_OUT.dump(member).items() if k not in _NOT_HISTORY}


def _record_changes(session, member_id, before, after, changed_by, reason):
    for field, old, new in domain.changed_fields(before, after):
        session.add(MemberChange(
            member_id=member_id, field=field, changed_by=changed_by, reason=reason,
            old_value=json.dumps(old, ensure_ascii=False), new_value=json.dumps(new, ensure_ascii=False),
        ))


def _change_out(change):
    out = MemberChangeOut().dump(change)
    out["old_value"] = json.loads(change.old_value) if change.old_value is not None else None
    out["new_value"] = json.loads(change.new_value) if change.new_value is not None else None
    return out


def member_history(session, member_id, page=1, page_size=20):
    """Every recorded change of a member, newest first."""
    _member_or_404(session, member_id)
    query = (sa.select(MemberChange).where(MemberChange.member_id == member_id)
             .order_by(MemberChange.id.desc()))
    return page_of(session, query, _change_out, page, page_size)


# -- members ------------------------------------------------------------------

def _index_specialties(session, member):
    """Keep the searchable specialty rows equal to ``member.specialties``."""
    session.execute(sa.delete(MemberSpecialty).where(MemberSpecialty.member_id == member.id))
    session.add_all(MemberSpecialty(member_id=member.id, specialty=specialty)
                    for specialty in dict.fromkeys(member.specialties or []))


def create_member(tx, data, changed_by=None):
    values = load(MemberIn(), data)
    values.setdefault("org_relation", "unit")
    values.setdefault("specialties", [])
    values.setdefault("professional_titles", [])
    values.setdefault("status", "active")
    for flag in ("lives_alone", "children_away", "mobility_limited", "hardship", "willing_to_serve"):
        values.setdefault(flag, False)
    member = Member(**values)
    _check_member(tx.session, member)
    tx.session.add(member)
    tx.session.flush()
    _index_specialties(tx.session, member)
    # a registration is one history entry: the record as first entered
    tx.session.add(MemberChange(member_id=member.id, field="*", old_value=None, changed_by=changed_by,
                                reason="created", new_value=json.dumps(_snapshot(member), ensure_ascii=False)))
    tx.emit("member_registered", member_facts(member))
    return MemberOut().dump(member)


def update_member(tx, member_id, data, changed_by=None, today=None):
    values = load(MemberIn(), data, partial=True)
    member = _member_or_404(tx.session, member_id)
    snapshot = _snapshot(member)
    before = (member.org_relation, member.community, member.status)
    for field, value in values.items():
        setattr(member, field, value)
    if member.org_relation == "unit":
        member.community = None
    _check_member(tx.session, member, exclude_id=member.id)
    tx.session.flush()
    if "specialties" in values:
        _index_specialties(tx.session, member)
    _record_changes(tx.session, member.id, snapshot, _snapshot(member), changed_by, "updated")
    tx.emit("member_updated", member_facts(member))
    if (member.org_relation, member.community, member.status) != before:
        _record_patch_transfer(tx, member, before, changed_by, today or dt.date.today())
        _emit_transferred(tx, member, before, today or dt.date.today())
    return MemberOut().dump(member)


def _record_patch_transfer(tx, member, before, recorded_by, date):
    """A PATCH that moves a member is a transfer on the day it is entered."""
    if member.status == "transferred_out" and before[2] != "transferred_out":
        target = "out"
    elif (member.org_relation, member.community) != before[:2]:
        target = member.org_relation
    else:
        return  # a status correction (e.g. back to active) is in the history, not a transfer
    tx.session.add(Transfer(
        member_id=member.id, date=date, target=target, from_org_relation=before[0], from_community=before[1],
        to_community=member.community if target == "community" else None, recorded_by=recorded_by,
    ))


def _emit_transferred(tx, member, before, date):
    tx.emit("member_transferred", {
        "member_id": member.id, "org_relation": member.org_relation,
        "community": member.community, "status": member.status, "date": date,
        "branch_id": member.branch_id, "from_org_relation": before[0], "from_community": before[1],
    })


# -- organizational relationship ----------------------------------------------

def transfer_member(tx, member_id, data, recorded_by=None, today=None):
    """Move a member between the bureau's branch and a community, or out of the system."""
    values = load(TransferIn(), data)
    member = _member_or_404(tx.session, member_id)
    if values["date"] > (today or dt.date.today()):
        reason = "日期不能晚于今天 (the date is in the future)"
        raise InvalidInput(reason, {"date": [reason]})
    if member.status != "active":
        reason = f"该党员状态为 {member.status}, 不能转移组织关系 (only an active member can be transferred)"
        raise Conflict(reason, {"target": [reason]})
    before = (member.org_relation, member.community, member.status)
    after = domain.after_transfer(*before, values["target"], values.get("community"))
    if after == before:
        reason = "组织关系未改变 (the member is already there)"
        raise Conflict(reason, {"target": [reason]})
    snapshot = _snapshot(member)
    member.org_relation, member.community, member.status = after
    transfer = Transfer(
        member_id=member.id, date=values["date"], target=values["target"], from_org_relation=before[0],
        from_community=before[1], to_community=member.community if values["target"] == "community" else None,
        note=values.get("note"), recorded_by=recorded_by,
    )
    tx.session.add(transfer)
    tx.session.flush()
    _record_changes(tx.session, member.id, snapshot, _snapshot(member), recorded_by, "transfer")
    tx.emit("member_updated", member_facts(member))
    _emit_transferred(tx, member, before, values["date"])
    return TransferOut().dump(transfer)


def list_transfers(session, member_id, page=1, page_size=20):
    _member_or_404(session, member_id)
    query = (sa.select(Transfer).where(Transfer.member_id == member_id)
             .order_by(Transfer.date.desc(), Transfer.id.desc()))
    return page_of(session, query, TransferOut().dump, page, page_size)


def get_member(session, member_id):
    return MemberOut().dump(_member_or_404(session, member_id))


def list_members(session, filters=None, page=1, page_size=20):
    chosen = load(MemberFilters(), filters or {})
    return page_of(session, _member_query(chosen), MemberOut().dump, page, page_size)


def _member_query(chosen):
    """The members matching checked MemberFilters, by id."""
    query = sa.select(Member).order_by(Member.id)
    for field in ("branch_id", "org_relation", "status"):
        if field in chosen:
            query = query.where(getattr(Member, field) == chosen[field])
    if "q" in chosen:
        pattern = f"%{chosen['q']}%"
        query = query.where(sa.or_(Member.name.like(pattern), Member.id_number.like(pattern)))
    if "specialty" in chosen:
        query = query.where(sa.exists().where(
            MemberSpecialty.member_id == Member.id, MemberSpecialty.specialty == chosen["specialty"]))
    if "willing_to_serve" in chosen:
        query = query.where(Member.willing_to_serve == chosen["willing_to_serve"])
    return query


# -- health events ------------------------------------------------------------

# made once: building a schema is costly, and health events are the busiest write
_HEALTH_EVENT_IN = HealthEventIn()
_HEALTH_EVENT_OUT = HealthEventOut()


def record_health_event(tx, member_id, data, request_id, recorded_by=None, today=None):
    """Record a health event and dispatch its event, once per ``request_id``."""
    values = load(_HEALTH_EVENT_IN, data)
    existing = tx.session.scalar(sa.select(HealthEvent).where(HealthEvent.request_id == request_id))
    if existing is not None:
        if existing.member_id != member_id:
            raise Conflict("请求编号已用于其他党员 (request id already used)", {"request_id": ["reused"]})
        return _HEALTH_EVENT_OUT.dump(existing)

    member = _member_or_404(tx.session, member_id)
    if member.status == "deceased":
        reason = "该党员已逝世, 不能再登记健康事件 (the member is deceased)"
        raise Conflict(reason, {"kind": [reason]})
    if values["date"] > (today or dt.date.today()):
        reason = "日期不能晚于今天 (the date is in the future)"
        raise InvalidInput(reason, {"date": [reason]})

    event = HealthEvent(member_id=member.id, request_id=request_id, recorded_by=recorded_by, **values)
    tx.session.add(event)
    snapshot = _snapshot(member)
    member.status = domain.status_after_health_event(member.status, values["kind"])
    tx.session.flush()
    _record_changes(tx.session, member.id, snapshot, _snapshot(member), recorded_by, "health_event")

    data = {
        "member_id": member.id, "health_event_id": event.id, "date": event.date,
        "branch_id": member.branch_id, "birth_date": member.birth_date,
        "hardship": member.hardship, "lives_alone": member.lives_alone,
    }
    if event.kind == "hospitalized":
        data["hospital"] = event.hospital
    tx.emit(domain.HEALTH_EVENT_TYPES[event.kind], data)
    if event.kind == "deceased":
        tx.emit("member_updated", member_facts(member))
    return _HEALTH_EVENT_OUT.dump(event)


def list_health_events(tx, member_id, page=1, page_size=20, read_by=None):
    """A member's health events; the read itself is recorded (who read whose, how many)."""
    _member_or_404(tx.session, member_id)
    query = sa.select(HealthEvent).where(HealthEvent.member_id == member_id).order_by(HealthEvent.date.desc(), HealthEvent.id.desc())
    events = page_of(tx.session, query, _HEALTH_EVENT_OUT.dump, page, page_size)
    tx.session.add(HealthRead(member_id=member_id, read_by=read_by, events_shown=len(events["items"])))
    return events


def list_health_reads(session, member_id, page=1, page_size=20):
    """Who read a member's health events, newest first."""
    _member_or_404(session, member_id)
    query = sa.select(HealthRead).where(HealthRead.member_id == member_id).order_by(HealthRead.id.desc())
    return page_of(session, query, HealthReadOut().dump, page, page_size)


# -- committees and terms -----------------------------------------------------

def _current_term(session, branch_id):
    """The branch's latest term (the one elected last), or None."""
    return session.scalar(
        sa.select(Term).where(Term.branch_id == branch_id).order_by(Term.starts_on.desc(), Term.id.desc()).limit(1))


def _term_out(session, term, today):
    rows = session.execute(
        sa.select(CommitteeSeat.member_id, CommitteeSeat.role, Member.name, Member.status)
        .join(Member, Member.id == CommitteeSeat.member_id)
        .where(CommitteeSeat.term_id == term.id).order_by(CommitteeSeat.id)
    ).all()
    committee = [{"member_id": r.member_id, "role": r.role, "name": r.name, "member_status": r.status}
                 for r in rows]
    return {
        "id": term.id, "branch_id": term.branch_id, "starts_on": term.starts_on, "ends_on": term.ends_on,
        "state": domain.term_state(term.ends_on, today), "committee": committee,
        # a secretary who has died or left no longer leads the branch
        "has_secretary": any(s["role"] == "secretary" and s["member_status"] == "active" for s in committee),
        "recorded_by": term.recorded_by,
    }


def elect_committee(tx, branch_id, data, recorded_by=None, today=None):
    """Record a newly elected committee as a new term (换届); earlier terms are kept."""
    values = load(TermIn(), data)
    today = today or dt.date.today()
    _branch_or_404(tx.session, branch_id)
    starts_on = values["starts_on"]
    ends_on = values.get("ends_on") or domain.default_term_end(starts_on)
    latest = _current_term(tx.session, branch_id)
    if latest is not None and starts_on <= latest.starts_on:
        reason = f"新任期应晚于上一任期的开始日期 {latest.starts_on} (must start after the previous term)"
        raise Conflict(reason, {"starts_on": [reason]})
    problems = {}
    for index, seat in enumerate(values["committee"]):
        member = tx.session.get(Member, seat["member_id"])
        if member is None:
            problems[f"committee.{index}.member_id"] = [f"党员 {seat['member_id']} 不存在 (no such member)"]
        elif member.branch_id != branch_id:
            problems[f"committee.{index}.member_id"] = ["不是本支部党员 (not a member of this branch)"]
        elif member.status != "active":
            problems[f"committee.{index}.member_id"] = [f"该党员状态为 {member.status} (not active)"]
    if problems:
        raise InvalidInput("班子成员有误 (invalid committee)", problems)
    term = Term(branch_id=branch_id, starts_on=starts_on, ends_on=ends_on, recorded_by=recorded_by)
    tx.session.add(term)
    tx.session.flush()
    tx.session.add_all(CommitteeSeat(term_id=term.id, **seat) for seat in values["committee"])
    tx.session.flush()
    return _term_out(tx.session, term, today)


def get_committee(session, branch_id, today=None):
    """The branch's current committee; ``term`` is None and ``has_secretary`` false when none is recorded."""
    _branch_or_404(session, branch_id)
    term = _current_term(session, branch_id)
    if term is None:
        return {"branch_id": branch_id, "term": None, "has_secretary": False}
    out = _term_out(session, term, today or dt.date.today())
    return {"branch_id": branch_id, "term": out, "has_secretary": out["has_secretary"]}


def list_terms(session, branch_id, page=1, page_size=20, today=None):
    """All terms of a branch, the latest first."""
    _branch_or_404(session, branch_id)
    today = today or dt.date.today()
    query = sa.select(Term).where(Term.branch_id == branch_id).order_by(Term.starts_on.desc(), Term.id.desc())
    return page_of(session, query, lambda term: _term_out(session, term, today), page, page_size)


def send_term_reminders(store, today):
    """Send the term reminders due ``today`` (the daily timer): each (term, reminder) once.

    Only a branch's current term is reminded of: a re-election stops the old
    one's reminders. The marker row and the outbox row commit together, so a
    crash either sends both or neither; a marker already there (a second run
    the same day, another process) means the reminder went out already.
    """
    with store.read() as session:
        terms = session.execute(sa.select(Term.id, Term.branch_id, Term.ends_on)
                                .order_by(Term.branch_id, Term.starts_on, Term.id)).all()
    current = {term.branch_id: term for term in terms}  # the last per branch wins
    sent = []
    for term in current.values():
        due = domain.term_reminder_due(term.ends_on, today)
        if due is None:
            continue
        event_type, reminder = due
        try:
            with store.transaction() as tx:
                already = tx.session.scalar(sa.select(TermReminder.id).where(
                    TermReminder.term_id == term.id, TermReminder.reminder == reminder))
                if already:
                    continue
                tx.session.add(TermReminder(term_id=term.id, reminder=reminder, sent_on=today))
                tx.session.flush()
                tx.emit(event_type, {"branch_id": term.branch_id, "term_id": term.id,
                                     "ends_on": term.ends_on, "reminder": reminder})
        except sa.exc.IntegrityError:
            continue  # sent by a concurrent run
        sent.append((event_type, term.branch_id, reminder))
    return sent


# -- honors and roles in society ----------------------------------------------

def add_honor(tx, member_id, data, recorded_by=None):
    values = load(HonorIn(), data)
    member = _member_or_404(tx.session, member_id)
    honor = Honor(member_id=member.id, recorded_by=recorded_by, **values)
    tx.session.add(honor)
    tx.session.flush()
    return HonorOut().dump(honor)


def list_honors(session, filters=None, page=1, page_size=20):
    """Honors, the latest year first; filters ``member_id``, ``level``, ``year``."""
    chosen = load(HonorFilters(), filters or {})
    query = sa.select(Honor).order_by(Honor.year.desc(), Honor.id.desc())
    for field in ("member_id", "level", "year"):
        if field in chosen:
            query = query.where(getattr(Honor, field) == chosen[field])
    return page_of(session, query, HonorOut().dump, page, page_size)


def record_engagement(tx, member_id, data, recorded_by=None, today=None):
    """A member served at a review meeting or seminar: when, which, and the advice given."""
    values = load(EngagementIn(), data)
    member = _member_or_404(tx.session, member_id)
    if values["date"] > (today or dt.date.today()):
        reason = "日期不能晚于今天 (the date is in the future)"
        raise InvalidInput(reason, {"date": [reason]})
    engagement = Engagement(member_id=member.id, recorded_by=recorded_by, **values)
    tx.session.add(engagement)
    tx.session.flush()
    return EngagementOut().dump(engagement)


def list_engagements(session, member_id, page=1, page_size=20):
    _member_or_404(session, member_id)
    query = (sa.select(Engagement).where(Engagement.member_id == member_id)
             .order_by(Engagement.date.desc(), Engagement.id.desc()))
    return page_of(session, query, EngagementOut().dump, page, page_size)


def add_social_role(tx, member_id, data, recorded_by=None):
    values = load(SocialRoleIn(), data)
    member = _member_or_404(tx.session, member_id)
    role = SocialRole(member_id=member.id, recorded_by=recorded_by, **values)
    tx.session.add(role)
    tx.session.flush()
    return SocialRoleOut().dump(role)


def list_social_roles(session, member_id, page=1, page_size=20):
    _member_or_404(session, member_id)
    query = (sa.select(SocialRole).where(SocialRole.member_id == member_id)
             .order_by(SocialRole.starts_on.desc(), SocialRole.id.desc()))
    return page_of(session, query, SocialRoleOut().dump, page, page_size)


# -- headline figures -----------------------------------------------------------

def headline_figures(session, query=None, today=None):
    """The roster's figures for the yearly report.

    ``on`` (default today) is the day ages are counted at and committees are
    counted on; ``year`` (default the year of ``on``) is the year of the honors.
    Members counted are the active ones (not deceased, not transferred out).
    """
    chosen = load(FiguresIn(), query or {})
    on = chosen.get("on") or today or dt.date.today()
    year = chosen.get("year") or on.year
    active = Member.status == "active"
    by_relation = dict(session.execute(
        sa.select(Member.org_relation, sa.func.count()).where(active).group_by(Member.org_relation)).all())
    birth_dates = session.scalars(sa.select(Member.birth_date).where(active)).all()
    # a branch has a committee on ``on`` when a term has started by then
    committees = session.scalar(sa.select(sa.func.count(sa.distinct(Term.branch_id))).where(Term.starts_on <= on))
    honors = dict(session.execute(
        sa.select(Honor.level, sa.func.count()).where(Honor.year == year).group_by(Honor.level)).all())
    average = domain.average_age(birth_dates, on)
    in_year = sa.extract("year", Engagement.date) == year
    engaged, engagements = session.execute(
        sa.select(sa.func.count(sa.distinct(Engagement.member_id)), sa.func.count()).where(in_year)).one()
    return {
        "on": on, "year": year,
        "members_total": len(birth_dates),
        "in_communities": by_relation.get("community", 0),
        "in_bureau_branch": by_relation.get("unit", 0),
        "average_age": str(average) if average is not None else None,
        "branches": session.scalar(sa.select(sa.func.count()).select_from(Branch)),
        "committees": committees,
        "honors_by_level": {level: honors.get(level, 0) for level in domain.HONOR_LEVELS},
        "members_engaged": engaged, "engagements": engagements,
    }

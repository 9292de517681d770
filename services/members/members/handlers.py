"""What the members service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
"""
import datetime as dt

import sqlalchemy as sa

from members import domain
from members.models import Branch, HealthEvent, Member
from members.schemas import (
    BranchIn, BranchOut, HealthEventIn, HealthEventOut, MemberFilters, MemberIn, MemberOut,
    member_problems,
)
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.validation import load, page_of


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
    return BranchOut().dump(branch)


def get_branch(session, branch_id):
    return BranchOut().dump(_branch_or_404(session, branch_id))


def list_branches(session, page=1, page_size=20):
    return page_of(session, sa.select(Branch).order_by(Branch.id), BranchOut().dump, page, page_size)


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


def create_member(tx, data):
    values = load(MemberIn(), data)
    values.setdefault("org_relation", "unit")
    values.setdefault("specialties", [])
    values.setdefault("status", "active")
    for flag in ("lives_alone", "children_away", "mobility_limited", "hardship"):
        values.setdefault(flag, False)
    member = Member(**values)
    _check_member(tx.session, member)
    tx.session.add(member)
    tx.session.flush()
    tx.emit("member_registered", member_facts(member))
    return MemberOut().dump(member)


def update_member(tx, member_id, data):
    values = load(MemberIn(), data, partial=True)
    member = _member_or_404(tx.session, member_id)
    before = (member.org_relation, member.community, member.status)
    for field, value in values.items():
        setattr(member, field, value)
    if member.org_relation == "unit":
        member.community = None
    _check_member(tx.session, member, exclude_id=member.id)
    tx.session.flush()
    tx.emit("member_updated", member_facts(member))
    if (member.org_relation, member.community, member.status) != before:
        tx.emit("member_transferred", {
            "member_id": member.id, "org_relation": member.org_relation,
            "community": member.community, "status": member.status,
        })
    return MemberOut().dump(member)


def get_member(session, member_id):
    return MemberOut().dump(_member_or_404(session, member_id))


def list_members(session, filters=None, page=1, page_size=20):
    chosen = load(MemberFilters(), filters or {})
    query = sa.select(Member).order_by(Member.id)
    for field in ("branch_id", "org_relation", "status"):
        if field in chosen:
            query = query.where(getattr(Member, field) == chosen[field])
    if "q" in chosen:
        pattern = f"%{chosen['q']}%"
        query = query.where(sa.or_(Member.name.like(pattern), Member.id_number.like(pattern)))
    return page_of(session, query, MemberOut().dump, page, page_size)


# -- health events ------------------------------------------------------------

def record_health_event(tx, member_id, data, request_id, recorded_by=None, today=None):
    """Record a health event and dispatch its event, once per ``request_id``."""
    values = load(HealthEventIn(), data)
    existing = tx.session.scalar(sa.select(HealthEvent).where(HealthEvent.request_id == request_id))
    if existing is not None:
        if existing.member_id != member_id:
            raise Conflict("请求编号已用于其他党员 (request id already used)", {"request_id": ["reused"]})
        return HealthEventOut().dump(existing)

    member = _member_or_404(tx.session, member_id)
    if member.status == "deceased":
        reason = "该党员已逝世, 不能再登记健康事件 (the member is deceased)"
        raise Conflict(reason, {"kind": [reason]})
    if values["date"] > (today or dt.date.today()):
        reason = "日期不能晚于今天 (the date is in the future)"
        raise InvalidInput(reason, {"date": [reason]})

    event = HealthEvent(member_id=member.id, request_id=request_id, recorded_by=recorded_by, **values)
    tx.session.add(event)
    member.status = domain.status_after_health_event(member.status, values["kind"])
    tx.session.flush()

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
    return HealthEventOut().dump(event)


def list_health_events(session, member_id, page=1, page_size=20):
    _member_or_404(session, member_id)
    query = sa.select(HealthEvent).where(HealthEvent.member_id == member_id).order_by(HealthEvent.date.desc(), HealthEvent.id.desc())
    return page_of(session, query, HealthEventOut().dump, page, page_size)

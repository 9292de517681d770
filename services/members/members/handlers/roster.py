"""The roster: members, their history of changes, and transfers of their organizational relationship."""
import json

import sqlalchemy as sa

from members.domain.dates import future_date_problem
from members.domain.roster import (
    after_transfer, changed_fields, community_for, counts_from_problem, member_problems, patch_transfer_target,
    transfer_problem, with_member_defaults,
)
from members.domain.withdrawals import withdrawn_write_problem
from members.models import Branch, Member, MemberChange, MemberSpecialty, Transfer, withdrawal
from members.schemas import MemberChangeOut, MemberFilters, MemberIn, MemberOut, NoFilters, TransferIn, TransferOut
from wuji_infra.access import ADMIN, ID_NUMBER, STAFF, SYSTEM, SYSTEM_ROLE, masked
from wuji_infra.db import get_or_404, row_or_404, where_chosen
from wuji_infra.errors import Conflict, Forbidden, InvalidInput
from wuji_infra.member_facts import WITHDRAWN
from wuji_infra.validation import load, page_of

MEMBER = ("党员", "member")
# who may list the members withdrawn as entered in error: the office
WITHDRAWN_READERS = (ADMIN, STAFF, SYSTEM_ROLE)
STANDING = Member.withdrawn_at.is_(None)  # the members not withdrawn: every list and figure counts only them
_NOT_HISTORY = ("id", "created_at", "updated_at")
_MEMBER_OUT = MemberOut()  # one instance: making a schema costs more than using it
# the member's personal facts, by field: the kind (wuji_infra.access) MemberOut marks each with
SENSITIVE_FIELDS = {name: field.metadata["sensitive"] for name, field in _MEMBER_OUT.fields.items()
                    if "sensitive" in field.metadata}


def member_facts(member):
    """Data of member_registered / member_updated: what other services keep. A withdrawn
    member's status is ``withdrawn`` (wuji_infra.member_facts): a copy rebuilt by a replay
    holds them withdrawn too."""
    return {
        "member_id": member.id, "branch_id": member.branch_id, "name": member.name,
        "birth_date": member.birth_date, "status": WITHDRAWN if member.withdrawn_at else member.status,
        "hardship": member.hardship,
        "lives_alone": member.lives_alone, "children_away": member.children_away,
        "mobility_limited": member.mobility_limited, "org_relation": member.org_relation,
        "pension_monthly": member.pension_monthly, "specialties": list(member.specialties or []),
        "counts_from": member.counts_from,
    }


def where(member):
    """(org_relation, community, status): where a member's membership is."""
    return member.org_relation, member.community, member.status


# -- the caller's branches ----------------------------------------------------
# A branch's members are the members rows: every other record reaches its branch through its member.

def in_branches(query, column, access, asked=None):
    """``query`` kept to the rows whose branch (``column``) is one of ``asked`` (a list, None: every
    branch) that ``access`` sees."""
    branches = access.scope_branches(asked)
    return query if branches is None else query.where(column.in_(branches))


def of_members_in_branches(query, member_id, access, asked=None):
    """``query`` kept to the rows whose member (the column ``member_id``) is in a branch of
    ``asked`` (None: every branch) that ``access`` sees."""
    branches = access.scope_branches(asked)
    if branches is None:
        return query
    return query.where(member_id.in_(sa.select(Member.id).where(Member.branch_id.in_(branches))))


def member_to_read(session, member_id, access):
    """The member ``member_id``, NotFound as well when outside the caller's branches."""
    member = get_or_404(session, Member, member_id, MEMBER)
    access.check_read(member.branch_id, MEMBER, member_id)
    return member


def member_to_change(session, member_id, access):
    """The member ``member_id`` (NotFound), Forbidden when outside the caller's branches,
    Conflict when withdrawn (entered in error: nothing more is written to it)."""
    member = get_or_404(session, Member, member_id, MEMBER)
    access.check_write(member.branch_id)
    refuse_withdrawn(MEMBER, member)
    return member


def refuse_withdrawn(what, record):
    """Conflict when ``record`` (a member or a branch, ``what`` naming it) was withdrawn."""
    reason = withdrawn_write_problem(what, record.id, record.withdrawn_at)
    if reason:
        raise Conflict(reason, {"withdrawn": [reason]})


def masked_member(out, access):
    """A dumped member (MemberOut) with the personal facts ``access`` may not read masked:
    for what the gateway cannot mask by schema (a file, a history entry's values)."""
    return {name: masked(access, SENSITIVE_FIELDS[name], value) if name in SENSITIVE_FIELDS else value
            for name, value in out.items()}


def refuse_future_date(day, today):
    """InvalidInput on ``date`` when ``day`` is after ``today``: what is recorded has happened."""
    reason = future_date_problem(day, today)
    if reason:
        raise InvalidInput(reason, {"date": [reason]})


# -- members ------------------------------------------------------------------

def _check_member(session, member, today, exclude_id=None, values=None):
    problems = {**member_problems(member, today), **counts_from_problem(values or {}, today)}
    if problems:
        raise InvalidInput("输入有误 (invalid input)", problems)
    # locked: a withdrawal of the branch at the same moment waits, then counts this member
    branch = session.get(Branch, member.branch_id, with_for_update=True)
    if branch is None:
        raise InvalidInput("党支部不存在 (no such branch)", {"branch_id": ["no such branch"]})
    if branch.withdrawn_at is not None:
        raise InvalidInput("党支部已撤销 (the branch was withdrawn)", {"branch_id": ["党支部已撤销 (withdrawn)"]})
    # a member withdrawn as entered in error does not block registering them again correctly
    duplicate = session.scalar(
        sa.select(Member.id).where(Member.id_number == member.id_number, STANDING, Member.id != (exclude_id or 0))
    )
    if duplicate:
        raise Conflict(
            "该身份证号已登记 (a member with this ID number exists)",
            {"id_number": [f"already registered as member {duplicate}"]},
        )


def index_specialties(session, member):
    """Keep the searchable specialty rows equal to ``member.specialties``."""
    session.execute(sa.delete(MemberSpecialty).where(MemberSpecialty.member_id == member.id))
    session.add_all(MemberSpecialty(member_id=member.id, specialty=specialty)
                    for specialty in dict.fromkeys(member.specialties or []))


def create_member(tx, data, actor=None, *, today, access=SYSTEM):
    values = load(MemberIn(), data)
    access.check_write(values["branch_id"])
    member = Member(**with_member_defaults(values, today))
    _check_member(tx.session, member, today, values=values)
    tx.session.add(member)
    tx.session.flush()
    index_specialties(tx.session, member)
    record_creation(tx.session, member, actor, "created")
    tx.emit("member_registered", member_facts(member))
    return _MEMBER_OUT.dump(member)


def update_member(tx, member_id, data, actor=None, *, today, access=SYSTEM):
    member = member_to_change(tx.session, member_id, access)
    values = load(MemberIn(), data, partial=True)
    if "branch_id" in values:  # moved to another branch: that one must be the caller's too
        access.check_write(values["branch_id"])
    snapshot, before = history_snapshot(member), where(member)
    for field, value in values.items():
        setattr(member, field, value)
    member.community = community_for(member.org_relation, member.community)
    _check_member(tx.session, member, today, exclude_id=member.id, values=values)
    tx.session.flush()
    if "specialties" in values:
        index_specialties(tx.session, member)
    record_changes(tx.session, member.id, snapshot, history_snapshot(member), actor, "updated")
    tx.emit("member_updated", member_facts(member))
    if where(member) != before:
        target = patch_transfer_target(before, where(member))
        if target is not None:  # a PATCH that moves a member is a transfer on the day it is entered
            tx.session.add(Transfer(
                member_id=member.id, date=today, target=target, from_org_relation=before[0],
                from_community=before[1], to_community=member.community if target == "community" else None,
                recorded_by=actor,
            ))
        emit_transferred(tx, member, before, today)
    return _MEMBER_OUT.dump(member)


def emit_transferred(tx, member, before, date):
    tx.emit("member_transferred", {
        "member_id": member.id, "org_relation": member.org_relation,
        "community": member.community, "status": member.status, "date": date,
        "branch_id": member.branch_id, "from_org_relation": before[0], "from_community": before[1],
    })


def get_member(session, member_id, *, access=SYSTEM):
    # the read behind every screen of a member: its row, not an ORM object (wuji_infra.db.row_or_404)
    member = row_or_404(session, Member.__table__, member_id, MEMBER)
    access.check_read(member["branch_id"], MEMBER, member_id)
    return _MEMBER_OUT.dump(dict(member, withdrawn=withdrawal(
        member["withdrawn_at"], member["withdrawn_reason"], member["withdrawn_by"])))


def list_members(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    chosen = load(MemberFilters(), filters or {})
    return page_of(session, member_query(chosen, access), _MEMBER_OUT.dump, page, page_size)


def member_query(chosen, access):
    """The members matching checked MemberFilters in the caller's branches, by id: those standing,
    or with ``withdrawn`` true those withdrawn as entered in error (the office only)."""
    if chosen.get("withdrawn") and access.role not in WITHDRAWN_READERS:
        raise Forbidden("只有老干部工作人员可查看已撤销的党员 (only the office lists withdrawn members)",
                        {"withdrawn": ["无权查看 (not allowed)"]})
    query = sa.select(Member).where(Member.withdrawn_at.is_not(None) if chosen.get("withdrawn") else STANDING)
    query = query.order_by(Member.id)
    query = in_branches(query, Member.branch_id, access, [chosen["branch_id"]] if "branch_id" in chosen else None)
    query = where_chosen(query, Member, chosen, equal=("org_relation", "status"))
    if "ids" in chosen:
        query = query.where(Member.id.in_({int(part) for part in chosen["ids"].split(",")}))
    if "q" in chosen:
        # % and _ typed by the office are searched for as themselves, not as wildcards
        text = chosen["q"]
        searched = [Member.name.contains(text, autoescape=True)]
        if access.sees(ID_NUMBER):  # else a search would tell the masked digits one by one
            searched.append(Member.id_number.contains(text, autoescape=True))
        query = query.where(sa.or_(*searched))
    if "specialty" in chosen:
        query = query.where(sa.exists().where(
            MemberSpecialty.member_id == Member.id, MemberSpecialty.specialty == chosen["specialty"]))
    if "willing_to_serve" in chosen:
        query = query.where(Member.willing_to_serve == chosen["willing_to_serve"])
    return query


# -- history ------------------------------------------------------------------

def history_snapshot(member):
    """The member's fields as JSON-ready values, for history."""
    return {k: v for k, v in _MEMBER_OUT.dump(member).items() if k not in _NOT_HISTORY}


def _as_json(value):
    return json.dumps(value, ensure_ascii=False)


def record_creation(session, member, actor, reason):
    """A registration is one history entry: the record as first entered."""
    session.add(MemberChange(member_id=member.id, field="*", old_value=None, changed_by=actor,
                             reason=reason, new_value=_as_json(history_snapshot(member))))


def record_changes(session, member_id, before, after, actor, reason):
    """One history entry per field changed from ``before`` to ``after``; answers the changes."""
    changes = changed_fields(before, after)
    session.add_all(MemberChange(member_id=member_id, field=field, changed_by=actor, reason=reason,
                                 old_value=_as_json(old), new_value=_as_json(new))
                    for field, old, new in changes)
    return changes


def _change_out(change, access):
    """A history entry; its values masked as the member's fields they are (``field``, or every
    field of the record as first entered, ``*``) where ``access`` may not read them."""
    out = MemberChangeOut().dump(change)
    for key in ("old_value", "new_value"):
        value = json.loads(getattr(change, key)) if getattr(change, key) is not None else None
        if change.field == "*" and isinstance(value, dict):
            value = masked_member(value, access)
        elif change.field in SENSITIVE_FIELDS:
            value = masked(access, SENSITIVE_FIELDS[change.field], value)
        out[key] = value
    return out


def member_rows(session, model, member_id, filters, page, page_size, dump, *order, access=SYSTEM):
    """A page of a member's rows of ``model`` (lists of a member have no filters), in ``order``;
    NotFound for a member outside the caller's branches."""
    load(NoFilters(), filters or {})
    member = member_to_read(session, member_id, access)
    query = sa.select(model).where(model.member_id == member.id).order_by(*order)
    return page_of(session, query, dump, page, page_size)


def member_history(session, member_id, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Every recorded change of a member, newest first."""
    return member_rows(session, MemberChange, member_id, filters, page, page_size,
                       lambda change: _change_out(change, access), MemberChange.id.desc(), access=access)


# -- organizational relationship ----------------------------------------------

def transfer_member(tx, member_id, data, actor=None, *, today, access=SYSTEM):
    """Move a member between the bureau's branch and a community, or out of the system."""
    member = member_to_change(tx.session, member_id, access)
    values = load(TransferIn(), data)
    refuse_future_date(values["date"], today)
    before = where(member)
    after = after_transfer(*before, values["target"], values.get("community"))
    reason = transfer_problem(before, after)
    if reason:
        raise Conflict(reason, {"target": [reason]})
    snapshot = history_snapshot(member)
    member.org_relation, member.community, member.status = after
    transfer = Transfer(
        member_id=member.id, date=values["date"], target=values["target"], from_org_relation=before[0],
        from_community=before[1], to_community=member.community if values["target"] == "community" else None,
        note=values.get("note"), recorded_by=actor,
    )
    tx.session.add(transfer)
    tx.session.flush()
    record_changes(tx.session, member.id, snapshot, history_snapshot(member), actor, "transfer")
    tx.emit("member_updated", member_facts(member))
    emit_transferred(tx, member, before, values["date"])
    return TransferOut().dump(transfer)


def list_transfers(session, member_id, filters=None, page=1, page_size=20, *, access=SYSTEM):
    return member_rows(session, Transfer, member_id, filters, page, page_size, TransferOut().dump,
                       Transfer.date.desc(), Transfer.id.desc(), access=access)

"""Honors and roles in society: what members bring. (Service at review meetings is recorded
once, with the meeting, in activities.)"""
import sqlalchemy as sa

from members.handlers.roster import STANDING, member_rows, member_to_change, of_members_in_branches
from members.models import Honor, Member, SocialRole
from members.schemas import HonorFilters, HonorIn, HonorOut, SocialRoleIn, SocialRoleOut
from wuji_infra.access import SYSTEM
from wuji_infra.db import where_chosen
from wuji_infra.validation import load, page_of


def _add(tx, model, member, values, actor, out):
    """A new row of ``model`` for ``member``, recorded by ``actor``, as ``out`` dumps it."""
    row = model(member_id=member.id, recorded_by=actor, **values)
    tx.session.add(row)
    tx.session.flush()
    return out.dump(row)


def add_honor(tx, member_id, data, actor=None, *, access=SYSTEM):
    member = member_to_change(tx.session, member_id, access)
    return _add(tx, Honor, member, load(HonorIn(), data), actor, HonorOut())


def list_honors(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Honors, the latest year first; filters ``member_id``, ``level``, ``year``. Those of the
    members withdrawn as entered in error only when their member is asked for."""
    chosen = load(HonorFilters(), filters or {})
    query = sa.select(Honor).order_by(Honor.year.desc(), Honor.id.desc())
    query = where_chosen(query, Honor, chosen, equal=("member_id", "level", "year"))
    if "member_id" not in chosen:
        query = query.where(Honor.member_id.in_(sa.select(Member.id).where(STANDING)))
    query = of_members_in_branches(query, Honor.member_id, access)
    return page_of(session, query, HonorOut().dump, page, page_size)


def add_social_role(tx, member_id, data, actor=None, *, access=SYSTEM):
    member = member_to_change(tx.session, member_id, access)
    return _add(tx, SocialRole, member, load(SocialRoleIn(), data), actor, SocialRoleOut())


def list_social_roles(session, member_id, filters=None, page=1, page_size=20, *, access=SYSTEM):
    return member_rows(session, SocialRole, member_id, filters, page, page_size, SocialRoleOut().dump,
                       SocialRole.starts_on.desc(), SocialRole.id.desc(), access=access)

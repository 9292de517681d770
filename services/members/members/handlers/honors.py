"""Honors, service at review meetings (engagements) and roles in society: what members bring."""
import sqlalchemy as sa

from members.handlers.roster import MEMBER, member_rows, refuse_future_date
from members.models import Engagement, Honor, Member, SocialRole
from members.schemas import (
    EngagementIn, EngagementOut, HonorFilters, HonorIn, HonorOut, SocialRoleIn, SocialRoleOut,
)
from wuji_infra.db import get_or_404, where_chosen
from wuji_infra.validation import load, page_of


def _add(tx, model, member, values, actor, out):
    """A new row of ``model`` for ``member``, recorded by ``actor``, as ``out`` dumps it."""
    row = model(member_id=member.id, recorded_by=actor, **values)
    tx.session.add(row)
    tx.session.flush()
    return out.dump(row)


def add_honor(tx, member_id, data, actor=None):
    values = load(HonorIn(), data)
    return _add(tx, Honor, get_or_404(tx.session, Member, member_id, MEMBER), values, actor, HonorOut())


def list_honors(session, filters=None, page=1, page_size=20):
    """Honors, the latest year first; filters ``member_id``, ``level``, ``year``."""
    chosen = load(HonorFilters(), filters or {})
    query = sa.select(Honor).order_by(Honor.year.desc(), Honor.id.desc())
    query = where_chosen(query, Honor, chosen, equal=("member_id", "level", "year"))
    return page_of(session, query, HonorOut().dump, page, page_size)


def record_engagement(tx, member_id, data, actor=None, *, today):
    """A member served at a review meeting or seminar: when, which, and the advice given."""
    values = load(EngagementIn(), data)
    member = get_or_404(tx.session, Member, member_id, MEMBER)
    refuse_future_date(values["date"], today)
    return _add(tx, Engagement, member, values, actor, EngagementOut())


def list_engagements(session, member_id, filters=None, page=1, page_size=20):
    return member_rows(session, Engagement, member_id, filters, page, page_size, EngagementOut().dump,
                       Engagement.date.desc(), Engagement.id.desc())


def add_social_role(tx, member_id, data, actor=None):
    values = load(SocialRoleIn(), data)
    return _add(tx, SocialRole, get_or_404(tx.session, Member, member_id, MEMBER), values, actor, SocialRoleOut())


def list_social_roles(session, member_id, filters=None, page=1, page_size=20):
    return member_rows(session, SocialRole, member_id, filters, page, page_size, SocialRoleOut().dump,
                       SocialRole.starts_on.desc(), SocialRole.id.desc())

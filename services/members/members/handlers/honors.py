"""Honors, service at review meetings (engagements) and roles in society: what members bring."""
import sqlalchemy as sa

from members.domain.dates import future_date_problem
from members.handlers.roster import MEMBER, member_rows
from members.models import Engagement, Honor, Member, SocialRole
from members.schemas import (
    EngagementIn, EngagementOut, HonorFilters, HonorIn, HonorOut, SocialRoleIn, SocialRoleOut,
)
from wuji_infra.db import get_or_404
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load, page_of


def add_honor(tx, member_id, data, actor=None):
    values = load(HonorIn(), data)
    member = get_or_404(tx.session, Member, member_id, MEMBER)
    honor = Honor(member_id=member.id, recorded_by=actor, **values)
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


def record_engagement(tx, member_id, data, actor=None, *, today):
    """A member served at a review meeting or seminar: when, which, and the advice given."""
    values = load(EngagementIn(), data)
    member = get_or_404(tx.session, Member, member_id, MEMBER)
    reason = future_date_problem(values["date"], today)
    if reason:
        raise InvalidInput(reason, {"date": [reason]})
    engagement = Engagement(member_id=member.id, recorded_by=actor, **values)
    tx.session.add(engagement)
    tx.session.flush()
    return EngagementOut().dump(engagement)


def list_engagements(session, member_id, filters=None, page=1, page_size=20):
    return member_rows(session, Engagement, member_id, filters, page, page_size, EngagementOut().dump,
                       Engagement.date.desc(), Engagement.id.desc())


def add_social_role(tx, member_id, data, actor=None):
    values = load(SocialRoleIn(), data)
    member = get_or_404(tx.session, Member, member_id, MEMBER)
    role = SocialRole(member_id=member.id, recorded_by=actor, **values)
    tx.session.add(role)
    tx.session.flush()
    return SocialRoleOut().dump(role)


def list_social_roles(session, member_id, filters=None, page=1, page_size=20):
    return member_rows(session, SocialRole, member_id, filters, page, page_size, SocialRoleOut().dump,
                       SocialRole.starts_on.desc(), SocialRole.id.desc())

"""Welfare's copy of the member facts, kept by the shared rule (wuji_infra.member_facts)."""
import sqlalchemy as sa

from welfare.models import MemberFact
from wuji_infra import member_facts
from wuji_infra.member_facts import DECEASED, apply_facts, apply_status, apply_withdrawal

# the facts welfare keeps beside branch_id, name and status
FACT_FIELDS = ("birth_date", "hardship", "lives_alone", "children_away", "mobility_limited")


def record_member_facts(tx, data, occurred_at):
    """On member_registered / member_updated: True when the event was applied
    (an older one changes nothing; a member known dead stays dead)."""
    return apply_facts(tx.session, MemberFact, data, occurred_at, FACT_FIELDS) is not None


def record_death(tx, member_id, occurred_at):
    """On member_deceased: the copy says so, whenever the death arrives."""
    apply_status(tx.session, MemberFact, member_id, DECEASED, occurred_at)


def record_withdrawal(tx, member_id, occurred_at):
    """On member_withdrawn: the copy holds the member withdrawn (entered in error), for good."""
    apply_withdrawal(tx.session, MemberFact, member_id, occurred_at)


def is_deceased(session, member_id):
    return session.scalar(sa.select(MemberFact.status).where(MemberFact.member_id == member_id)) == DECEASED


def is_withdrawn(session, member_id):
    return member_facts.is_withdrawn(session, MemberFact, member_id)


# a member welfare counts: not withdrawn as entered in error (also one it has not heard of)
NOT_WITHDRAWN = sa.or_(MemberFact.status.is_(None), MemberFact.status != member_facts.WITHDRAWN)


# -- a record's branch through its member (the copy's branch_id) ----------------

def branch_of(session, member_id):
    """The member's branch in the copy; None for a member welfare has not heard of,
    who is then in no secretary's branches."""
    return member_facts.branch_of(session, MemberFact, member_id)


def members_in_scope(access, member_column):
    """A WHERE clause keeping the rows whose member (``member_column``) is of the
    caller's branches; None when the caller sees every branch (add nothing)."""
    return member_facts.members_clause(access, MemberFact, member_column)

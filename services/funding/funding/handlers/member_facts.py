"""Funding's copy of the roster facts (member_facts), kept by the one rule of
``wuji_infra.member_facts``; funding adds ``left_on``, the day a member died or
left the system (no dues fall due after that month).

The copy also says which branch a member is in: a secretary sees the records
of the members of their branches only (``scoped_to_members``, ``branch_of``)."""

import sqlalchemy as sa

from funding.domain import dues
from funding.models import MemberFact
from wuji_infra import member_facts
from wuji_infra.member_facts import WITHDRAWN, apply_facts, apply_status, apply_withdrawal
from wuji_infra.types import office_date

# what funding keeps of member_registered / member_updated besides branch, name and status
KEPT = ("birth_date", "hardship", "pension_monthly")


def record_member_facts(tx, data, occurred_at, registered=False):
    """member_registered / member_updated: keep funding's copy of the facts; a late older event changes nothing.

    The day the member came on the roster is the day of the first event funding
    hears of them, and member_registered's own day when it comes (also late,
    after an update that overtook it).
    """
    fact = apply_facts(tx.session, MemberFact, data, occurred_at, KEPT, registered=registered)
    if fact is not None:
        fact.left_on = dues.leaving_day(fact.status, None, fact.left_on, office_date(occurred_at))
        tx.session.flush()


def record_member_status(tx, member_id, status, occurred_at, left_on=None):
    """member_deceased / member_transferred: the status funding keeps (dues are fixed for
    active members only) and, for a death or a move out of the system, the day it happened."""
    fact = apply_status(tx.session, MemberFact, member_id, status, occurred_at)
    if fact is not None:
        fact.left_on = dues.leaving_day(status, left_on, fact.left_on, office_date(occurred_at))
    else:
        # newer facts are kept, but a death's or departure's own date still counts
        # (members sends member_updated in the same moment as member_deceased)
        fact = tx.session.get(MemberFact, member_id)
        if fact is not None and left_on is not None and fact.status == status:
            fact.left_on = left_on
    tx.session.flush()


def record_withdrawal(tx, member_id, occurred_at):
    """member_withdrawn: the member is withdrawn (entered in error) for good: no dues, no arrears,
    no subsidy check. What was booked for them stays in the ledger."""
    apply_withdrawal(tx.session, MemberFact, member_id, occurred_at)


def is_withdrawn(session, member_id):
    return member_facts.is_withdrawn(session, MemberFact, member_id)


# the members withdrawn as entered in error, by this copy (a select of their ids)
WITHDRAWN_MEMBERS = sa.select(MemberFact.member_id).where(MemberFact.status == WITHDRAWN)


def scoped_to_members(query, access, member_id_column):
    """``query`` keeping the rows whose member (``member_id_column``) is in ``access``'s
    branches by this copy; unchanged for a caller who sees every branch. A member funding
    has not heard of is in no branch: only such callers see their rows."""
    clause = member_facts.members_clause(access, MemberFact, member_id_column)
    return query if clause is None else query.where(clause)


def branch_of(session, member_id):
    """The member's branch by this copy (None: a member funding has not heard of)."""
    return member_facts.branch_of(session, MemberFact, member_id)

"""Activities' copy of the roster, from members' events, the checks on who takes part, and the
branches of the members a record names (the caller's scope of a record without a branch of its own)."""
import sqlalchemy as sa

from activities.domain.member_facts import MemberFacts, participant_problems, specialties_of
from activities.models import MemberFact, MemberSpecialty
from wuji_infra.errors import InvalidInput
from wuji_infra import member_facts
from wuji_infra.member_facts import WITHDRAWN, apply_facts, apply_status, apply_withdrawal

# a member activities counts: not withdrawn as entered in error (also one it has not heard of,
# in an outer join)
NOT_WITHDRAWN = sa.or_(MemberFact.status.is_(None), MemberFact.status != WITHDRAWN)

KEPT = ("mobility_limited", "specialties")


def apply_member_facts(tx, data, occurred_at, registered=False):
    """member_registered / member_updated: the facts, unless newer ones are kept; the specialties with them."""
    fact = apply_facts(tx.session, MemberFact, dict(data, specialties=specialties_of(data.get("specialties"))),
                       occurred_at, KEPT, registered=registered)
    if fact is None:
        return
    tx.session.execute(sa.delete(MemberSpecialty).where(MemberSpecialty.member_id == fact.member_id))
    if fact.specialties:
        tx.session.execute(sa.insert(MemberSpecialty), [
            {"member_id": fact.member_id, "specialty": specialty} for specialty in fact.specialties])


def apply_member_status(tx, member_id, status, occurred_at):
    """member_deceased / member_transferred: the member's new status (a member not yet known is skipped)."""
    apply_status(tx.session, MemberFact, member_id, status, occurred_at)


def apply_member_withdrawal(tx, member_id, occurred_at):
    """member_withdrawn: the member is withdrawn (entered in error) for good: out of the
    attendance expected, the contact coverage, the absences, the experts and the figures."""
    apply_withdrawal(tx.session, MemberFact, member_id, occurred_at)


def facts_of(fact):
    """The domain's MemberFacts of a stored row."""
    return MemberFacts(
        member_id=fact.member_id, branch_id=fact.branch_id, status=fact.status,
        registered_on=fact.registered_on, name=fact.name, mobility_limited=fact.mobility_limited,
    )


def known_facts(session, member_ids):
    """``{member_id: MemberFacts}`` of those of ``member_ids`` activities knows."""
    if not member_ids:
        return {}
    rows = session.scalars(sa.select(MemberFact).where(MemberFact.member_id.in_(member_ids)))
    return {fact.member_id: facts_of(fact) for fact in rows}


def refuse_participants(session, branch_id, member_ids, field):
    """InvalidInput naming ``field`` unless every id is an active member of the branch."""
    problems = participant_problems(branch_id, member_ids, known_facts(session, member_ids))
    if problems:
        reasons = [problems[member_id] for member_id in member_ids if member_id in problems]
        raise InvalidInput("参加者须为本支部在册党员 (participants must be active members of the branch)",
                           {field: reasons})


def first_member_on(session, branch_ids):
    """The day the first member of the branches counts from, or None."""
    return session.scalar(sa.select(sa.func.min(MemberFact.registered_on))
                          .where(MemberFact.branch_id.in_(branch_ids), NOT_WITHDRAWN))


def member_clause(access, column):
    """A WHERE clause keeping the rows whose member (``column``) is of the caller's branches in
    activities' copy of the roster; None when the caller sees every branch."""
    return member_facts.members_clause(access, MemberFact, column)


def check_members_writable(session, access, member_ids):
    """Forbidden when a write names a member of a branch outside the caller's. A member activities
    does not know is left to the rules (InvalidInput: no such member)."""
    if access.scoped and member_ids:
        for fact in known_facts(session, member_ids).values():
            access.check_write(fact.branch_id)

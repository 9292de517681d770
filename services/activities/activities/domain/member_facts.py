"""Who counts: activities' copy of the roster, and who may take part.

Who is expected: the active members of a branch on a day. A member counts
from the day activities first heard of them (``registered_on``); deceased
and transferred-out members count no more.
"""
import dataclasses
import datetime as dt

SPECIALTY_LENGTH = 50


@dataclasses.dataclass(frozen=True)
class MemberFacts:
    member_id: int
    branch_id: int
    status: str
    registered_on: dt.date
    name: str = ""
    mobility_limited: bool = False


def is_expected(member, day):
    """Whether ``member`` belongs to the expected members of its branch on ``day``."""
    return member.status == "active" and member.registered_on <= day


def specialties_of(raw):
    """A member's specialties as kept: trimmed, none blank, each once, sorted."""
    return sorted({s.strip()[:SPECIALTY_LENGTH] for s in raw or [] if s.strip()})


def participant_problems(branch_id, member_ids, known):
    """Why each participant may not take part: ``{member_id: reason}``.

    ``known`` maps member id -> MemberFacts. A participant must be an active
    member of ``branch_id``.
    """
    problems = {}
    for member_id in member_ids:
        member = known.get(member_id)
        if member is None:
            problems[member_id] = f"党员 {member_id} 不存在 (no such member)"
        elif member.branch_id != branch_id:
            problems[member_id] = f"党员 {member_id} 不属于该支部 (not a member of branch {branch_id})"
        elif member.status != "active":
            problems[member_id] = f"党员 {member_id} 不是在册党员 (status {member.status})"
    return problems


def active_member_problem(member_id, member):
    """Why ``member_id`` (``member``: its MemberFacts, or None) is not an active
    member of any branch, or None."""
    if member is None or member.status != "active":
        return f"党员 {member_id} 不是在册党员 (not an active member)"
    return None

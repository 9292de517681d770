"""City-construction review meetings (论证会/研讨会) where retired experts give advice."""
from activities.domain.member_facts import active_member_problem

REVIEW_MEETING_KINDS = ("lunzheng", "yantao")
REVIEW_MEETING_LABELS = {"lunzheng": "论证会", "yantao": "研讨会"}

EXPERTS_ONLY = "参加者须为在册党员 (participants must be active members)"


def expert_problems(member_ids, known):
    """Why each expert may not take part (any branch, but active), in order; ``known``: id -> MemberFacts."""
    problems = (active_member_problem(member_id, known.get(member_id)) for member_id in member_ids)
    return [problem for problem in problems if problem]

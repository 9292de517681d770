"""Visitors and pairings (一帮一): who may help whom, and what a pairing allows."""

# who visits: office staff, a branch committee member, a willing member
VISITOR_ROLES = ("staff", "committee", "member")
VISITOR_ROLE_LABELS = {"staff": "工作人员", "committee": "支部班子成员", "member": "党员"}

# why a member is paired with a helper
PAIRING_REASONS = ("serious_illness", "lives_alone", "children_away", "hardship", "lonely")
PAIRING_REASON_LABELS = {"serious_illness": "重病", "lives_alone": "独居", "children_away": "子女不在身边",
                         "hardship": "生活困难", "lonely": "孤独"}
# how a pairing's talk was held
TALK_WAYS = ("in_person", "phone", "video")
TALK_WAY_LABELS = {"in_person": "当面", "phone": "电话", "video": "视频"}

DECEASED_END_REASON = "党员已逝世 (the member has died)"
WITHDRAWN_END_REASON = "登记有误，已撤销"  # the member was withdrawn as entered in error

# why a member is in need, as members_without_pairing names it, in this order
NEEDS = ("serious_illness", "lives_alone", "children_away", "hardship")


def choose_helper(candidates, member_id, branch_id):
    """The helper for a new pairing: a willing helper, not the member, of the
    member's branch if there is one, with the fewest active pairings.

    ``candidates`` are (visitor_id, visitor_member_id, visitor_branch_id,
    active_pairings). Returns a visitor id or None.
    """
    eligible = [c for c in candidates if c[1] != member_id]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (c[2] != branch_id, c[3], c[0]))[0]


def visitor_problem(already_a_visitor):
    """Why a visitor cannot be added, or None: a member is registered as a visitor once."""
    if already_a_visitor:
        return "该党员已登记为走访人 (this member is already a visitor)"
    return None


def helper_problem(helper_active, helper_member_id, member_id):
    """Why a helper cannot be paired with ``member_id`` by hand, or None.

    ``helper_active``: None when there is no such visitor.
    """
    if not helper_active:
        return "帮扶人不存在或已停用 (no such active helper)"
    if helper_member_id == member_id:
        return "帮扶人不能是本人 (a member cannot help himself)"
    return None


def pairing_problem(member_has_active_pairing):
    """Why a member cannot be paired, or None: one active pairing per member."""
    if member_has_active_pairing:
        return "该党员已有结对帮扶 (the member already has an active pairing)"
    return None


def ended_problem(active_member_id):
    """Why a pairing can no longer be worked on (ended again, a talk logged), or None."""
    if active_member_id is None:
        return "该结对已结束 (the pairing has ended)"
    return None


def needs_of(flags):
    """The needs a member has, from {need: bool}, in the order of NEEDS."""
    return [need for need in NEEDS if flags[need]]

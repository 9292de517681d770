"""Withdrawal (撤销误录): a member or a branch entered in error is withdrawn with a reason.

A withdrawn record is kept (its history stays readable, with who withdrew it, when and
why) and leaves every list and figure; nothing is written to it any more. Its ID number
(a member) or name (a branch) no longer blocks entering it again correctly. A branch is
withdrawn only once none of its members stands.
"""
REASON_MIN, REASON_MAX = 2, 500
# a member's history entry of the withdrawal (its field: ``withdrawn``) has this reason
HISTORY_REASON = "withdrawal"
# what consumers note on what they close for a withdrawn member (a visit task cancelled ...)
WITHDRAWN_NOTE = "登记有误，已撤销"


def reason_problem(reason):
    """Why ``reason`` (stripped) cannot be a withdrawal's reason, or None: 2 to 500 characters."""
    if not isinstance(reason, str) or not REASON_MIN <= len(reason.strip()) <= REASON_MAX:
        return f"撤销原因应为{REASON_MIN}到{REASON_MAX}个字 (the reason is {REASON_MIN} to {REASON_MAX} characters)"
    return None


def already_withdrawn_problem(what, key, withdrawn_at):
    """Why record ``key`` (``what``: ("党员", "member")) cannot be withdrawn again, or None."""
    if withdrawn_at is None:
        return None
    chinese, english = what
    return f"{chinese} {key} 已于 {withdrawn_at:%Y-%m-%d %H:%M} 撤销 (the {english} is already withdrawn)"


def withdrawn_write_problem(what, key, withdrawn_at):
    """Why record ``key`` cannot be changed, or None: a withdrawn record takes no more writes."""
    if withdrawn_at is None:
        return None
    chinese, english = what
    return f"{chinese} {key} 已撤销（登记有误），不能再办理 (the {english} was withdrawn: entered in error)"


def branch_withdrawal_problem(branch_id, standing_members):
    """Why branch ``branch_id`` cannot be withdrawn while ``standing_members`` of its members
    are not withdrawn, or None."""
    if not standing_members:
        return None
    return (f"党支部 {branch_id} 还有 {standing_members} 名党员未撤销，不能撤销"
            f" ({standing_members} members not withdrawn remain in the branch)")


def withdrawn_out(withdrawn_at, reason, by):
    """The ``withdrawn`` of a record's answer: ``{"at", "reason", "by"}``, or None while it stands."""
    if withdrawn_at is None:
        return None
    return {"at": withdrawn_at, "reason": reason, "by": by}

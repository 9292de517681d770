"""Separation of duties for money (a policy the admin switches on): one person does
not both enter money and approve it. While it is on, only an approver approves or
rejects a subsidy or reverses a budget entry or an expense, and never one they
booked themselves; while it is off, the office's staff and admins do it all."""
from wuji_infra.access import APPROVER

ONLY_APPROVER = ("经费政策实行职责分离：只有审批人可以审批补助、冲销预算或支出"
                 " (separation of duties: only an approver may review subsidies or reverse money)")
NOT_YOUR_OWN = ("经费政策实行职责分离：不能冲销本人录入的预算或支出"
                " (separation of duties: you may not reverse money you booked yourself)")


def duty_problem(separated, role, user, booked_by=None):
    """Why the caller (``role``, ``user``) may not review or reverse money under the policy
    (``separated``: separation of duties is on), or None. ``booked_by``: who booked the
    budget entry or expense being reversed (None: an event booked it, or nothing is reversed)."""
    if not separated:
        return None
    if role != APPROVER:
        return ONLY_APPROVER
    if booked_by is not None and booked_by == user:
        return NOT_YOUR_OWN
    return None

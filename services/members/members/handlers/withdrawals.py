"""Withdrawal of a member or a branch entered in error (撤销误录): kept in history, gone from
every list and figure (the rules: domain/withdrawals.py)."""
import sqlalchemy as sa

from members.domain.withdrawals import HISTORY_REASON, already_withdrawn_problem, branch_withdrawal_problem
from members.handlers.committees import BRANCH, branch_now
from members.handlers.roster import MEMBER, STANDING, history_snapshot, member_facts, record_changes
from members.models import Branch, Member
from members.schemas import MemberOut, WithdrawalIn
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import Conflict
from wuji_infra.validation import load


def _withdraw(record, what, reason, actor, now):
    """Mark ``record`` withdrawn by ``actor`` at ``now`` for ``reason``; Conflict when it was already."""
    problem = already_withdrawn_problem(what, record.id, record.withdrawn_at)
    if problem:
        raise Conflict(problem, {"withdrawn": [problem]})
    record.withdrawn_at, record.withdrawn_reason, record.withdrawn_by = now, reason, actor


def withdraw_member(tx, member_id, data, actor=None, *, now, access=SYSTEM):
    """Withdraw a member entered in error, with the reason: one entry in their history, and
    member_withdrawn (with member_updated: their facts now say ``withdrawn``) for the services
    that keep a copy of the roster."""
    member = get_or_404(tx.session, Member, member_id, MEMBER, lock=True)
    access.check_write(member.branch_id)
    values = load(WithdrawalIn(), data)
    snapshot = history_snapshot(member)
    _withdraw(member, MEMBER, values["reason"], actor, now)
    tx.session.flush()
    record_changes(tx.session, member.id, snapshot, history_snapshot(member), actor, HISTORY_REASON)
    tx.emit("member_updated", member_facts(member))
    tx.emit("member_withdrawn", {"member_id": member.id, "branch_id": member.branch_id, "withdrawn_at": now})
    return MemberOut().dump(member)


def withdraw_branch(tx, branch_id, data, actor=None, *, today, now, access=SYSTEM):
    """Withdraw a branch entered in error, with the reason, once none of its members stands
    (Conflict naming how many do)."""
    branch = get_or_404(tx.session, Branch, branch_id, BRANCH, lock=True)
    access.check_write(branch.id)
    values = load(WithdrawalIn(), data)
    standing = tx.session.scalar(sa.select(sa.func.count()).select_from(Member)
                                 .where(Member.branch_id == branch.id, STANDING))
    problem = already_withdrawn_problem(BRANCH, branch.id, branch.withdrawn_at) or \
        branch_withdrawal_problem(branch.id, standing)
    if problem:
        raise Conflict(problem, {"withdrawn": [problem]})
    _withdraw(branch, BRANCH, values["reason"], actor, now)
    tx.session.flush()
    return branch_now(tx.session, branch, today)

"""Subsidy checks: decided when a member is hospitalized or falls seriously ill,
then approved (and booked as a hardship_subsidy expense) or rejected by staff."""
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa

from funding.domain import ledger, subsidy
from funding.handlers.ledger import book, not_enough_funds
from funding.handlers.member_facts import branch_of, is_withdrawn, scoped_to_members
from funding.handlers.policy import check_duties, subsidy_policy_in_force
from funding.models import SubsidyCheck
from funding.schemas import RejectionIn, SubsidyCheckFilters, SubsidyCheckOut, whole_id
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.errors import Conflict
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

CHECK = ("补助核查", "subsidy check")


def check_subsidy(tx, cause, data, source_event_id, *, settings):
    """Decide and record the subsidy for a hospitalization or a serious illness, once per member, cause and day.

    ``data`` is the health event's data (dates parsed). A second event of the
    same cause (same member, same date) finds the first check and changes
    nothing. Two such events at once collide on ``cause_key``; the loser's
    handler is retried and then finds the winner's check. The subsidy policy
    is the one in force now (the funding policy's, or ``settings`` while no
    version set it); the check keeps its version. What the member got or waits
    to get this year counts against the policy's yearly cap.
    """
    if is_withdrawn(tx.session, data["member_id"]):  # recorded before the withdrawal, arrived after it
        log.info("member %s was withdrawn: no subsidy check for event %s", data["member_id"], source_event_id)
        return None
    cause_key = subsidy.subsidy_cause_key(cause, data["member_id"], data["date"])
    existing = tx.session.scalar(sa.select(SubsidyCheck).where(SubsidyCheck.cause_key == cause_key))
    if existing is not None:
        log.info("subsidy check %s already made for %s; event %s changes nothing",
                 existing.id, cause_key, source_event_id)
        return SubsidyCheckOut().dump(existing)

    in_force, version = subsidy_policy_in_force(tx.session, settings)
    decision = subsidy.decide_subsidy(
        in_force, cause, birth_date=data["birth_date"], hardship=data["hardship"], on=data["date"],
        received=_subsidy_this_year(tx.session, data["member_id"], data["date"].year),
    )
    check = SubsidyCheck(
        member_id=data["member_id"], cause=cause, cause_key=cause_key,
        eligible=decision.eligible, amount=decision.amount, reason=decision.reason,
        event_date=data["date"], source_event_id=source_event_id,
        status=subsidy.status_of_decision(decision), policy_version=version,
    )
    tx.session.add(check)
    tx.session.flush()
    tx.emit("subsidy_checked", {
        "check_id": check.id, "member_id": check.member_id, "cause": check.cause,
        "eligible": check.eligible, "amount": check.amount, "source_event_id": source_event_id,
        "status": check.status,
    })
    return SubsidyCheckOut().dump(check)


def close_checks_of_withdrawn(tx, member_id, *, now):
    """member_withdrawn: the member's checks pending approval are closed by the system without
    booking anything (the note: "登记有误，已撤销"); approved ones stay booked. Answers their ids."""
    checks = tx.session.scalars(sa.select(SubsidyCheck).where(
        SubsidyCheck.member_id == member_id, SubsidyCheck.status == subsidy.PENDING_APPROVAL).with_for_update()).all()
    for check in checks:
        check.status, check.review_note = subsidy.CLOSED, subsidy.WITHDRAWN_NOTE
        check.reviewed_by, check.reviewed_at = "system", now
        announce_review(tx, check)
    tx.session.flush()
    return [check.id for check in checks]


def announce_review(tx, check):
    """subsidy_reviewed: a check pending approval is no longer waiting."""
    tx.emit("subsidy_reviewed", {"check_id": check.id, "member_id": check.member_id, "status": check.status})


def _subsidy_this_year(session, member_id, year):
    """Subsidy granted to the member in ``year``, or waiting for approval."""
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SubsidyCheck.amount), 0))
        .where(SubsidyCheck.member_id == member_id,
               SubsidyCheck.status.in_(subsidy.COUNTS_AGAINST_CAP),
               SubsidyCheck.event_date >= dt.date(year, 1, 1),
               SubsidyCheck.event_date <= dt.date(year, 12, 31))
    )
    return Decimal(total).quantize(ledger.CENTS)


def _check_to_review(tx, check_id):
    """The check, locked, when it may still be approved or rejected."""
    whole_id(check_id, "check_id")
    check = get_or_404(tx.session, SubsidyCheck, check_id, CHECK, lock=True)
    problem = subsidy.review_problem(check_id, check.status)
    if problem:
        raise Conflict(*problem)
    return check


def approve_subsidy(tx, check_id, actor=None, *, today, now, access=SYSTEM):
    """Approve a pending check: its amount is booked as a hardship_subsidy expense.

    The check row is locked, so of two approvals at once the second finds it
    approved (409). When the sources cannot cover it, 409 with their
    balances, and the check stays pending. Under separation of duties only an
    approver approves (403).
    """
    check_duties(tx.session, access)
    check = _check_to_review(tx, check_id)
    try:
        expense = book(
            tx, year=check.event_date.year, category="hardship_subsidy", amount=check.amount,
            description=f"困难党员补助（{subsidy.SUBSIDY_CAUSES[check.cause]}，补助核查 {check.id}）",
            expense_date=subsidy.approval_expense_date(check.event_date, today), now=now,
            member_id=check.member_id, reference=f"subsidy:{check.id}", actor=actor, refusal_aborts=True,
        )
    except ledger.NotEnoughFunds as exc:
        raise not_enough_funds(exc) from None
    check.status = subsidy.APPROVED
    check.reviewed_by = actor
    check.reviewed_at = now
    check.expense_id = expense["id"]
    tx.session.flush()
    announce_review(tx, check)
    return SubsidyCheckOut().dump(check)


def reject_subsidy(tx, check_id, data, actor=None, *, now, access=SYSTEM):
    """Reject a pending check with a reason a person can read; its decision and reason stay.
    Under separation of duties only an approver rejects (403)."""
    check_duties(tx.session, access)
    chosen = load(RejectionIn(), data)
    check = _check_to_review(tx, check_id)
    check.status = subsidy.REJECTED
    check.review_note = chosen["reason"]
    check.reviewed_by = actor
    check.reviewed_at = now
    tx.session.flush()
    announce_review(tx, check)
    return SubsidyCheckOut().dump(check)


def get_subsidy_check(session, check_id, *, access=SYSTEM):
    """One check; one of a member outside the caller's branches is not found."""
    whole_id(check_id, "check_id")
    check = get_or_404(session, SubsidyCheck, check_id, CHECK)
    access.check_read(branch_of(session, check.member_id), CHECK, check_id)
    return SubsidyCheckOut().dump(check)


def list_subsidy_checks(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Newest first; only of the members of the caller's branches."""
    chosen = load(SubsidyCheckFilters(), filters or {})
    query = scoped_to_members(sa.select(SubsidyCheck).order_by(SubsidyCheck.id.desc()), access, SubsidyCheck.member_id)
    if "member_id" in chosen:
        query = query.where(SubsidyCheck.member_id == chosen["member_id"])
    if "status" in chosen:
        query = query.where(SubsidyCheck.status == chosen["status"])
    return page_of(session, query, SubsidyCheckOut().dump, page, page_size)

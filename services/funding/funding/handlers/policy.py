"""The funding policy: allocation, dues rebate, subsidy; a new version each time it is set.

The newest version is in force; while none was set, the default (version 0).
The subsidy's minimum age, amount and yearly cap come from the settings
(SUBSIDY_MIN_AGE, SUBSIDY_AMOUNT, SUBSIDY_YEARLY_CAP: ``settings``, a
subsidy.SubsidyPolicy the service reads at start) until a version sets them.
"""
import dataclasses
import logging

import sqlalchemy as sa

from funding.domain import duties, ledger, policy, subsidy
from funding.models import FundingPolicy
from funding.schemas import PolicyHistoryFilters, PolicyIn, PolicyOut
from wuji_infra.errors import Forbidden, InvalidInput
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

_NEWEST_POLICY = sa.select(FundingPolicy).order_by(FundingPolicy.id.desc()).limit(1)


def _current_policy_row(session):
    return session.scalar(_NEWEST_POLICY)


def _subsidy_of(row, settings):
    """The subsidy policy of a version: its own, or the settings when it set none."""
    if row is None or row.subsidy_min_age is None:
        return settings
    return subsidy.SubsidyPolicy(min_age=row.subsidy_min_age, amount=row.subsidy_amount,
                                 yearly_cap=row.subsidy_yearly_cap)


_POLICY_OUT = PolicyOut()
_VERSION_FIELDS = ("id", "allocation", "dues_rebate_ratio", "separation_of_duties", "note", "created_by", "created_at")
_DEFAULT_VERSION = {"id": 0, "allocation": policy.DEFAULT_ALLOCATION, "dues_rebate_ratio": policy.DEFAULT_DUES_REBATE_RATIO,
                    "separation_of_duties": False, "note": "默认政策 (the default policy)", "created_by": None,
                    "created_at": None}


def _policy_out(row, settings):
    """A version (None: the default) as PolicyOut answers it, with the subsidy policy it uses."""
    version = _DEFAULT_VERSION if row is None else {name: getattr(row, name) for name in _VERSION_FIELDS}
    in_use = _subsidy_of(row, settings)
    return _POLICY_OUT.dump({
        **version, "subsidy_min_age": in_use.min_age, "subsidy_amount": in_use.amount,
        "subsidy_yearly_cap": in_use.yearly_cap, "subsidy_from_settings": row is None or row.subsidy_min_age is None,
    })


def current_rebate_ratio(session):
    row = _current_policy_row(session)
    return row.dues_rebate_ratio if row is not None else policy.DEFAULT_DUES_REBATE_RATIO


def subsidy_policy_in_force(session, settings):
    """(the subsidy policy in force, the version it belongs to: 0 for the default)."""
    row = _current_policy_row(session)
    return _subsidy_of(row, settings), (row.id if row is not None else 0)


def current_allocation(session):
    row = _current_policy_row(session)
    return row.allocation if row is not None else policy.DEFAULT_ALLOCATION


def check_duties(session, access, booked_by=None):
    """Forbidden when the policy in force separates duties and ``access`` may not review or
    reverse this money (domain.duties); ``booked_by``: who booked what is reversed."""
    row = _current_policy_row(session)
    separated = row is not None and row.separation_of_duties
    problem = duties.duty_problem(separated, access.role, access.user, booked_by)
    if problem:
        raise Forbidden(problem)


def get_policy(session, *, settings):
    """The policy in force: the newest version, or the default while none was set (version 0)."""
    row = _current_policy_row(session)
    return _policy_out(row, settings)


def set_policy(tx, data, actor=None, *, settings):
    """A new version of the policy; the old ones stay as its history.

    What the body omits is taken from the version in force: the rebate ratio,
    separation of duties, and the subsidy policy (while no version set the
    subsidy, it stays with the settings). Setting one of the three subsidy
    fields sets all three, the others as they are in force.
    """
    chosen = load(PolicyIn(), data)
    in_force = _current_policy_row(tx.session)
    problems = policy.allocation_problems(chosen["allocation"])
    ratio = chosen.get("dues_rebate_ratio", current_rebate_ratio(tx.session))
    problem = policy.rebate_ratio_problem(ratio)
    if problem:
        problems["dues_rebate_ratio"] = [problem]
    given = {policy.SUBSIDY_FIELDS[field]: chosen[field] for field in policy.SUBSIDY_FIELDS if field in chosen}
    if given:
        own = dataclasses.replace(_subsidy_of(in_force, settings), **given)
        problems.update(subsidy.subsidy_policy_problems(own))
        own_subsidy = (own.min_age, own.amount, own.yearly_cap)
    elif in_force is not None:
        own_subsidy = (in_force.subsidy_min_age, in_force.subsidy_amount, in_force.subsidy_yearly_cap)
    else:
        own_subsidy = (None, None, None)
    if problems:
        raise InvalidInput("经费政策有误 (invalid funding policy)", problems)
    separated = chosen.get("separation_of_duties", in_force is not None and in_force.separation_of_duties)
    allocation = {category: list(chosen["allocation"][category]) for category in ledger.CATEGORIES}
    row = FundingPolicy(allocation=allocation, dues_rebate_ratio=ratio, separation_of_duties=separated,
                        note=chosen["note"], created_by=actor,
                        subsidy_min_age=own_subsidy[0], subsidy_amount=own_subsidy[1], subsidy_yearly_cap=own_subsidy[2])
    tx.session.add(row)
    tx.session.flush()
    log.info("funding policy version %s set by %s", row.id, actor)
    return _policy_out(row, settings)


def list_policy_history(session, filters=None, page=1, page_size=20, *, settings):
    """Every version set, newest first (the default, version 0, is not listed)."""
    load(PolicyHistoryFilters(), filters or {})
    return page_of(session, sa.select(FundingPolicy).order_by(FundingPolicy.id.desc()),
                   lambda row: _policy_out(row, settings), page, page_size)

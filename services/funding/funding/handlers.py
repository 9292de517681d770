"""What the funding service does, as plain functions of a transaction and input.

Each takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and raw
JSON-ready input, and returns JSON-ready output. service.py only routes.
"""
import logging

import sqlalchemy as sa

from funding import domain
from funding.models import SubsidyCheck
from funding.schemas import SubsidyCheckFilters, SubsidyCheckOut
from wuji_infra.errors import InvalidInput, NotFound
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)


# -- subsidy checks -------------------------------------------------------------

def check_subsidy_on_hospitalization(tx, data, source_event_id, policy):
    """Decide and record the subsidy for a hospitalization, once per member and day.

    ``data`` is member_hospitalized's data (dates parsed). A second event of
    the same hospitalization (same member, same date) finds the first check
    and changes nothing. Two such events at once collide on ``cause_key``;
    the loser's handler is retried and then finds the winner's check.
    """
    cause = "hospitalized"
    cause_key = domain.subsidy_cause_key(cause, data["member_id"], data["date"])
    existing = tx.session.scalar(sa.select(SubsidyCheck).where(SubsidyCheck.cause_key == cause_key))
    if existing is not None:
        log.info("subsidy check %s already made for %s; event %s changes nothing",
                 existing.id, cause_key, source_event_id)
        return SubsidyCheckOut().dump(existing)

    decision = domain.decide_subsidy(
        policy, cause, birth_date=data["birth_date"], hardship=data["hardship"], on=data["date"],
    )
    check = SubsidyCheck(
        member_id=data["member_id"], cause=cause, cause_key=cause_key,
        eligible=decision.eligible, amount=decision.amount, reason=decision.reason,
        event_date=data["date"], source_event_id=source_event_id,
        status=domain.status_of_decision(decision),
    )
    tx.session.add(check)
    tx.session.flush()
    tx.emit("subsidy_checked", {
        "check_id": check.id, "member_id": check.member_id, "cause": check.cause,
        "eligible": check.eligible, "amount": check.amount, "source_event_id": source_event_id,
    })
    return SubsidyCheckOut().dump(check)


def get_subsidy_check(session, check_id):
    if isinstance(check_id, bool) or not isinstance(check_id, int):
        raise InvalidInput("编号应为整数 (check_id must be a whole number)",
                           {"check_id": ["应为整数 (must be a whole number)"]})
    check = session.get(SubsidyCheck, check_id)
    if check is None:
        raise NotFound(f"补助核查 {check_id} 不存在 (no such subsidy check)")
    return SubsidyCheckOut().dump(check)


def list_subsidy_checks(session, filters=None, page=1, page_size=20):
    """Newest first."""
    chosen = load(SubsidyCheckFilters(), filters or {})
    query = sa.select(SubsidyCheck).order_by(SubsidyCheck.id.desc())
    if "member_id" in chosen:
        query = query.where(SubsidyCheck.member_id == chosen["member_id"])
    return page_of(session, query, SubsidyCheckOut().dump, page, page_size)

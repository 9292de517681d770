"""A service's own copy of the roster (``member_facts``), kept by one rule.

Activities, welfare and funding each keep the few facts of every member that
their rules need, from members' events; none reads the members database.
What they keep differs, how they keep it does not:

- the copy holds the facts of the newest event applied (``as_of``, the
  event's ``occurred_at``); an event that is not newer than the copy changes
  nothing, so a late or redelivered older event never undoes a newer one;
- death is final: once a member is known dead, no later event brings them
  back (a late update cannot revive a task or a dues rate);
- a withdrawal (撤销误录: the member was entered in error) is more final still:
  a withdrawn member stays withdrawn whatever comes after, a death included,
  and a withdrawal applies over a death (members sends ``status``
  ``withdrawn`` in the member's facts from then on, and ``member_withdrawn``);
- ``registered_on``, where a service keeps it, is the day the member counts
  from: the ``counts_from`` members sends (入册日期, given at go-live for
  members who were in the branch long before the system, and correctable);
  from an older producer without it, the office's day the service first heard
  of the member, or member_registered's own day when that comes later (an
  update that overtook it does not move the day).

Each service declares its table with ``MemberFactsColumns`` and its own
columns beside them, and calls ``apply_facts`` / ``apply_status`` from its
event handlers.
"""
import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuji_infra.types import UtcDateTime, office_date

log = logging.getLogger(__name__)

DECEASED = "deceased"
WITHDRAWN = "withdrawn"  # entered in error: in no list, figure or rule of any service


class MemberFactsColumns:
    """The columns every copy has (a declarative mixin)."""

    __tablename__ = "member_facts"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    branch_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(32), index=True)
    # the occurred_at of the newest event applied
    as_of: Mapped[dt.datetime] = mapped_column(UtcDateTime)


def is_newer(occurred_at, as_of):
    """Whether an event of ``occurred_at`` is newer than a copy ``as_of``."""
    return occurred_at > as_of


def apply_facts(session, model, data, occurred_at, names, registered=False):
    """member_registered / member_updated into the copy ``model``.

    ``names``: the fields of ``data`` the service keeps (``branch_id``, ``name``
    and ``status`` always). ``registered``: the event is member_registered.
    Returns the row when the event was applied, None when it was older.
    """
    values = {name: data[name] for name in {"branch_id", "name", "status", *names}}
    day = office_date(occurred_at)
    counts_from = data.get("counts_from")
    fact = session.get(model, data["member_id"], with_for_update=True)
    if fact is None:
        fact = model(member_id=data["member_id"], as_of=occurred_at, **values)
        if hasattr(model, "registered_on"):
            fact.registered_on = counts_from or day
        session.add(fact)
        session.flush()
        return fact
    if registered and hasattr(model, "registered_on") and counts_from is None:
        fact.registered_on = min(fact.registered_on or day, day)
    if not is_newer(occurred_at, fact.as_of):
        log.info("member %s: facts of %s not newer than those of %s, ignored",
                 fact.member_id, occurred_at, fact.as_of)
        session.flush()
        return None
    if fact.status in (DECEASED, WITHDRAWN) and values["status"] != WITHDRAWN:
        values["status"] = fact.status
    for name, value in values.items():
        setattr(fact, name, value)
    if counts_from is not None and hasattr(model, "registered_on"):
        fact.registered_on = counts_from
    fact.as_of = occurred_at
    session.flush()
    return fact


def apply_status(session, model, member_id, status, occurred_at):
    """member_deceased / member_transferred: the member's new ``status`` in the copy.

    A death applies whenever it arrives; another status only when newer than
    the copy and never over a death. A member not yet known is skipped (their
    member_registered brings the status). Returns the row when applied, else None.
    """
    fact = session.get(model, member_id, with_for_update=True)
    if fact is None:
        log.info("member %s: status %s for an unknown member, skipped", member_id, status)
        return None
    if fact.status == WITHDRAWN or (
            status != DECEASED and (fact.status == DECEASED or not is_newer(occurred_at, fact.as_of))):
        log.info("member %s: status %s of %s not applied (kept %s of %s)",
                 member_id, status, occurred_at, fact.status, fact.as_of)
        return None
    fact.status = status
    fact.as_of = max(fact.as_of, occurred_at)
    session.flush()
    return fact


def apply_withdrawal(session, model, member_id, occurred_at):
    """member_withdrawn: the member is withdrawn in the copy, whenever the withdrawal arrives
    and over any status (a death included). A member not yet known is skipped: the
    member_updated sent with the withdrawal brings the status. Returns the row, or None."""
    fact = session.get(model, member_id, with_for_update=True)
    if fact is None:
        log.info("member %s: withdrawal of an unknown member, skipped", member_id)
        return None
    fact.status = WITHDRAWN
    fact.as_of = max(fact.as_of, occurred_at)
    session.flush()
    return fact


def is_withdrawn(session, model, member_id):
    """Whether the copy ``model`` holds the member as withdrawn (entered in error)."""
    return session.scalar(sa.select(model.status).where(model.member_id == member_id)) == WITHDRAWN


# -- a caller's branches, by the copy ---------------------------------------------------

def members_clause(access, facts, member_column):
    """A WHERE clause keeping the rows whose member (``member_column``) is in ``access``'s
    branches by the copy ``facts``; None when the caller sees every branch (add nothing).
    A member the service has not heard of is in no branch."""
    branches = access.branch_clause(facts.branch_id)
    if branches is None:
        return None
    return member_column.in_(sa.select(facts.member_id).where(branches))


def branch_of(session, facts, member_id):
    """The member's branch by the copy ``facts``; None for a member the service has not heard of."""
    return session.scalar(sa.select(facts.branch_id).where(facts.member_id == member_id))

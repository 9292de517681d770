"""Health events of members, and the record of who read them."""
import sqlalchemy as sa

from members.domain.health import (
    HEALTH_EVENT_TYPES, health_event_data, health_event_problem, status_after_health_event,
)
from members.handlers.roster import (
    history_snapshot, member_facts, member_rows, member_to_change, record_changes, refuse_future_date,
)
from members.models import HealthEvent, HealthRead
from members.schemas import HealthEventIn, HealthEventOut, HealthReadOut
from wuji_infra.access import SYSTEM
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.validation import as_id, load

# made once: building a schema is costly, and health events are the busiest write
_HEALTH_EVENT_IN = HealthEventIn()
_HEALTH_EVENT_OUT = HealthEventOut()


def record_health_event(tx, member_id, data, actor=None, request_id=None, *, today, access=SYSTEM):
    """Record a health event and dispatch its event, once per ``request_id``."""
    member = member_to_change(tx.session, member_id, access)
    values = load(_HEALTH_EVENT_IN, data)
    if not request_id:  # the key is what makes a retried request record the event once
        raise InvalidInput("缺少请求编号 (an idempotency key is required)", {"request_id": ["必填 (required)"]})
    existing = tx.session.scalar(sa.select(HealthEvent).where(HealthEvent.request_id == request_id))
    if existing is not None:
        if existing.member_id != member.id:
            raise Conflict("请求编号已用于其他党员 (request id already used)", {"request_id": ["reused"]})
        return _HEALTH_EVENT_OUT.dump(existing)

    reason = health_event_problem(member.status)
    if reason:
        raise Conflict(reason, {"kind": [reason]})
    refuse_future_date(values["date"], today)

    event = HealthEvent(member_id=member.id, request_id=request_id, recorded_by=actor, **values)
    tx.session.add(event)
    snapshot = history_snapshot(member)
    member.status = status_after_health_event(member.status, values["kind"])
    tx.session.flush()
    record_changes(tx.session, member.id, snapshot, history_snapshot(member), actor, "health_event")
    tx.emit(HEALTH_EVENT_TYPES[event.kind], health_event_data(member, event))
    if event.kind == "deceased":
        tx.emit("member_updated", member_facts(member))
    return _HEALTH_EVENT_OUT.dump(event)


def list_health_events(tx, member_id, filters=None, page=1, page_size=20, actor=None, *, access=SYSTEM):
    """A member's health events; the read itself is recorded (who read whose, how many)."""
    events = member_rows(tx.session, HealthEvent, member_id, filters, page, page_size, _HEALTH_EVENT_OUT.dump,
                         HealthEvent.date.desc(), HealthEvent.id.desc(), access=access)
    tx.session.add(HealthRead(member_id=as_id(member_id), read_by=actor, events_shown=len(events["items"])))
    return events


def list_health_reads(session, member_id, filters=None, page=1, page_size=20):
    """Who read a member's health events, newest first."""
    return member_rows(session, HealthRead, member_id, filters, page, page_size, HealthReadOut().dump,
                       HealthRead.id.desc())

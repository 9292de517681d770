"""Branch activities (活动): recorded once per request, with the cost funding books."""
import logging

import sqlalchemy as sa

from activities.domain.activities import cost_of, first_cost_status
from activities.handlers.member_facts import check_members_writable, refuse_participants
from activities.models import Activity
from activities.schemas import ActivityFilters, ActivityIn, ActivityOut
from activities.shared import already_done, filtered, flush_once, refuse_future, visible
from wuji_infra.access import SYSTEM
from wuji_infra.db import get_or_404
from wuji_infra.events import referenced_id
from wuji_infra.validation import load, page_of

log = logging.getLogger(__name__)

ACTIVITY = ("活动", "activity")


def record_activity(tx, data, actor=None, request_id=None, *, today, access=SYSTEM):
    """Record an activity and announce its cost, once per ``request_id``."""
    values = load(ActivityIn(), data)
    access.check_write(values["branch_id"])
    check_members_writable(tx.session, access, values["participants"])
    refuse_future(values["date"], today)
    existing = already_done(tx.session, Activity, request_id)
    if existing is not None:
        return ActivityOut().dump(existing)
    refuse_participants(tx.session, values["branch_id"], values["participants"], "participants")
    cost, hours = cost_of(values)
    activity = Activity(
        branch_id=values["branch_id"], kind=values["kind"], date=values["date"], title=values["title"],
        place=values["place"], organizer=values["organizer"], participant_ids=values["participants"],
        volunteer_hours=hours, cost=cost, expense_category=values["expense_category"],
        cost_status=first_cost_status(cost), recorded_by=actor, request_id=request_id,
    )
    tx.session.add(activity)
    flush_once(tx.session)
    tx.emit("activity_recorded", {
        "activity_id": activity.id, "branch_id": activity.branch_id, "kind": activity.kind,
        "date": activity.date, "participants": len(activity.participant_ids),
        "cost": activity.cost, "expense_category": activity.expense_category,
    })
    return ActivityOut().dump(activity)


def get_activity(session, activity_id, *, access=SYSTEM):
    activity = get_or_404(session, Activity, activity_id, ACTIVITY)
    access.check_read(activity.branch_id, ACTIVITY, activity_id)
    return ActivityOut().dump(activity)


def list_activities(session, filters=None, page=1, page_size=20, *, access=SYSTEM):
    """Activities, latest first; filters ``branch_id``, ``kind``, ``cost_status``, ``date_from``, ``date_to``."""
    chosen = load(ActivityFilters(), filters or {})
    query = sa.select(Activity).order_by(Activity.date.desc(), Activity.id.desc())
    query = visible(query, access.branch_clause(Activity.branch_id))
    query = filtered(query, Activity, chosen, ("branch_id", "kind", "cost_status"), Activity.date)
    return page_of(session, query, ActivityOut().dump, page, page_size)


# -- what funding did with the cost --------------------------------------------------

def _costed_activity(tx, data, event_type):
    activity_id = referenced_id(data.get("reference"), "activity")
    if activity_id is None:
        return None
    activity = tx.session.get(Activity, activity_id, with_for_update=True)
    if activity is None:
        log.warning("%s for %s: no such activity", event_type, data.get("reference"))
    return activity


def record_cost_booked(tx, data):
    """expense_booked of "activity:<id>" (at once, or by staff after a refusal): the cost is booked."""
    activity = _costed_activity(tx, data, "expense_booked")
    if activity is None:
        return False
    activity.cost_status, activity.expense_id = "booked", data["expense_id"]
    activity.cost_refused_reason = activity.cost_refused_at = None
    return True


def record_cost_refused(tx, data, refused_at):
    """expense_refused of "activity:<id>": the cost shows refused with funding's reason; a refusal
    arriving after the booking (of an earlier try) changes nothing."""
    activity = _costed_activity(tx, data, "expense_refused")
    if activity is None or activity.cost_status == "booked":
        return False
    activity.cost_status, activity.cost_refused_reason, activity.cost_refused_at = "refused", data["reason"], refused_at
    return True

"""Health events: what each kind does to a member and which event announces it."""

HEALTH_EVENT_KINDS = ("hospitalized", "discharged", "serious_illness", "deceased")
HEALTH_EVENT_LABELS = {"hospitalized": "住院", "discharged": "出院", "serious_illness": "重病", "deceased": "逝世"}

# health event kind -> the event members dispatches for it
HEALTH_EVENT_TYPES = {
    "hospitalized": "member_hospitalized",
    "discharged": "member_discharged",
    "serious_illness": "member_seriously_ill",
    "deceased": "member_deceased",
}


def health_event_problem(member_status):
    """Why no health event can be recorded for a member, or None: death is the last one."""
    if member_status == "deceased":
        return "该党员已逝世, 不能再登记健康事件 (the member is deceased)"
    return None


def status_after_health_event(current_status, kind):
    """A member's status after a health event: death ends active membership."""
    return "deceased" if kind == "deceased" else current_status


def health_event_data(member, event):
    """The data of the event announcing ``event``: the facts other services' rules need,
    and no diagnosis (no note, no ward); the hospital only for a hospitalization."""
    data = {
        "member_id": member.id, "health_event_id": event.id, "date": event.date,
        "branch_id": member.branch_id, "birth_date": member.birth_date,
        "hardship": member.hardship, "lives_alone": member.lives_alone,
    }
    if event.kind == "hospitalized":
        data["hospital"] = event.hospital
    return data

"""A member withdrawn as entered in error (member_withdrawn): withdrawn in activities' copy for
good, out of the attendance expected, the contact coverage, the absences to catch up, the experts
and the members counted in the figures; the sessions, contacts and meetings held stay."""
import datetime as dt

import pytest

from activities.handlers import contacts, figures
from activities.models import MemberFact
from wuji_infra import events
from wuji_infra.errors import InvalidInput

T0 = dt.datetime(2026, 1, 5, 9, 0).astimezone()
TODAY = dt.date(2026, 11, 26)


def facts(member_id, **change):
    return {"member_id": member_id, "branch_id": 1, "name": f"党员{member_id}", "birth_date": dt.date(1940, 1, 1),
            "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
            "mobility_limited": False, "org_relation": "unit", "pension_monthly": "4000.00",
            "specialties": ["城市规划"], **change}


def member_event(event_type, data, occurred_at):
    event = events.new_event(event_type, data, source="members")
    return events.Event(event.event_id, event.event_type, event.source, occurred_at, event.data)


def withdrawn(member_id, at=T0 + dt.timedelta(days=100)):
    return member_event("member_withdrawn", {"member_id": member_id, "branch_id": 1, "withdrawn_at": at}, at)


def status(store, member_id):
    with store.read() as session:
        return session.get(MemberFact, member_id).status


def test_a_withdrawn_member_leaves_attendance_coverage_absences_and_the_counted_experts(service, store):
    for member_id in (1, 2, 3):
        service.on_member_registered(member_event("member_registered", facts(member_id), T0))
    study = service.record_study_session({"branch_id": 1, "date": "2026-03-10", "topic": "学习党章",
                                          "materials": [], "attendees": [1]})
    assert study["absent"] == 2
    service.record_review_meeting({"kind": "lunzheng", "topic": "街区保护", "date": "2026-03-12",
                                   "organizer": "市规划局", "participants": [{"member_id": 2, "advice": "保留街巷"}, {"member_id": 1, "advice": "保留"}]})
    event = withdrawn(2)
    service.on_member_withdrawn(event)
    service.on_member_withdrawn(event)  # delivered twice: acts once
    service.on_member_updated(member_event("member_updated", facts(2), T0 + dt.timedelta(days=200)))  # a replay
    assert status(store, 2) == "withdrawn"
    assert [a["member_id"] for a in service.list_absences()["items"]] == [3]
    with store.read() as session:
        coverage = contacts.contact_coverage(session, {"as_of": "2026-03-01"}, today=TODAY)
    assert [item["member_id"] for item in coverage["items"]] == [1, 3]
    stats = service.statistics({"year": 2026})
    assert stats["review_meetings"] == {"meetings": 1, "members": 1, "participations": 1}
    with store.read() as session:
        report = figures.annual_figures(session, {"year": 2026, "as_of": TODAY.isoformat()})
    assert report["experts_engaged"] == 1 and report["review_meeting_list"][0]["experts"] == ["党员1"]
    later = service.record_study_session({"branch_id": 1, "date": "2026-04-10", "topic": "学习党章",
                                          "materials": [], "attendees": [1]})
    assert later["absent"] == 1  # only member 3 was expected and missed it
    with pytest.raises(InvalidInput):
        service.record_study_session({"branch_id": 1, "date": "2026-05-10", "topic": "学习", "materials": [],
                                      "attendees": [2]})
    assert [e["member_id"] for e in service.list_experts()["items"]] == [1, 3]


def test_the_withdrawal_first_then_the_registration_keeps_the_member_withdrawn(service, store):
    service.on_member_withdrawn(withdrawn(5))                           # unknown: skipped
    service.on_member_updated(member_event("member_updated", facts(5, status="withdrawn"), T0 + dt.timedelta(days=1)))
    service.on_member_registered(member_event("member_registered", facts(5), T0))
    assert status(store, 5) == "withdrawn"

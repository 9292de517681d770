"""Organization-life records and venues: what is refused (400/403/404) and how lists filter."""
import datetime as dt

import pytest

from wuji_infra.access import Access, SYSTEM
from wuji_infra.errors import Forbidden, InvalidInput, NotFound

from wuji_infra import events

TODAY = dt.date(2026, 11, 26)
SECRETARY = Access("sec-10", "secretary", {10})


def register(service, member_id, branch_id, name):
    event = events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": name, "birth_date": dt.date(1940, 1, 1),
        "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": "4000.00", "specialties": [],
        "counts_from": dt.date(2019, 1, 1)}, source="members")
    at = dt.datetime(2026, 11, 20, 9, 0).astimezone()
    service.on_member_registered(events.Event(event.event_id, event.event_type, event.source, at, event.data))


@pytest.fixture
def members(service):
    register(service, 1, 10, "王建国")
    register(service, 2, 20, "赵刚")


def meeting(**changes):
    data = {"branch_id": 10, "kind": "theme_day", "date": "2026-11-10", "topic": "主题党日", "participants": [1]}
    data.update(changes)
    return data


def test_a_meeting_is_recorded_and_listed_by_kind(service, members):
    theme = service.record_branch_meeting(meeting())
    review = service.record_branch_meeting(meeting(kind="democratic_review", date="2026-11-12"))
    assert service.get_branch_meeting(theme["id"])["kind"] == "theme_day"
    listed = service.list_branch_meetings({"kind": "democratic_review"})
    assert [m["id"] for m in listed["items"]] == [review["id"]]
    assert service.list_branch_meetings({"date_to": "2026-11-11"})["items"][0]["id"] == theme["id"]


@pytest.mark.parametrize("changes, field", [
    ({"date": "2026-11-27"}, "date"),             # after today
    ({"participants": [2]}, "participants"),      # another branch's member
    ({"kind": "party"}, "kind"),
    ({"participants": []}, "participants"),
])
def test_a_bad_meeting_is_refused(service, members, changes, field):
    with pytest.raises(InvalidInput) as refused:
        service.record_branch_meeting(meeting(**changes))
    assert field in refused.value.fields


def test_a_venue_cannot_end_before_it_began(service):
    venue = service.add_venue({"branch_id": 10, "name": "活动室", "address": "二楼", "since": "2020-01-01"})
    with pytest.raises(InvalidInput):
        service.end_venue(venue["id"], {"until": "2019-12-31"})
    with pytest.raises(InvalidInput):
        service.add_venue({"branch_id": 10, "name": "活动室", "address": "二楼", "since": "2020-01-01",
                           "until": "2019-01-01"})


def test_a_secretary_writes_and_reads_only_their_branch(service, members):
    other = service.record_branch_meeting(meeting(branch_id=20, participants=[2]))
    service.caller = SECRETARY
    with pytest.raises(Forbidden):
        service.record_branch_meeting(meeting(branch_id=20, participants=[2]))
    with pytest.raises(NotFound):
        service.get_branch_meeting(other["id"])
    own = service.record_branch_meeting(meeting())
    assert [m["id"] for m in service.list_branch_meetings()["items"]] == [own["id"]]
    service.caller = SYSTEM

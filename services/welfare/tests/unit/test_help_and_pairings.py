"""Help cases (办实事、解难事), pairings by hand with their talks, and the
members in need without a pairing."""
import datetime as dt

import pytest

from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 11, 26)


def register(service, member_id, **change):
    data = {"member_id": member_id, "branch_id": 2, "name": f"党员{member_id}", "birth_date": dt.date(1940, 5, 1),
            "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
            "mobility_limited": False, "org_relation": "unit", "specialties": [], **change}
    service.on_member_registered(events.new_event("member_registered", data, source="members"))


def seriously_ill(service, member_id):
    service.on_member_seriously_ill(events.new_event("member_seriously_ill", {
        "member_id": member_id, "health_event_id": 1, "date": TODAY, "branch_id": 2,
        "birth_date": dt.date(1940, 5, 1), "hardship": False, "lives_alone": False}, source="members"))


def a_visit_task(service, member_id=7):
    service.on_member_hospitalized(events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": 1, "date": TODAY, "branch_id": 2, "hospital": "市医院",
        "birth_date": dt.date(1940, 5, 1), "hardship": False, "lives_alone": False}, source="members"))
    return service.list_visit_tasks({"member_id": str(member_id)})["items"][0]["id"]


# -- help cases ---------------------------------------------------------------

def test_a_help_case_is_opened_from_a_visit_assigned_worked_and_closed(service, store):
    task_id = a_visit_task(service)
    case = service.open_help_case({"task_id": task_id, "title": "卫生间加装扶手"}, "staff1")
    assert (case["member_id"], case["status"], case["opened_on"], case["opened_by"]) == (7, "open", "2026-11-26", "staff1")

    case = service.assign_help_case(case["id"], {"assignee": "李干事"})
    assert (case["status"], case["assignee"]) == ("in_progress", "李干事")
    case = service.add_help_case_note(case["id"], {"note": "已联系物业上门测量"}, "李干事")
    assert [(n["note"], n["written_by"]) for n in case["notes"]] == [("已联系物业上门测量", "李干事")]

    closed = service.close_help_case(case["id"], {"result": "扶手已安装，老人满意"}, "李干事")
    assert (closed["status"], closed["solved"], closed["closed_on"], closed["result"]) == (
        "closed", True, "2026-11-26", "扶手已安装，老人满意")
    [event] = [e for e in emitted_events(store) if e.event_type == "help_case_closed"]
    assert event.data == {"case_id": case["id"], "member_id": 7}
    [opened] = [e.data for e in emitted_events(store) if e.event_type == "help_case_opened"]
    assert opened == {"case_id": case["id"], "member_id": 7, "opened_on": dt.date(2026, 11, 26),
                      "branch_id": opened["branch_id"], "assignee": None}
    [assigned] = [e.data for e in emitted_events(store) if e.event_type == "help_case_assigned"]
    assert assigned == {"case_id": case["id"], "member_id": 7, "assignee": "李干事"}

    for call in (lambda: service.close_help_case(case["id"], {"result": "again"}),
                 lambda: service.add_help_case_note(case["id"], {"note": "x"}),
                 lambda: service.assign_help_case(case["id"], {"assignee": "王"})):
        with pytest.raises(Conflict):
            call()
    assert len([e for e in emitted_events(store) if e.event_type == "help_case_closed"]) == 1


def test_a_help_case_without_a_visit_names_its_member(service):
    case = service.open_help_case({"member_id": 9, "title": "办理医保异地备案", "assignee": "李干事"})
    assert (case["member_id"], case["task_id"], case["status"]) == (9, None, "in_progress")


@pytest.mark.parametrize("body, field", [
    ({"title": "x"}, "member_id"),
    ({"member_id": 7}, "title"),
    ({"member_id": 7, "title": "  "}, "title"),
    ({"member_id": 7, "title": "x", "task_id": 999}, "task_id"),
    ({"member_id": 7, "title": "x", "opened_on": "2026-11-27"}, "opened_on"),
    ({"member_id": "seven", "title": "x"}, "member_id"),
    ({"member_id": 7, "title": "x", "urgent": True}, "urgent"),
])
def test_bad_help_cases_are_invalid_input(service, body, field):
    with pytest.raises(InvalidInput) as caught:
        service.open_help_case(body)
    assert field in caught.value.fields


def test_a_help_case_from_a_visit_must_be_for_its_member(service):
    task_id = a_visit_task(service, member_id=7)
    with pytest.raises(InvalidInput) as caught:
        service.open_help_case({"task_id": task_id, "member_id": 8, "title": "x"})
    assert "member_id" in caught.value.fields


def test_closing_needs_a_result_not_before_opening(service):
    case = service.open_help_case({"member_id": 7, "title": "x", "opened_on": "2026-11-20"})
    for body, field in (({}, "result"), ({"result": "ok", "closed_on": "2026-11-19"}, "closed_on"),
                        ({"result": "ok", "solved": "maybe"}, "solved")):
        with pytest.raises(InvalidInput) as caught:
            service.close_help_case(case["id"], body)
        assert field in caught.value.fields
    closed = service.close_help_case(case["id"], {"result": "转交社区", "solved": False, "closed_on": "2026-11-25"})
    assert (closed["solved"], closed["closed_on"]) == (False, "2026-11-25")


def test_help_cases_are_listed_and_filtered(service):
    first = service.open_help_case({"member_id": 7, "title": "a", "opened_on": "2026-11-01"})
    second = service.open_help_case({"member_id": 8, "title": "b", "assignee": "李干事"})
    service.close_help_case(first["id"], {"result": "ok"})

    def ids(**filters):
        return [c["id"] for c in service.list_help_cases(filters)["items"]]
    assert ids() == [second["id"], first["id"]]
    assert ids(status="closed") == [first["id"]]
    assert ids(assignee="李干事") == [second["id"]]
    assert ids(member_id="7") == [first["id"]]
    assert ids(opened_before="2026-11-10") == [first["id"]]
    assert ids(opened_after="2026-11-10") == [second["id"]]
    with pytest.raises(InvalidInput):
        service.list_help_cases({"status": "pending"})
    with pytest.raises(NotFound):
        service.get_help_case(999)


# -- pairings by hand, talks, the unpaired ------------------------------------------

def test_a_pairing_by_hand_logs_talks_and_ends(service):
    helper = service.add_visitor({"name": "王委员", "role": "committee", "pairs": True})
    pairing = service.create_pairing({"member_id": 7, "helper_id": helper["id"], "reason": "lives_alone",
                                      "started_on": "2026-11-01"})
    assert (pairing["active"], pairing["helper_name"], pairing["talks"]) == (True, "王委员", [])
    with pytest.raises(Conflict):
        service.create_pairing({"member_id": 7, "helper_id": helper["id"], "reason": "lonely"})

    talked = service.log_pairing_talk(pairing["id"], {"talked_on": "2026-11-20", "how": "phone", "notes": "身体尚好"}, "王委员")
    assert [(t["talked_on"], t["how"], t["logged_by"]) for t in talked["talks"]] == [("2026-11-20", "phone", "王委员")]
    for body, field in (({"talked_on": "2026-10-01", "how": "phone", "notes": "x"}, "talked_on"),
                        ({"talked_on": "2026-11-27", "how": "phone", "notes": "x"}, "talked_on"),
                        ({"talked_on": "2026-11-20", "how": "letter", "notes": "x"}, "how"),
                        ({"talked_on": "2026-11-20", "how": "phone"}, "notes")):
        with pytest.raises(InvalidInput) as caught:
            service.log_pairing_talk(pairing["id"], body)
        assert field in caught.value.fields

    ended = service.end_pairing(pairing["id"], {"reason": "子女已回本地照料"})
    assert (ended["active"], ended["ended_on"]) == (False, "2026-11-26")
    assert service.get_pairing(pairing["id"])["talks"][0]["notes"] == "身体尚好"
    with pytest.raises(Conflict):
        service.log_pairing_talk(pairing["id"], {"talked_on": "2026-11-26", "how": "phone", "notes": "x"})
    with pytest.raises(Conflict):
        service.end_pairing(pairing["id"], {"reason": "again"})
    # ended, the member can be paired again
    assert service.create_pairing({"member_id": 7, "helper_id": helper["id"], "reason": "lonely"})["active"]


@pytest.mark.parametrize("body, field", [
    ({"helper_id": 1, "reason": "lonely"}, "member_id"),
    ({"member_id": 7, "helper_id": 999, "reason": "lonely"}, "helper_id"),
    ({"member_id": 7, "helper_id": 1, "reason": "bored"}, "reason"),
    ({"member_id": 50, "helper_id": 1, "reason": "lonely"}, "helper_id"),   # helping himself
    ({"member_id": 7, "helper_id": 1, "reason": "lonely", "started_on": "2026-12-01"}, "started_on"),
])
def test_bad_pairings_are_invalid_input(service, body, field):
    service.add_visitor({"name": "张", "role": "member", "member_id": 50, "pairs": True})
    with pytest.raises(InvalidInput) as caught:
        service.create_pairing(body)
    assert field in caught.value.fields


def test_ending_a_pairing_needs_a_reason_and_missing_ones_are_not_found(service):
    helper = service.add_visitor({"name": "王委员", "role": "committee"})
    pairing = service.create_pairing({"member_id": 7, "helper_id": helper["id"], "reason": "lonely"})
    with pytest.raises(InvalidInput) as caught:
        service.end_pairing(pairing["id"], {})
    assert "reason" in caught.value.fields
    with pytest.raises(NotFound):
        service.get_pairing(999)
    with pytest.raises(NotFound):
        service.end_pairing("abc", {"reason": "x"})


def test_members_in_need_without_an_active_pairing_are_listed_with_why(service):
    register(service, 1, lives_alone=True)
    register(service, 2, hardship=True, children_away=True, branch_id=3)
    register(service, 3)                                   # not in need
    register(service, 4)                                   # seriously ill, nobody willing to pair
    register(service, 5, lives_alone=True, status="deceased")
    register(service, 6, hardship=True)                    # paired below
    seriously_ill(service, 4)
    helper = service.add_visitor({"name": "王委员", "role": "committee"})
    service.create_pairing({"member_id": 6, "helper_id": helper["id"], "reason": "hardship"})

    answer = service.members_without_pairing()
    assert [(m["member_id"], m["needs"]) for m in answer["items"]] == [
        (1, ["lives_alone"]), (2, ["children_away", "hardship"]), (4, ["serious_illness"])]
    assert answer["total"] == 3
    assert [m["member_id"] for m in service.members_without_pairing({"branch_id": "3"})["items"]] == [2]
    assert service.members_without_pairing(None, 2, 2)["items"][0]["member_id"] == 4
    with pytest.raises(InvalidInput):
        service.members_without_pairing({"branch": "3"})

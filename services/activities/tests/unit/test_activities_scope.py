"""A caller's branches: a secretary sees and writes only their own branches' records; the
office (staff, viewer, approver, admin) sees every branch. And what a contact learned of a
member's life is masked for whoever may not read health facts."""
import datetime as dt

import pytest

from activities.handlers import activities, bulletins, contacts, review_meetings, study
from wuji_infra import events
from wuji_infra.access import SYSTEM, Access
from wuji_infra.errors import Forbidden, InvalidInput, NotFound, no_such

T0 = dt.datetime(2025, 6, 2, 9, 0).astimezone()
TODAY = dt.date(2026, 11, 26)
A, B = 1, 2  # the secretary's branch, and another
SECRETARY = Access("sec-a", "secretary", {A})
STAFF = Access("staff1", "staff")
VIEWER = Access("leader", "viewer")


def register(service, member_id, branch_id, specialties=("城市规划",)):
    event = events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": f"党员{member_id}",
        "birth_date": dt.date(1940, 1, 1), "status": "active", "hardship": False, "lives_alone": False,
        "children_away": False, "mobility_limited": False, "org_relation": "unit",
        "pension_monthly": "4000.00", "specialties": list(specialties),
    }, source="members")
    service.on_member_registered(events.Event(event.event_id, event.event_type, event.source, T0, event.data))


def contact(branch_id, member_id, **overrides):
    return dict({"branch_id": branch_id, "level": "committee_member", "contact_by": "王书记", "member_id": member_id,
                 "date": "2026-10-01", "channel": "visit",
                 "learned": {"life": "刚做完心脏手术", "opinions": "希望多组织活动"}}, **overrides)


def activity(branch_id, participants, **overrides):
    return dict({"branch_id": branch_id, "kind": "themed_practice", "date": "2026-07-01", "title": "主题党日",
                 "place": "社区", "organizer": "王书记", "participants": participants, "cost": "100.00"}, **overrides)


def bulletin(branch_id, **overrides):
    return dict({"branch_id": branch_id, "number": 1, "date": "2026-01-07",
                 "items": [{"title": "学习要点", "kind": "article", "text": "正文"}]}, **overrides)


def meeting(*member_ids, **overrides):
    return dict({"kind": "lunzheng", "topic": "老城区更新", "date": "2026-05-10", "organizer": "市规划局",
                 "participants": [{"member_id": m, "advice": f"建议{m}"} for m in member_ids]}, **overrides)


@pytest.fixture
def world(service):
    """Branch A (members 1, 2) and branch B (members 3, 4), each with a session, a contact, an
    activity and a bulletin; review meetings with A's and B's experts, and with B's alone."""
    for member_id, branch_id in ((1, A), (2, A), (3, B), (4, B)):
        register(service, member_id, branch_id)
    made = {}
    for branch_id, (first, second) in ((A, (1, 2)), (B, (3, 4))):
        made[branch_id] = {
            "session": service.record_study_session({"branch_id": branch_id, "date": "2026-03-10", "topic": "学习",
                                                     "attendees": [first]}),
            "contact": service.log_contact(contact(branch_id, second)),
            "activity": service.record_activity(activity(branch_id, [first, second])),
            "bulletin": service.publish_bulletin(bulletin(branch_id)),
        }
    made["both"] = service.record_review_meeting(meeting(1, 3))
    made["b_only"] = service.record_review_meeting(meeting(4, topic="另一个"))
    return made


def as_caller(service, caller):
    service.caller = caller
    return service


def branches_of(page):
    return sorted({item["branch_id"] for item in page["items"]})


def test_a_secretary_lists_only_their_branches_and_staff_list_every_branch(service, world):
    lists = (service.list_study_sessions, service.list_absences, service.list_contacts, service.list_activities,
             service.list_bulletins, service.list_experts)
    for caller, seen in ((STAFF, [A, B]), (SECRETARY, [A])):
        as_caller(service, caller)
        for listing in lists:
            page = listing({})
            assert (branches_of(page), page["total"]) == (seen, len(page["items"])), (caller.role, listing)
        coverage = service.contact_coverage({"as_of": "2026-11-20"})
        assert [b["branch_id"] for b in coverage["branches"]] == seen
        assert coverage["total"] == len(coverage["items"]) == len(seen)  # member 1 of each branch, uncontacted
    for listing in lists:
        # another branch asked for by name: an empty page, no error
        assert listing({"branch_id": str(B)}) == {"items": [], "total": 0, "page": 1, "page_size": 20}
    assert service.contact_coverage({"branch_id": str(B)})["branches"] == []
    assert service.list_absences({"member_id": "4"})["total"] == 0
    assert service.list_contacts({"member_id": "4"})["total"] == 0


def test_a_secretary_does_not_find_another_branchs_record(service, world):
    gets = ((service.get_study_session, "session", study.STUDY_SESSION),
            (service.get_activity, "activity", activities.ACTIVITY),
            (service.get_bulletin, "bulletin", bulletins.BULLETIN))
    as_caller(service, SECRETARY)
    for get, kind, what in gets:
        assert get(world[A][kind]["id"]) == world[A][kind]
        theirs = world[B][kind]["id"]
        with pytest.raises(NotFound) as caught:
            get(theirs)
        assert str(caught.value) == str(no_such(what, theirs))  # the very answer of a record that does not exist
    as_caller(service, STAFF)
    for get, kind, _ in gets:
        assert get(world[B][kind]["id"]) == world[B][kind]


def test_a_secretary_sees_the_review_meetings_their_members_took_part_in_and_only_their_advice(service, world):
    both, b_only = world["both"], world["b_only"]
    as_caller(service, SECRETARY)
    seen = service.get_review_meeting(both["id"])
    assert seen["participants"] == [{"member_id": 1, "advice": "建议1"}]  # not B's expert's advice
    with pytest.raises(NotFound) as caught:
        service.get_review_meeting(b_only["id"])
    assert str(caught.value) == str(no_such(review_meetings.REVIEW_MEETING, b_only["id"]))
    listed = service.list_review_meetings({})
    assert (listed["total"], listed["items"]) == (1, [seen])
    with pytest.raises(NotFound):  # B's expert, though at a meeting A saw: as if there were no such member
        service.list_review_meetings({"member_id": "3"})
    assert [e["member_id"] for e in service.list_experts({"specialty": "城市规划"})["items"]] == [1, 2]
    as_caller(service, STAFF)
    assert service.get_review_meeting(both["id"]) == both
    assert service.list_review_meetings({})["total"] == 2
    assert service.list_review_meetings({"member_id": "3"})["total"] == 1


def test_a_secretary_may_not_write_for_another_branch_or_name_its_members(service, world):
    as_caller(service, SECRETARY)
    b_session = world[B]["session"]["id"]
    # each names another branch, or one of its members, and nothing else of it
    for write in (
        lambda: service.record_study_session({"branch_id": B, "date": "2026-04-10", "topic": "x", "attendees": [1]}),
        lambda: service.record_study_session({"branch_id": A, "date": "2026-04-10", "topic": "x", "attendees": [1, 3]}),
        lambda: service.record_catch_up(b_session, {"member_id": 2, "method": "self_study", "date": "2026-03-12"}),
        lambda: service.record_catch_up(b_session, {"method": "nonsense"}),  # 403 whatever the body says
        lambda: service.record_catch_up(world[A]["session"]["id"], {"member_id": 3, "method": "self_study",
                                                                    "date": "2026-03-12"}),
        lambda: service.log_contact(contact(B, 1)),
        lambda: service.log_contact(contact(A, 3)),
        lambda: service.log_contact(contact(A, 1, level="member_member", contact_by_member_id=3)),
        lambda: service.record_activity(activity(B, [1])),
        lambda: service.record_activity(activity(A, [1, 3])),
        lambda: service.publish_bulletin(bulletin(B, number=2)),
        lambda: service.record_review_meeting(meeting(1, 3)),
    ):
        with pytest.raises(Forbidden):
            write()
    with pytest.raises(NotFound):
        service.record_catch_up(999, {"member_id": 1, "method": "self_study", "date": "2026-03-12"})
    with pytest.raises(InvalidInput):  # a member nobody knows is no member: the rules answer
        service.record_review_meeting(meeting(1, 77))

    # in their own branch they write as the office does
    caught = service.record_catch_up(world[A]["session"]["id"], {"member_id": 2, "method": "self_study",
                                                                 "date": "2026-03-12"})
    assert caught["caught_up"] == 1
    assert service.log_contact(contact(A, 1, level="member_member", contact_by_member_id=2))["branch_id"] == A
    assert service.record_activity(activity(A, [1, 2]))["branch_id"] == A
    assert service.publish_bulletin(bulletin(A, number=2))["number"] == 2
    assert len(service.record_review_meeting(meeting(1, 2))["participants"]) == 2
    as_caller(service, STAFF)
    assert service.record_activity(activity(B, [3]))["branch_id"] == B


def test_another_branchs_monthly_and_weekly_views_are_those_of_a_branch_without_members(service, store, world):
    year = {"branch_id": str(B), "year": "2026"}
    with store.read() as session:
        compliance = study.study_compliance(session, year, today=TODAY, access=SECRETARY)
        gaps = bulletins.bulletin_gaps(session, year, today=TODAY, access=SECRETARY)
        nobody = study.study_compliance(session, dict(year, branch_id="99"), today=TODAY)
        assert (compliance["held"], compliance["missing"], compliance["months"]) == (0, [], nobody["months"])
        assert (gaps["issues"], gaps["weeks_without_issue"]) == (0, [])
        staff = study.study_compliance(session, year, today=TODAY, access=STAFF)
        assert staff["held"] == 1 and len(staff["missing"]) == 9
        assert bulletins.bulletin_gaps(session, year, today=TODAY, access=STAFF)["issues"] == 1
        own = dict(year, branch_id=str(A))
        assert study.study_compliance(session, own, today=TODAY, access=SECRETARY) == study.study_compliance(
            session, own, today=TODAY, access=STAFF)


def test_a_secretarys_figures_count_only_their_branches(service, world):
    year = {"year": "2026"}
    office = as_caller(service, STAFF).statistics(year)
    assert [b["branch_id"] for b in office["study_sessions"]["by_branch"]] == [A, B]
    assert (office["contacts"]["total"], office["activities"]["total"], office["bulletins"]["issues"]) == (2, 2, 2)
    assert office["review_meetings"] == {"meetings": 2, "members": 3, "participations": 3}

    mine = as_caller(service, SECRETARY).statistics(year)
    assert [b["branch_id"] for b in mine["study_sessions"]["by_branch"]] == [A]
    assert mine["study_sessions"]["total"] == 1
    assert mine["bulletins"] == {"issues": 1, "items": 1, "by_branch": [{"branch_id": A, "issues": 1, "items": 1}]}
    assert (mine["contacts"]["total"], mine["activities"]["total"], mine["activities"]["cost"]) == (1, 1, "100.00")
    assert mine["review_meetings"] == {"meetings": 1, "members": 1, "participations": 1}


def test_what_a_contact_learned_of_a_members_life_is_masked_for_whoever_may_not_read_health(service, store, world):
    for caller, life in ((STAFF, "刚做完心脏手术"), (SECRETARY, "刚做完心脏手术"), (VIEWER, "***"), (SYSTEM, "刚做完心脏手术")):
        learned = as_caller(service, caller).list_contacts({"branch_id": str(A)})["items"][0]["learned"]
        assert learned == {"life": life, "opinions": "希望多组织活动"}, caller.role
    with store.transaction() as tx:
        logged = contacts.log_contact(tx, contact(A, 1, learned={"life": "住院中"}), today=TODAY, access=VIEWER)
    assert logged["learned"] == {"life": "***"}
    as_caller(service, STAFF)
    assert service.list_contacts({"member_id": "1"})["items"][0]["learned"] == {"life": "住院中"}


def test_the_answers_mark_the_health_facts_the_gateway_masks():
    from activities.answers import AbsenceOut
    from activities.schemas import AttendanceOut, StudySessionOut

    for schema in (AttendanceOut(), AbsenceOut(), StudySessionOut().fields["attendance"].inner.schema):
        marked = {name: field.metadata.get("sensitive") for name, field in schema.fields.items()}
        assert {name: kind for name, kind in marked.items() if kind} == {
            "catch_up_note": "health", "mobility_limited": "health"}

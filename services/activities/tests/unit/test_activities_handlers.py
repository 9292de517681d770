"""Handlers and event entrypoints on the real Store over in-memory SQLite."""
import datetime as dt

import pytest

from activities.handlers import bulletins, contacts, study
from activities.models import MemberFact
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events
from wuji_infra.validation import MAX_ID

T0 = dt.datetime(2026, 1, 5, 9, 0).astimezone()  # 9 in the morning, office time
TODAY = dt.date(2026, 11, 26)


def facts(member_id, branch_id=1, name=None, status="active", mobility_limited=False, specialties=()):
    return {
        "member_id": member_id, "branch_id": branch_id, "name": name or f"党员{member_id}",
        "birth_date": dt.date(1940, 1, 1), "status": status, "hardship": False, "lives_alone": False,
        "children_away": False, "mobility_limited": mobility_limited, "org_relation": "unit",
        "pension_monthly": "4000.00", "specialties": list(specialties),
    }


def member_event(event_type, data, occurred_at=T0):
    event = events.new_event(event_type, data, source="members")
    return events.Event(event.event_id, event.event_type, event.source, occurred_at, event.data)


def register(service, member_id, at=T0, **kwargs):
    service.on_member_registered(member_event("member_registered", facts(member_id, **kwargs), at))


def stored(store, member_id):
    with store.read() as session:
        member = session.get(MemberFact, member_id)
        return None if member is None else (member.branch_id, member.name, member.status, member.registered_on)


def emitted(store, event_type):
    return [e.data for e in emitted_events(store) if e.event_type == event_type]


def health(member_id, day):
    return {"member_id": member_id, "health_event_id": 1, "date": day, "branch_id": 1,
            "birth_date": dt.date(1940, 1, 1), "hardship": False, "lives_alone": False}


# -- member facts -----------------------------------------------------------------

def test_member_facts_are_kept_and_updated(service, store):
    register(service, 1, specialties=["城市规划"])
    assert stored(store, 1) == (1, "党员1", "active", dt.date(2026, 1, 5))
    later = T0 + dt.timedelta(days=30)
    service.on_member_updated(member_event("member_updated", facts(1, branch_id=2, name="张三"), later))
    assert stored(store, 1) == (2, "张三", "active", dt.date(2026, 1, 5))  # registered_on does not move


def test_an_older_update_arriving_late_does_not_overwrite_newer_facts(service, store):
    register(service, 1, at=T0 + dt.timedelta(days=2), name="新名字")
    service.on_member_updated(member_event("member_updated", facts(1, name="旧名字"), T0))
    assert stored(store, 1)[1] == "新名字"


def test_the_same_event_twice_acts_once(service, store):
    event = member_event("member_registered", facts(1))
    service.on_member_registered(event)
    with store.transaction() as tx:
        tx.session.get(MemberFact, 1).name = "改过"
    service.on_member_registered(event)  # a redelivery: the inbox skips it
    assert stored(store, 1)[1] == "改过"


def test_deceased_and_transferred_members_leave_coverage(service, store):
    for member_id in (1, 2, 3):
        register(service, member_id)
    later = T0 + dt.timedelta(days=1)
    service.on_member_deceased(member_event("member_deceased", health(1, dt.date(2026, 1, 6)), later))
    service.on_member_transferred(member_event("member_transferred", {
        "member_id": 2, "org_relation": "unit", "community": None, "status": "transferred_out"}, later))
    assert stored(store, 1)[2] == "deceased" and stored(store, 2)[2] == "transferred_out"
    # a late member_updated saying active does not bring the dead back
    service.on_member_updated(member_event("member_updated", facts(1), T0 + dt.timedelta(days=2)))
    assert stored(store, 1)[2] == "deceased"
    with store.read() as session:
        coverage = contacts.contact_coverage(session, {"as_of": "2026-03-01"}, today=TODAY)
    assert [item["member_id"] for item in coverage["items"]] == [3]
    assert coverage["branches"] == [{"branch_id": 1, "active_members": 1, "not_contacted": 1, "contacted": 0}]


def test_a_status_for_an_unknown_member_is_skipped(service, store):
    service.on_member_deceased(member_event("member_deceased", health(9, dt.date(2026, 1, 6))))
    assert stored(store, 9) is None


# -- monthly study ----------------------------------------------------------------

def session_body(**overrides):
    body = {"branch_id": 1, "date": "2026-03-10", "topic": "学习党的二十大精神",
            "materials": ["二十大报告"], "attendees": [1, 2]}
    body.update(overrides)
    return body


def test_a_study_session_records_attendance_and_absentees(service, store):
    register(service, 1)
    register(service, 2)
    register(service, 3, mobility_limited=True, name="李四")
    register(service, 4, branch_id=2)
    register(service, 5, at=dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc))  # joined after the session
    session = service.record_study_session(session_body(), "staff1")
    assert (session["attended"], session["absent"], session["caught_up"]) == (2, 1, 0)
    [absent] = [row for row in session["attendance"] if not row["attended"]]
    assert (absent["member_id"], absent["name"], absent["mobility_limited"]) == (3, "李四", True)
    assert emitted(store, "study_session_recorded") == [
        {"session_id": session["id"], "branch_id": 1, "date": dt.date(2026, 3, 10), "attended": 2, "absent": 1}]

    caught = service.record_catch_up(session["id"], {"member_id": 3, "method": "home_delivery",
                                                     "date": "2026-03-12", "by": "王书记"})
    assert caught["caught_up"] == 1
    assert [r["catch_up_method"] for r in caught["attendance"] if r["member_id"] == 3] == ["home_delivery"]
    with pytest.raises(Conflict):
        service.record_catch_up(session["id"], {"member_id": 3, "method": "self_study", "date": "2026-03-13"})
    with pytest.raises(InvalidInput) as attended:
        service.record_catch_up(session["id"], {"member_id": 1, "method": "self_study", "date": "2026-03-13"})
    assert "member_id" in attended.value.fields
    with pytest.raises(InvalidInput) as nobody:
        service.record_catch_up(session["id"], {"member_id": 3, "method": "home_delivery", "date": "2026-03-13"})
    assert "by" in nobody.value.fields
    with pytest.raises(NotFound):
        service.record_catch_up(999, {"member_id": 3, "method": "self_study", "date": "2026-03-13"})
    assert service.get_study_session(session["id"]) == caught


def test_absentees_still_to_catch_up_are_listed(service):
    register(service, 1)
    register(service, 2, mobility_limited=True, name="李四")
    register(service, 3)
    march = service.record_study_session(session_body(attendees=[1]))
    april = service.record_study_session(session_body(date="2026-04-10", attendees=[1, 3]))
    service.record_catch_up(march["id"], {"member_id": 3, "method": "self_study", "date": "2026-03-20"})

    pending = service.list_absences({"branch_id": "1", "caught_up": "false"})
    assert [(a["session_id"], a["member_id"], a["name"], a["mobility_limited"]) for a in pending["items"]] == [
        (april["id"], 2, "李四", True), (march["id"], 2, "李四", True)]
    done = service.list_absences({"caught_up": "true"})
    assert [(a["member_id"], a["catch_up_method"], a["topic"]) for a in done["items"]] == [
        (3, "self_study", "学习党的二十大精神")]
    assert service.list_absences({"member_id": "2", "date_from": "2026-04-01"}, 1, 1)["total"] == 1
    with pytest.raises(InvalidInput) as caught:
        service.list_absences({"caught_up": "maybe"})
    assert "caught_up" in caught.value.fields


def test_a_study_session_refuses_bad_input_naming_the_field(service, store):
    register(service, 1)
    register(service, 2, branch_id=2)
    for body, field in [
        (session_body(attendees=[1, 2]), "attendees"),          # 2 is of another branch
        (session_body(attendees=[1, 77]), "attendees"),         # unknown member
        (session_body(attendees=[1, 1]), "attendees"),
        (session_body(attendees=[]), "attendees"),
        (session_body(date="2026-02-30"), "date"),
        (session_body(date=(TODAY + dt.timedelta(days=1)).isoformat()), "date"),
        (session_body(topic="  "), "topic"),
        (session_body(branch_id="x"), "branch_id"),
        (dict(session_body(), extra=1), "extra"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            service.record_study_session(body)
        assert field in caught.value.fields, (body, caught.value.fields)
    assert emitted(store, "study_session_recorded") == []


def test_one_session_per_branch_and_day(service):
    register(service, 1)
    service.record_study_session(session_body(attendees=[1]))
    with pytest.raises(Conflict) as caught:
        service.record_study_session(session_body(attendees=[1], topic="另一个"))
    assert "date" in caught.value.fields


def test_listing_sessions_filters_and_pages(service):
    register(service, 1)
    register(service, 2, branch_id=2)
    for day in ("2026-01-10", "2026-02-10", "2026-03-10"):
        service.record_study_session(session_body(date=day, attendees=[1]))
    service.record_study_session(session_body(branch_id=2, attendees=[2]))
    listed = service.list_study_sessions({"branch_id": "1", "date_from": "2026-02-01"}, 1, 1)
    assert (listed["total"], listed["page_size"]) == (2, 1)
    assert [s["date"] for s in listed["items"]] == ["2026-03-10"]
    with pytest.raises(InvalidInput) as caught:
        service.list_study_sessions({"date_from": "yesterday"})
    assert "date_from" in caught.value.fields


def test_the_monthly_view_shows_months_with_and_without_a_session(store, service):
    register(service, 1, at=dt.datetime(2026, 3, 15, tzinfo=dt.timezone.utc))  # the branch's first member
    for day in ("2026-04-01", "2026-04-30", "2026-06-30"):
        service.record_study_session(session_body(date=day, attendees=[1]))
    with store.read() as session:
        view = study.study_compliance(session, {"branch_id": "1", "year": "2026"}, today=dt.date(2026, 8, 1))
    statuses = {m["month"]: m["status"] for m in view["months"]}
    assert [statuses[m] for m in range(1, 13)] == [
        "no_members", "no_members", "missing", "held", "missing", "held", "missing", "not_due",
        "future", "future", "future", "future"]
    assert len(view["months"][3]["sessions"]) == 2
    assert (view["held"], view["missing"]) == (2, [3, 5, 7])
    with pytest.raises(InvalidInput) as caught:
        service.study_compliance({"branch_id": "1"})
    assert "year" in caught.value.fields


# -- three contacts ---------------------------------------------------------------

def contact_body(**overrides):
    body = {"branch_id": 1, "level": "committee_member", "contact_by": "王书记", "member_id": 1,
            "date": "2026-10-01", "channel": "visit", "learned": {"life": "身体尚好", "opinions": "希望多组织活动"}}
    body.update(overrides)
    return body


def test_a_contact_is_logged_and_announced(service, store):
    register(service, 1)
    register(service, 2)
    contact = service.log_contact(contact_body(contact_by_member_id=2), "staff1")
    assert contact["learned"] == {"life": "身体尚好", "opinions": "希望多组织活动"}
    assert emitted(store, "contact_logged") == [{"contact_id": contact["id"], "branch_id": 1,
                                                 "level": "committee_member", "date": dt.date(2026, 10, 1),
                                                 "member_id": 1}]
    listed = service.list_contacts({"level": "committee_member", "member_id": "1"})
    assert [c["id"] for c in listed["items"]] == [contact["id"]]
    assert service.list_contacts({"level": "staff_committee"})["total"] == 0


def test_a_contact_refuses_bad_input_naming_the_field(service, store):
    register(service, 1)
    register(service, 2, status="deceased")
    for body, field in [
        (contact_body(member_id=2), "member_id"),
        (contact_body(level="boss_member"), "level"),
        (contact_body(channel="letter"), "channel"),
        (contact_body(learned={"life": " "}), "learned._schema"),
        (contact_body(learned={"gossip": "x"}), "learned.gossip"),
        (contact_body(contact_by_member_id=2), "contact_by_member_id"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            service.log_contact(body)
        assert field in caught.value.fields, (body, caught.value.fields)
    assert emitted(store, "contact_logged") == []


def test_coverage_lists_members_not_contacted_in_the_last_quarter_per_branch(service, store):
    for member_id, branch_id in ((1, 1), (2, 1), (3, 1), (4, 2)):
        register(service, member_id, branch_id=branch_id)
    service.log_contact(contact_body(member_id=1, date="2026-08-21"))   # first day of the window
    service.log_contact(contact_body(member_id=2, date="2026-08-20"))   # the day before it
    service.log_contact(contact_body(member_id=3, date="2026-11-21"))   # after as_of: does not count
    with store.read() as session:
        view = contacts.contact_coverage(session, {"as_of": "2026-11-20"}, today=TODAY)
        assert (view["window_start"], view["total"]) == ("2026-08-21", 3)
        assert [(i["member_id"], i["last_contact_on"]) for i in view["items"]] == [
            (2, "2026-08-20"), (3, None), (4, None)]
        assert view["branches"] == [
            {"branch_id": 1, "active_members": 3, "not_contacted": 2, "contacted": 1},
            {"branch_id": 2, "active_members": 1, "not_contacted": 1, "contacted": 0}]
        one_branch = contacts.contact_coverage(session, {"as_of": "2026-11-20", "branch_id": "2"}, page=1, page_size=5,
                                                today=TODAY)
        assert [i["member_id"] for i in one_branch["items"]] == [4]
        paged = contacts.contact_coverage(session, {"as_of": "2026-11-20"}, page=2, page_size=2, today=TODAY)
        assert [i["member_id"] for i in paged["items"]] == [4] and paged["total"] == 3
        with pytest.raises(InvalidInput) as caught:
            contacts.contact_coverage(session, {"as_of": "someday"}, today=TODAY)
        assert "as_of" in caught.value.fields


# -- activities -------------------------------------------------------------------

def activity_body(**overrides):
    body = {"branch_id": 1, "kind": "red_education_visit", "date": "2026-07-01", "title": "参观革命纪念馆",
            "place": "市革命纪念馆", "organizer": "王书记", "participants": [1, 2], "cost": "1200.50",
            "volunteer_hours": "0"}
    body.update(overrides)
    return body


def test_an_activity_is_recorded_with_its_cost_and_announced(service, store):
    register(service, 1)
    register(service, 2)
    activity = service.record_activity(activity_body(), "staff1")
    assert (activity["cost"], activity["expense_category"], activity["participants"]) == ("1200.50", "activities", [1, 2])
    [announced] = emitted(store, "activity_recorded")
    assert announced["cost"] == __import__("decimal").Decimal("1200.50")
    assert (announced["participants"], announced["expense_category"]) == (2, "activities")
    assert service.get_activity(activity["id"]) == activity
    for missing in (999, "x", MAX_ID + 1):
        with pytest.raises(NotFound):
            service.get_activity(missing)
    free = service.record_activity(activity_body(kind="volunteer_service", cost=None, volunteer_hours="12.5",
                                                 expense_category="education_training"))
    assert (free["cost"], free["volunteer_hours"]) == ("0.00", "12.5")
    listed = service.list_activities({"kind": "volunteer_service", "branch_id": "1"})
    assert [a["id"] for a in listed["items"]] == [free["id"]]


def test_an_activity_refuses_a_participant_who_is_not_an_active_member_of_the_branch(service, store):
    register(service, 1)
    register(service, 2, branch_id=2)
    register(service, 3, status="transferred_out")
    for body, field in [
        (activity_body(participants=[1, 2]), "participants"),
        (activity_body(participants=[1, 3]), "participants"),
        (activity_body(participants=[]), "participants"),
        (activity_body(cost=12.5), "cost"),
        (activity_body(cost="-1"), "cost"),
        (activity_body(kind="party"), "kind"),
        (activity_body(expense_category="travel"), "expense_category"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            service.record_activity(body)
        assert field in caught.value.fields, (body, caught.value.fields)
    assert emitted(store, "activity_recorded") == []


# -- study bulletins --------------------------------------------------------------

def bulletin_body(**overrides):
    body = {"branch_id": 1, "number": 1, "date": "2026-01-07", "reach_online": 30, "reach_offline": 5,
            "items": [{"title": "学习贯彻全会精神", "kind": "article", "link": "https://example.org/a"},
                      {"title": "健康讲座", "kind": "video", "text": "视频内容简介"}]}
    body.update(overrides)
    return body


def test_a_bulletin_is_published_and_its_number_is_unique_per_branch_and_year(service, store):
    register(service, 1)
    bulletin = service.publish_bulletin(bulletin_body(), "staff1")
    assert (bulletin["year"], bulletin["item_count"], bulletin["reach_online"]) == (2026, 2, 30)
    assert emitted(store, "bulletin_published") == [{"bulletin_id": bulletin["id"], "branch_id": 1, "number": 1,
                                                     "date": dt.date(2026, 1, 7), "items": 2}]
    with pytest.raises(Conflict) as caught:
        service.publish_bulletin(bulletin_body(date="2026-01-14"))
    assert "number" in caught.value.fields
    service.publish_bulletin(bulletin_body(date="2025-12-24"))          # the same number in another year
    service.publish_bulletin(bulletin_body(branch_id=2))                # and in another branch
    assert service.list_bulletins({"branch_id": "1", "year": "2026"})["total"] == 1
    assert service.get_bulletin(bulletin["id"]) == bulletin
    with pytest.raises(NotFound) as missing:
        service.get_bulletin(999)
    assert "学习园地" in str(missing.value)


def test_a_bulletin_refuses_bad_input_naming_the_field(service, store):
    for body, field in [
        (bulletin_body(items=[]), "items"),
        (bulletin_body(items=[{"title": "x", "kind": "article"}]), "items.0.link"),
        (bulletin_body(items=[{"title": "x", "kind": "article", "link": "javascript:alert(1)"}]), "items.0.link"),
        (bulletin_body(items=[{"title": "x", "kind": "gossip", "text": "y"}]), "items.0.kind"),
        (bulletin_body(number=0), "number"),
        (bulletin_body(reach_online=-1), "reach_online"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            service.publish_bulletin(body)
        assert field in caught.value.fields, (body, caught.value.fields)
    assert emitted(store, "bulletin_published") == []


def test_the_weeks_without_an_issue(service, store):
    register(service, 1, at=dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc))
    for number, day in enumerate(("2026-01-02", "2026-01-14", "2026-01-15"), 1):  # weeks 1, 3, 3
        service.publish_bulletin(bulletin_body(number=number, date=day))
    with store.read() as session:
        view = bulletins.bulletin_gaps(session, {"branch_id": "1", "year": "2026"}, today=dt.date(2026, 2, 2))
    assert (view["issues"], view["items"]) == (3, 6)
    assert [w["week"] for w in view["weeks_without_issue"]] == [2, 4, 5]
    assert view["weeks_without_issue"][0] == {"week": 2, "monday": "2026-01-05", "sunday": "2026-01-11"}
    with pytest.raises(InvalidInput) as caught:
        service.bulletin_gaps({"year": "2026"})
    assert "branch_id" in caught.value.fields


# -- review meetings --------------------------------------------------------------

def test_a_review_meeting_records_each_experts_advice(service):
    register(service, 1, specialties=["城市规划"])
    register(service, 2, branch_id=2)
    register(service, 3, status="deceased")
    body = {"kind": "lunzheng", "topic": "老城区更新规划论证", "date": "2026-05-10", "organizer": "市规划局",
            "participants": [{"member_id": 1, "advice": "保留历史街巷肌理"}, {"member_id": 2, "advice": "增加停车位"}]}
    meeting = service.record_review_meeting(body, "staff1")
    assert [(p["member_id"], p["advice"]) for p in meeting["participants"]] == [(1, "保留历史街巷肌理"), (2, "增加停车位")]
    assert service.get_review_meeting(meeting["id"]) == meeting
    assert service.list_review_meetings({"member_id": "2"})["total"] == 1
    assert service.list_review_meetings({"member_id": "3"})["total"] == 0
    for participants, field in [
        ([{"member_id": 3, "advice": "x"}], "participants"),
        ([{"member_id": 1, "advice": "x"}, {"member_id": 1, "advice": "y"}], "participants"),
        ([{"member_id": 1, "advice": " "}], "participants.0.advice"),
        ([], "participants"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            service.record_review_meeting(dict(body, participants=participants))
        assert field in caught.value.fields, (participants, caught.value.fields)
    with pytest.raises(NotFound):
        service.get_review_meeting(99)


def test_experts_are_found_by_specialty(service):
    register(service, 1, specialties=["城市规划", "建筑设计"])
    register(service, 2, branch_id=2, specialties=["城市规划"])
    register(service, 3, specialties=["书法"])
    register(service, 4, status="deceased", specialties=["城市规划"])
    register(service, 5)
    service.record_review_meeting({"kind": "yantao", "topic": "x", "date": "2026-05-10", "organizer": "市规划局",
                                   "participants": [{"member_id": 1, "advice": "a"}]})
    found = service.list_experts({"specialty": "城市规划"})
    assert [(e["member_id"], e["review_meetings"]) for e in found["items"]] == [(1, 1), (2, 0)]
    assert service.list_experts({"specialty": "城市规划", "branch_id": "2"})["total"] == 1
    assert service.list_experts({})["total"] == 3
    # a member who drops a specialty is no longer found by it
    service.on_member_updated(member_event("member_updated", facts(2, branch_id=2, specialties=["园林绿化"]),
                                           T0 + dt.timedelta(days=1)))
    assert [e["member_id"] for e in service.list_experts({"specialty": "城市规划"})["items"]] == [1]
    with pytest.raises(InvalidInput) as caught:
        service.list_experts({"specialty": ""})
    assert "specialty" in caught.value.fields


# -- the yearly report ------------------------------------------------------------

def test_statistics_for_the_yearly_report(service):
    for member_id, branch_id in ((1, 1), (2, 1), (3, 2), (4, 3)):
        register(service, member_id, branch_id=branch_id)
    for day in ("2026-01-10", "2026-01-20", "2026-03-10", "2025-12-10"):
        service.record_study_session(session_body(date=day, attendees=[1]))
    service.record_study_session(session_body(branch_id=2, date="2026-02-10", attendees=[3]))
    service.publish_bulletin(bulletin_body())
    service.publish_bulletin(bulletin_body(number=2, date="2026-01-14", items=[{"title": "a", "kind": "notice", "text": "b"}]))
    service.publish_bulletin(bulletin_body(date="2025-12-30"))
    service.log_contact(contact_body())
    service.log_contact(contact_body(level="staff_committee"))
    service.log_contact(contact_body(level="staff_committee", date="2025-10-01"))
    service.record_activity(activity_body(participants=[1, 2], cost="100.10"))
    service.record_activity(activity_body(participants=[1], cost="0.45", date="2026-08-01"))
    service.record_activity(activity_body(kind="volunteer_service", cost=None, volunteer_hours="6.5"))
    service.record_activity(activity_body(date="2025-07-01", cost="999.00"))
    meeting = {"kind": "yantao", "topic": "x", "date": "2026-05-10", "organizer": "市住建局",
               "participants": [{"member_id": 1, "advice": "a"}, {"member_id": 3, "advice": "b"}]}
    service.record_review_meeting(meeting)
    service.record_review_meeting(dict(meeting, participants=[{"member_id": 1, "advice": "c"}]))
    service.record_review_meeting(dict(meeting, date="2025-05-10"))

    figures = service.statistics({"year": "2026"})
    study = figures["study_sessions"]
    assert study["total"] == 4
    assert [(b["branch_id"], b["sessions"], b["months_held"]) for b in study["by_branch"]] == [
        (1, 3, 2), (2, 1, 1), (3, 0, 0)]  # branch 3 held none: it is in the report with zeros
    assert study["by_branch"][0]["months"]["1"] == 2 and study["by_branch"][0]["months"]["12"] == 0
    assert figures["bulletins"] == {"issues": 2, "items": 3, "by_branch": [{"branch_id": 1, "issues": 2, "items": 3}]}
    assert figures["contacts"] == {"total": 2, "by_level": {"staff_committee": 1, "committee_member": 1,
                                                            "member_member": 0}}
    activities = figures["activities"]
    assert (activities["total"], activities["cost"], activities["volunteer_hours"]) == (3, "100.55", "6.5")
    assert activities["by_kind"]["red_education_visit"] == {"count": 2, "cost": "100.55", "volunteer_hours": "0.0"}
    assert activities["by_kind"]["sports_contest"] == {"count": 0, "cost": "0.00", "volunteer_hours": "0.0"}
    assert figures["review_meetings"] == {"meetings": 2, "members": 2, "participations": 3}
    with pytest.raises(InvalidInput) as caught:
        service.statistics({"year": "二〇二六"})
    assert "year" in caught.value.fields


def test_a_retried_request_records_an_activity_and_a_contact_once(service, store):
    register(service, 1)
    first = service.record_activity(activity_body(participants=[1]), "staff1", "key-1")
    again = service.record_activity(activity_body(participants=[1]), "staff1", "key-1")
    assert again == first
    assert len(emitted(store, "activity_recorded")) == 1  # funding books the cost once
    other = service.record_activity(activity_body(participants=[1]), "staff1", "key-2")
    assert other["id"] != first["id"]

    contact = service.log_contact(contact_body(), "staff1", "key-1")
    assert service.log_contact(contact_body(), "staff1", "key-1") == contact
    assert len(emitted(store, "contact_logged")) == 1

"""Activities' part of the yearly report and its scorecard items, through the service as the
gateway calls it; members counted from counts_from (go-live); a refused cost on the activity."""
import datetime as dt

import pytest

from activities.handlers import figures
from wuji_infra import events
from wuji_infra.access import Access
from wuji_infra.errors import InvalidInput

T0 = dt.datetime(2026, 11, 20, 9, 0).astimezone()
TODAY = dt.date(2026, 11, 26)
YEAR_END = {"year": 2025, "as_of": "2025-12-31", "branch_ids": None}


def member_event(event_type, data, source="members", at=T0):
    event = events.new_event(event_type, data, source=source)
    return events.Event(event.event_id, event.event_type, event.source, at, event.data)


def register(service, member_id, branch_id, name, counts_from=dt.date(2019, 1, 1)):
    service.on_member_registered(member_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": name, "birth_date": dt.date(1940, 1, 1),
        "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": "4000.00", "specialties": [],
        "counts_from": counts_from}))


def day(month, date):
    return dt.date(2025, month, date).isoformat()


@pytest.fixture
def year(service):
    """Registered in November 2026, counting from 2019: the whole of 2025 is theirs."""
    register(service, 1, 10, "王建国")
    register(service, 2, 10, "李秀英")
    register(service, 3, 20, "赵刚")
    register(service, 4, 20, "孙新", counts_from=TODAY)
    for month in range(1, 13):
        service.record_study_session({"branch_id": 10, "date": day(month, 10), "topic": "学习", "attendees": [1, 2]})
    for month in (1, 2, 4):
        service.record_study_session({"branch_id": 20, "date": day(month, 12), "topic": "学习", "attendees": [3]})
    item = {"title": "文章", "kind": "article", "text": "正文"}
    service.publish_bulletin({"branch_id": 10, "number": 1, "date": day(3, 3), "items": [item] * 3})
    service.publish_bulletin({"branch_id": 10, "number": 2, "date": day(9, 1), "items": [item] * 2})
    for member_id, branch_id, when in ((1, 10, day(11, 5)), (2, 10, day(6, 1)), (3, 20, day(12, 2))):
        service.log_contact({"branch_id": branch_id, "level": "committee_member", "contact_by": "王书记",
                             "member_id": member_id, "date": when, "channel": "visit", "learned": {"thoughts": "好"}})
    for when, experts in ((day(4, 2), [1, 2]), (day(10, 9), [1, 3]), ("2024-05-05", [2])):
        service.record_review_meeting({"kind": "lunzheng", "topic": "旧城改造", "date": when, "organizer": "住建局",
                                       "participants": [{"member_id": m, "advice": "建议"} for m in experts]})
    show = service.record_activity({"branch_id": 20, "kind": "culture_show", "date": day(9, 1), "title": "书画展",
                                    "place": "中心", "organizer": "二支部", "participants": [3], "cost": "300.00"},
                                   request_id="a1")
    service.record_activity({"branch_id": 10, "kind": "volunteer_service", "date": day(5, 1), "title": "志愿",
                             "place": "社区", "organizer": "一支部", "participants": [1, 2], "volunteer_hours": "12.5"},
                            request_id="a2")
    return {"show": show["id"]}


def test_the_years_figures(service, year):
    answer = service.annual_figures({"year": 2025, "as_of": "2025-12-31"})
    assert {key: answer[key] for key in ("study_sessions", "bulletin_issues", "bulletin_items", "contacts",
                                         "review_meetings", "experts_engaged", "volunteer_hours")} == {
        "study_sessions": 15, "bulletin_issues": 2, "bulletin_items": 5, "contacts": 3,
        "review_meetings": 2, "experts_engaged": 3, "volunteer_hours": 12.5}
    by_branch = {row["branch_id"]: row for row in answer["study_by_branch"]}
    assert by_branch[20]["months"] == [1, 1, 0, 1] + [0] * 8 and by_branch[10]["total"] == 12
    assert [(m["date"], m["experts"]) for m in answer["review_meeting_list"]] == [
        ("2025-04-02", ["王建国", "李秀英"]), ("2025-10-09", ["王建国", "赵刚"])]
    kinds = {k["kind"]: k for k in answer["activities_by_kind"]}
    assert kinds["culture_show"] == {"kind": "culture_show", "label": "书法、摄影、绘画展", "count": 1, "participants": 1,
                                     "volunteer_hours": 0.0, "cost": "300.00", "cost_booked": "0.00",
                                     "cost_refused": "0.00"}  # not heard from funding yet


def test_a_secretary_counts_their_branch(service, year):
    service.caller = Access("sec", "secretary", (20,))
    answer = service.annual_figures({"year": 2025, "as_of": "2025-12-31"})
    assert (answer["study_sessions"], answer["contacts"], answer["experts_engaged"]) == (3, 1, 1)
    assert [m["experts"] for m in answer["review_meeting_list"]] == [["赵刚"]]


def test_a_refused_cost_shows_on_the_activity_and_booked_later_shows_booked(service, year):
    reference = f"activity:{year['show']}"
    service.on_expense_refused(member_event("expense_refused", {
        "year": 2025, "category": "activities", "amount": "300.00", "reason": "专项经费余额不足", "reference": reference},
        source="funding"))
    shown = service.get_activity(year["show"])
    assert (shown["cost_status"], shown["cost_refused_reason"]) == ("refused", "专项经费余额不足")
    assert service.list_activities({"cost_status": "refused"})["total"] == 1
    refused = {k["kind"]: k for k in service.annual_figures(YEAR_END)["activities_by_kind"]}["culture_show"]
    assert (refused["cost_booked"], refused["cost_refused"]) == ("0.00", "300.00")
    service.on_expense_booked(member_event("expense_booked", {
        "expense_id": 9, "year": 2025, "category": "activities", "amount": "300.00", "reference": reference},
        source="funding"))
    shown = service.get_activity(year["show"])
    assert (shown["cost_status"], shown["expense_id"], shown["cost_refused_reason"]) == ("booked", 9, None)
    booked = {k["kind"]: k for k in service.annual_figures(YEAR_END)["activities_by_kind"]}["culture_show"]
    assert (booked["cost_booked"], booked["cost_refused"]) == ("300.00", "0.00")


def test_the_scorecard_items_say_what_is_missing(service, year):
    card = service.scorecard_items(YEAR_END)
    items = {b["branch_id"]: {i["key"]: i for i in b["items"]} for b in card["branches"]}
    assert items[10]["study_monthly"] == {"key": "study_monthly", "met": True, "missing": [], "misses": 0}
    assert items[20]["study_monthly"]["missing"] == ["2025年3、5–12月无集体学习"]
    assert items[20]["study_monthly"]["misses"] == 9
    # 李秀英's last contact was in June; 赵刚 was contacted in December; 孙新 counts from 2026
    assert items[10]["contacts_quarterly"]["missing"] == ["李秀英 近三个月未联系（最近一次 2025-06-01）"]
    assert items[20]["contacts_quarterly"]["met"]
    assert items[10]["bulletin_weekly"]["misses"] == 50 and not items[20]["bulletin_weekly"]["met"]


def test_before_the_year_ends_only_ended_months_are_due(service, year):
    card = service.scorecard_items({"year": 2025, "as_of": "2025-04-30", "branch_ids": [20]})
    [branch] = card["branches"]
    study = next(i for i in branch["items"] if i["key"] == "study_monthly")
    assert study["missing"] == ["2025年3月无集体学习"]


@pytest.mark.parametrize("numbers, text", [([3], "3"), ([3, 5], "3、5"), ([1, 2, 3, 5, 7, 8, 9, 10], "1–3、5、7–10"),
                                           ([2, 1], "1、2")])
def test_months_and_weeks_are_written_as_spans(numbers, text):
    from activities.domain.dates import spans
    assert spans(numbers) == text


def test_a_bad_query_is_a_400(service):
    with pytest.raises(InvalidInput):
        service.annual_figures({"year": 2025, "as_of": "2024-12-31"})
    with pytest.raises(InvalidInput):
        figures.scorecard_items(None, {"year": 2025})


# -- organization life and venues ----------------------------------------------------

def test_organization_life_and_a_venue_make_their_items(service, year):
    for month in range(1, 13):
        service.record_branch_meeting({"branch_id": 10, "kind": "theme_day", "date": day(month, 15),
                                       "topic": f"{month}月主题党日", "participants": [1, 2]})
    service.record_branch_meeting({"branch_id": 10, "kind": "organization_life", "date": day(12, 10),
                                   "topic": "年度组织生活会", "participants": [1, 2]})
    service.record_branch_meeting({"branch_id": 20, "kind": "theme_day", "date": day(2, 15), "topic": "主题党日",
                                   "participants": [3]})
    service.add_venue({"branch_id": 10, "name": "活动室", "address": "二楼", "since": "2020-01-01"})
    ended = service.add_venue({"branch_id": 20, "name": "旧活动室", "address": "一楼", "since": "2020-01-01"})
    service.end_venue(ended["id"], {"until": "2025-06-30"})
    items = {b["branch_id"]: {i["key"]: i for i in b["items"]} for b in service.scorecard_items(YEAR_END)["branches"]}
    assert items[10]["theme_day_monthly"]["met"] and items[10]["organization_life_meeting"]["met"]
    assert items[10]["democratic_review"]["missing"] == ["本年尚未开展民主评议党员"]
    assert items[10]["venue"]["met"] and items[20]["venue"]["missing"] == ["无活动场所"]
    assert items[20]["theme_day_monthly"]["misses"] == 11
    assert items[20]["organization_life_meeting"]["missing"] == ["本年尚未召开组织生活会"]
    listed = service.list_branch_meetings({"branch_id": "10", "kind": "theme_day"})
    assert listed["total"] == 12


@pytest.mark.parametrize("change, field", [({"kind": "picnic"}, "kind"), ({"participants": [3]}, "participants"),
                                           ({"date": "2099-01-01"}, "date"), ({"participants": []}, "participants")])
def test_a_bad_branch_meeting_is_refused_naming_the_field(service, year, change, field):
    body = {"branch_id": 10, "kind": "theme_day", "date": day(3, 1), "topic": "主题党日", "participants": [1], **change}
    with pytest.raises(InvalidInput) as refused:
        service.record_branch_meeting(body)
    assert field in refused.value.fields


def test_a_secretary_records_for_their_branch_only(service, year):
    from wuji_infra.errors import Forbidden
    service.caller = Access("sec", "secretary", (20,))
    with pytest.raises(Forbidden):
        service.add_venue({"branch_id": 10, "name": "活动室", "address": "二楼", "since": "2020-01-01"})
    with pytest.raises(InvalidInput):
        service.add_venue({"branch_id": 20, "name": "活动室", "address": "二楼", "since": "2020-01-01",
                           "until": "2019-01-01"})

"""A known year, seeded over HTTP as the office would enter it, and its yearly report and
scorecard checked figure by figure and item by item (met and not met, with what is
missing). The system is this module's own: every record in it is seeded here.

The year is last year, so that it is whole: as_of is its last day. Members were in the
branch long before the system (counts_from 2019), as at go-live.
"""
import datetime as dt
import io
import itertools

import pytest
from docx import Document
from openpyxl import load_workbook

from activities.domain.bulletins import iso_weeks
from activities.domain.dates import spans
from members.domain.committees import default_term_end
from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
YEAR = TODAY.year - 1
GO_LIVE = "2019-01-01"
sequence = itertools.count(700)


def day(month, date):
    return dt.date(YEAR, month, date).isoformat()


def created(response):
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def year(system):
    """Seed the year once for the module; answers the ids the checks need."""
    from wuji_infra.testing import Api
    from tests.e2e.conftest import ADMIN_PASSWORD
    api = Api(system.base_url).login("admin", ADMIN_PASSWORD)
    return seed(api)


def member(api, branch, name, born, gender="male", kind="tuixiu", relation="unit", **more):
    data = {"name": name, "gender": gender, "id_number": id_number_for(born, next(sequence)),
            "birth_date": born.isoformat(), "branch_id": branch, "retirement_kind": kind,
            "org_relation": relation, "counts_from": GO_LIVE, **more}
    if relation == "community":
        data["community"] = "幸福里社区"
    return created(api.post("/members", data))["id"]


def wait_for(fetch, condition, seconds=30):
    import time
    deadline = time.monotonic() + seconds
    while True:
        result = fetch()
        if condition(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def task_of(api, member_id, cause):
    tasks = wait_for(lambda: api.get("/visit-tasks", params={"member_id": member_id}).json()["items"],
                     lambda items: any(t["cause"] == cause for t in items))
    return next(t for t in tasks if t["cause"] == cause)


def seed(api):
    first = created(api.post("/branches", {"name": "第一党支部", "unit": "市住房和城乡建设局"}))["id"]
    second = created(api.post("/branches", {"name": "第二党支部", "unit": "市住房和城乡建设局"}))["id"]
    # members: ages at YEAR-12-31 are 85, 89, 80 (first); 75, 90 (second, the 90-year-old dies in August)
    wang = member(api, first, "王建国", dt.date(YEAR - 85, 3, 1))
    li = member(api, first, "李秀英", dt.date(YEAR - 89, 6, 1), gender="female", relation="community")
    zhang = member(api, first, "张明", dt.date(YEAR - 80, 1, 15), kind="lixiu")
    zhao = member(api, second, "赵刚", dt.date(YEAR - 75, 11, 30))
    qian = member(api, second, "钱老", dt.date(YEAR - 90, 2, 1))
    # registered today, counting from today: in this year's figures, not in last year's
    member(api, second, "孙新", dt.date(YEAR - 70, 5, 5), counts_from=TODAY.isoformat())
    ids = dict(first=first, second=second, wang=wang, li=li, zhang=zhang, zhao=zhao, qian=qian)

    # committees: the first's term runs; the second's ran out on YEAR-1's 1 March
    created(api.post(f"/branches/{first}/terms", {"starts_on": f"{YEAR - 1}-01-10", "committee": [
        {"member_id": wang, "role": "secretary"}, {"member_id": zhang, "role": "organization"}]}))
    created(api.post(f"/branches/{second}/terms", {"starts_on": f"{YEAR - 4}-03-01", "committee": [
        {"member_id": zhao, "role": "secretary"}]}))

    # study: every month in the first; January, February and April in the second
    for month in range(1, 13):
        created(api.post("/study-sessions", {"branch_id": first, "date": day(month, 10), "topic": f"{month}月学习",
                                             "attendees": [wang, li, zhang]}))
    for month in (1, 2, 4):
        created(api.post("/study-sessions", {"branch_id": second, "date": day(month, 12), "topic": "学习",
                                             "attendees": [zhao, qian]}))
    # bulletins: two issues of 3 and 2 items, one of the year before
    item = {"title": "学习文章", "kind": "article", "text": "正文"}
    created(api.post("/bulletins", {"branch_id": first, "number": 1, "date": day(3, 1), "items": [item] * 3}))
    created(api.post("/bulletins", {"branch_id": first, "number": 2, "date": day(9, 1), "items": [item] * 2}))
    created(api.post("/bulletins", {"branch_id": first, "number": 9, "date": f"{YEAR - 1}-12-01", "items": [item]}))
    # contacts: four in the year (张明's in June is too old for the last quarter), one the year before
    for whom, branch, when in ((wang, first, day(11, 5)), (li, first, day(12, 1)), (zhang, first, day(6, 1)),
                               (zhao, second, day(12, 2)), (wang, first, f"{YEAR - 1}-12-20")):
        created(api.post("/contacts", {"branch_id": branch, "level": "committee_member", "contact_by": "王书记",
                                       "member_id": whom, "date": when, "channel": "visit",
                                       "learned": {"thoughts": "思想稳定"}}))
    # review meetings: two in the year with three experts between them, one the year before
    for when, experts in ((day(4, 2), [wang, zhang]), (day(10, 9), [wang, zhao]), (f"{YEAR - 1}-05-05", [li])):
        created(api.post("/review-meetings", {"kind": "lunzheng", "topic": "旧城改造方案", "date": when,
                                              "organizer": "市住建局", "participants": [
                                                  {"member_id": m, "advice": "建议保留历史街区"} for m in experts]}))
    # honors: one of the year, one of the year before
    created(api.post(f"/members/{wang}/honors", {"title": "星级模范党员", "level": "municipal", "year": YEAR}))
    created(api.post(f"/members/{zhao}/honors", {"title": "优秀共产党员", "level": "bureau", "year": YEAR - 1}))

    # money: a cost booked before the year has a budget is refused, then booked once money is there
    refused = created(api.post("/activities", {
        "branch_id": second, "kind": "culture_show", "date": day(9, 1), "title": "书画展", "place": "老干部活动中心",
        "organizer": "第二党支部", "participants": [zhao], "cost": "300.00"}))
    ids["refused_activity"] = refused["id"]
    wait_for(lambda: api.get(f"/activities/{refused['id']}").json(), lambda a: a.get("cost_status") == "refused")
    created(api.post("/funding/budgets", {"year": YEAR, "source": "special_fund", "amount": "10000.00"}))
    [refusal] = api.get("/funding/refused-expenses", params={"year": YEAR}).json()["items"]
    created(api.post(f"/funding/refused-expenses/{refusal['id']}/book", {}))
    wait_for(lambda: api.get(f"/activities/{refused['id']}").json(), lambda a: a.get("cost_status") == "booked")
    created(api.post("/activities", {
        "branch_id": first, "kind": "volunteer_service", "date": day(5, 1), "title": "社区志愿服务",
        "place": "幸福里社区", "organizer": "第一党支部", "participants": [wang, zhang], "volunteer_hours": "12.5"}))
    created(api.post("/activities", {
        "branch_id": first, "kind": "anniversary_event", "date": day(7, 1), "title": "庆祝建党周年",
        "place": "局会议室", "organizer": "第一党支部", "participants": [wang, li, zhang], "cost": "500.00"}))

    # visits: 李秀英 seen in time, 赵刚 two days late, 钱老's family after her death; 张明 in
    # hospital on 20 December is seen only in January (next year's visit, late for this one)
    for who, when in ((li, day(3, 1)), (zhao, day(6, 10)), (zhang, day(12, 20))):
        created(api.post(f"/members/{who}/health-events", {"kind": "hospitalized", "date": when, "hospital": "市一院"}))
    created(api.post(f"/members/{qian}/health-events", {"kind": "deceased", "date": day(8, 1)}))
    for who, cause, visited, cash, goods in ((li, "hospitalized", day(3, 3), "500.00", "300.00"),
                                             (zhao, "hospitalized", day(6, 15), "1000.00", "545.00"),
                                             (qian, "deceased", day(8, 3), "2000.00", "0.00"),
                                             (zhang, "hospitalized", f"{YEAR + 1}-01-05", "200.00", "0.00")):
        task = task_of(api, who, cause)
        created(api.post(f"/visit-tasks/{task['id']}/complete", {
            "visited_on": visited, "visitors": ["王书记"], "cash": cash, "goods_value": goods}))

    # help cases: one solved in the year, one closed unsolved, one solved the next January
    for who, opened, closed, solved in ((wang, day(2, 1), day(4, 1), True), (li, day(3, 1), day(5, 1), False),
                                        (zhao, day(10, 1), f"{YEAR + 1}-01-10", True)):
        case = created(api.post("/help-cases", {"member_id": who, "title": "房屋维修", "opened_on": opened}))
        created(api.post(f"/help-cases/{case['id']}/close", {"result": "已办理", "solved": solved, "closed_on": closed}))

    # organization life of the first branch: a theme day every month, the yearly meeting and
    # review, a venue; the second has none of them
    for month in range(1, 13):
        created(api.post("/branch-meetings", {"branch_id": first, "kind": "theme_day", "date": day(month, 15),
                                              "topic": f"{month}月主题党日", "place": "活动室",
                                              "participants": [wang, li, zhang]}))
    for kind in ("organization_life", "democratic_review"):
        created(api.post("/branch-meetings", {"branch_id": first, "kind": kind, "date": day(12, 10),
                                              "topic": "年度组织生活", "participants": [wang, li, zhang]}))
    created(api.post("/venues", {"branch_id": first, "name": "老干部活动室", "address": "局机关二楼",
                                 "since": f"{YEAR - 3}-01-01"}))
    return ids


def report(api, **params):
    response = api.get("/reports/annual", params={"year": YEAR, **params})
    assert response.status_code == 200, response.text
    return response


def test_every_figure_of_the_year(api, year):
    answer = report(api).json()
    assert answer["as_of"] == f"{YEAR}-12-31"
    assert answer["figures"] == {
        "members_total": 4, "in_communities": 1, "in_unit": 3, "average_age": 82.3,  # (85 + 89 + 80 + 75) / 4
        "branches": 2, "committees": 1,
        "study_sessions": 15, "bulletin_issues": 2, "bulletin_items": 5, "contacts": 4,
        "help_cases_solved": 1, "visits": 3, "members_visited": 3,
        "condolence_cash": "3500.00", "condolence_goods": "845.00", "condolence_wan": "0.43",
        "review_meetings": 2, "experts_engaged": 3, "volunteer_hours": 12.5,
        "party_anniversary": YEAR - 1921,
    }
    assert [(h["name"], h["title"], h["level"]) for h in answer["honorees"]] == [("王建国", "星级模范党员", "municipal")]
    study = {row["name"]: row["months"] for row in answer["study_by_branch"]}
    assert study["第一党支部"] == [1] * 12 and study["第二党支部"] == [1, 1, 0, 1] + [0] * 8
    kinds = {a["kind"]: a for a in answer["activities_by_kind"]}
    assert kinds["culture_show"]["cost_booked"] == "300.00" and kinds["culture_show"]["cost_refused"] == "0.00"
    assert kinds["volunteer_service"]["volunteer_hours"] == 12.5
    census = answer["census"]
    assert census["totals"]["total"] == 4 and census["totals"]["lixiu"] == 1 and census["totals"]["female"] == 1
    assert (census["totals"]["70_79"], census["totals"]["80_89"]) == (1, 3)
    assert census["changes"]["deceased"] == 1
    money = answer["money"]
    special = next(s for s in money["sources"] if s["source"] == "special_fund")
    # 300 + 500 of activities, 3,500 + 845 of the year's visits: January's visit is next year's money
    assert (special["budget"], special["spent"]) == ("10000.00", "5145.00")
    assert money["refused"] == {"count": 0, "amount": "0.00"}


def test_the_lists_agree_with_the_figures(api, year):
    visits = api.get("/visit-tasks", params={"visited_from": f"{YEAR}-01-01", "visited_to": f"{YEAR}-12-31"}).json()
    assert visits["total"] == 3
    solved = api.get("/help-cases", params={"closed_from": f"{YEAR}-01-01", "closed_to": f"{YEAR}-12-31"}).json()
    assert solved["total"] == 2  # one solved, one closed unsolved: the figure counts the solved one
    engagements = api.get(f"/members/{year['wang']}/engagements").json()
    assert engagements["total"] == 2


def test_this_years_report_counts_from_today_and_a_year_to_come_is_refused(api, year):
    now = api.get("/reports/annual", params={"year": TODAY.year}).json()
    assert now["as_of"] == TODAY.isoformat()
    assert now["figures"]["members_total"] == 5  # 孙新 counts from today
    assert api.get("/reports/annual", params={"year": TODAY.year + 1}).status_code == 400


def items_of(card, name):
    branch = next(b for b in card["branches"] if b["name"] == name)
    return branch, {item["key"]: item for item in branch["items"]}


def test_the_scorecard_item_by_item(api, year):
    response = api.get("/reports/scorecard", params={"year": YEAR})
    assert response.status_code == 200, response.text
    card = response.json()
    first, items = items_of(card, "第一党支部")
    for key in ("committee_complete", "term_current", "seat_vacancy", "study_monthly", "theme_day_monthly",
                "organization_life_meeting", "democratic_review", "venue", "dues_paid", "festival_visits",
                "budget_not_overdrawn", "funds_assured"):
        assert items[key]["met"] and items[key]["missing"] == [], (key, items[key])
    with_issue = {dt.date.fromisoformat(day(3, 1)).isocalendar()[1], dt.date.fromisoformat(day(9, 1)).isocalendar()[1]}
    weeks = [n for n in range(1, len(iso_weeks(YEAR)) + 1) if n not in with_issue]
    assert items["bulletin_weekly"]["missing"] == [f"{YEAR}年第{spans(weeks)}周无学习园地"]
    assert items["visits_twice_yearly"]["missing"] == [
        "王建国 本年走访 0 次（应至少 2 次）", "李秀英 本年走访 1 次（应至少 2 次）", "张明 本年走访 0 次（应至少 2 次）"]
    assert not items["contacts_quarterly"]["met"]
    assert any("张明" in text for text in items["contacts_quarterly"]["missing"])
    assert not items["visits_on_time"]["met"] and any("张明" in t for t in items["visits_on_time"]["missing"])

    second, items = items_of(card, "第二党支部")
    assert items["committee_complete"]["missing"] == ["无现任支部班子"]
    ended = default_term_end(dt.date(YEAR - 4, 3, 1))  # three years less a day
    assert items["term_current"]["missing"] == [
        f"第1届任期已于{ended.isoformat()}届满，逾期 {(dt.date(YEAR, 12, 31) - ended).days} 天未换届"]
    assert not items["study_monthly"]["met"]
    assert items["study_monthly"]["missing"] == [f"{YEAR}年3、5–12月无集体学习"]
    assert not items["visits_on_time"]["met"]
    assert any("赵刚" in t and "2 天" in t for t in items["visits_on_time"]["missing"])
    for key in ("theme_day_monthly", "organization_life_meeting", "democratic_review", "venue"):
        assert not items[key]["met"] and items[key]["missing"], key
    assert first["score"] > second["score"] and 1 <= second["stars"] <= first["stars"] <= 5
    assert all(item["missing"] == [] for item in first["items"] if item["met"])


def test_a_secretary_gets_their_branch_only_and_no_money(api, year, system):
    from wuji_infra.testing import Api
    created(api.post("/accounts", {"username": "secretary1", "password": "Secretary-pass-2026", "role": "secretary",
                                   "branch_ids": [year["first"]]}))
    secretary = Api(system.base_url).login("secretary1", "Secretary-pass-2026")
    answer = report(secretary).json()
    assert answer["money"] is None
    assert answer["figures"]["members_total"] == 3 and answer["figures"]["study_sessions"] == 12
    card = secretary.get("/reports/scorecard", params={"year": YEAR}).json()
    assert [b["name"] for b in card["branches"]] == ["第一党支部"]
    assert secretary.get("/reports/scorecard", params={"year": YEAR, "branch_id": year["second"]}).status_code == 404


def test_the_word_and_excel_files(api, year):
    docx = report(api, format="docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "共有离退休干部党员4人，其中党组织关系转入社区1人，本单位党员3人，平均年龄82.3岁" in text
    assert "全年共组织集体学习15次" in text and "共计0.43万元" in text
    workbook = load_workbook(io.BytesIO(report(api, format="xlsx").content))
    census = {row[0]: row for row in workbook["基本情况统计表"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert census["合计"][1] == 4 and census["本年逝世"][1] == 1
    card = api.get("/reports/scorecard", params={"year": YEAR, "format": "xlsx"})
    assert card.status_code == 200
    sheet = load_workbook(io.BytesIO(card.content))["缺项明细"]
    assert any("赵刚" in (row[5] or "") for row in sheet.iter_rows(min_row=3, values_only=True))

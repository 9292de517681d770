"""The yearly report and the scorecard as the gateway composes them, with fake services:
the figures put together, the points weighed, the policy's rules, the files, and a
service that does not answer."""
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import auth, web
from gateway.errors import ServiceUnavailable
from gateway.models import Base
from gateway.reports import annual, policy, scorecard
from gateway.routes import BY_KEY
from gateway.routes.table import dispatch
from wuji_infra.errors import InvalidInput, NotFound
from wuji_infra.testing import in_memory_store

from . import report_fakes
from .report_fakes import ANNUAL, answer

TODAY = dt.date(2026, 12, 4)
CONTRACT_FIGURES = {
    "members_total", "in_communities", "in_unit", "average_age", "branches", "committees", "study_sessions",
    "bulletin_issues", "bulletin_items", "contacts", "help_cases_solved", "visits", "members_visited",
    "condolence_cash", "condolence_goods", "condolence_wan", "review_meetings", "experts_engaged",
    "volunteer_hours", "party_anniversary"}


class FakeClient:
    def __init__(self, service, calls, down):
        self.service, self.calls, self.down = service, calls, down

    def with_deadline(self, seconds):
        return self

    def __getattr__(self, method):
        def call(*args):
            self.calls.append((f"{self.service}.{method}", args))
            if self.service in self.down:
                raise ServiceUnavailable(f"{self.service} 服务暂无响应")
            return answer(f"{self.service}.{method}", args[0])
        return call


class FakeClock:
    def today(self):
        return TODAY


@pytest.fixture
def store():
    return in_memory_store("gateway", Base.metadata)


def gateway(store, calls, down=()):
    clients = {name: FakeClient(name, calls, down) for name in ("members", "activities", "welfare", "funding")}
    return type("Gateway", (), dict(clients, clock=FakeClock(), db=store))()


def get(store, key, query, role="staff", down=(), calls=None):
    calls = [] if calls is None else calls
    route = BY_KEY[key]
    path = route.path
    request = Request(EnvironBuilder(method=route.method, path=path, query_string=query).get_environ())
    request.environ[web.CALLER] = auth.Caller("clerk", role, 0, [1] if role == "secretary" else None)
    return dispatch(gateway(store, calls, down), route, request, {})


def body(response):
    return json.loads(response.get_data())


# -- the yearly report -------------------------------------------------------------

def test_the_day_counted_is_the_years_last_or_today_and_a_year_to_come_is_refused():
    assert annual.as_of(2025, TODAY) == dt.date(2025, 12, 31)
    assert annual.as_of(2026, TODAY) == TODAY
    for year in (2027, 1999):
        with pytest.raises(InvalidInput) as refused:
            annual.as_of(year, TODAY)
        assert "year" in refused.value.fields


def test_wan_is_cut_to_two_decimals_as_the_report_says_more_than():
    assert annual.wan("1500.00", "845.00") == "0.23"
    assert annual.wan("9999.99") == "0.99"
    assert annual.wan("0.00", "0.00") == "0.00"
    assert annual.wan("123456.78") == "12.34"


def test_the_report_has_every_figure_of_the_contract_from_the_services(store):
    report = body(get(store, "GET /api/v1/reports/annual", "year=2025"))
    assert set(report["figures"]) == CONTRACT_FIGURES
    figures = report["figures"]
    assert (report["year"], report["as_of"]) == (2025, "2025-12-31")
    assert (figures["members_total"], figures["study_sessions"], figures["visits"]) == (3, 13, 5)
    assert (figures["condolence_wan"], figures["party_anniversary"]) == ("0.23", 104)
    assert report["honorees"][0]["name"] == "王建国"
    assert report["money"]["totals"]["spent"] == "2345.00"
    # every branch in the monthly study table, one without sessions as twelve zeros
    assert [(row["name"], row["total"]) for row in report["study_by_branch"]] == [
        ("第一党支部", 13), ("第二党支部", 0), ("第三党支部", 0)]
    assert report["study_by_branch"][1]["months"] == [0] * 12


def test_the_services_are_asked_once_each_with_the_year_and_its_day(store):
    calls = []
    get(store, "GET /api/v1/reports/annual", "year=2026", calls=calls)
    assert sorted(name for name, _ in calls) == sorted(ANNUAL)
    assert {json.dumps(args[0], sort_keys=True) for _, args in calls} == {'{"as_of": "2026-12-04", "year": 2026}'}


def test_a_secretary_gets_no_money_and_funding_is_not_asked(store):
    calls = []
    report = body(get(store, "GET /api/v1/reports/annual", "year=2025", role="secretary", calls=calls))
    assert report["money"] is None
    assert "funding.annual_figures" not in {name for name, _ in calls}


def test_a_service_that_does_not_answer_makes_a_503_naming_it_never_half_a_report(store):
    with pytest.raises(ServiceUnavailable) as refused:
        get(store, "GET /api/v1/reports/annual", "year=2025", down=("welfare", "funding"))
    assert refused.value.fields == {"services": ["funding", "welfare"]}
    assert "funding、welfare" in refused.value.message


@pytest.mark.parametrize("query", ["", "year=abc", "year=2031", "year=2025&format=pdf"])
def test_a_bad_year_or_format_is_a_400(store, query):
    with pytest.raises(InvalidInput):
        get(store, "GET /api/v1/reports/annual", query)


def test_the_word_document_is_organized_by_the_five_basics_with_the_figures_filled_in(store):
    response = get(store, "GET /api/v1/reports/annual", "year=2025&format=docx")
    assert response.content_type == web.DOCX
    assert "filename*=UTF-8''2025" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.get_data()))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [h.split("：")[0] for h in headings] == ["一、基本组织", "二、基本队伍", "三、基本活动", "四、基本制度", "五、基本保障"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "共有离退休干部党员3人，其中党组织关系转入社区1人，本单位党员2人，平均年龄84.3岁" in text
    assert "共计0.23万元" in text and "庆祝建党104周年" in text
    tables = ["\n".join(cell.text for row in table.rows for cell in row.cells) for table in document.tables]
    assert any("星级模范党员\n市级" in table for table in tables)
    assert any("专项经费" in table and "7,655.00" in table for table in tables)


def test_a_secretarys_word_document_says_the_money_is_the_offices(store):
    response = get(store, "GET /api/v1/reports/annual", "year=2025&format=docx", role="secretary")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.get_data())).paragraphs)
    assert "不含经费收支情况" in text


def test_the_workbook_has_the_figures_and_the_yearly_statistics_sheet(store):
    response = get(store, "GET /api/v1/reports/annual", "year=2025&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames[:3] == ["主要数据", "基本情况统计表", "表彰"]
    figures = {row[0]: row[1] for row in workbook["主要数据"].iter_rows(min_row=3, values_only=True)}
    assert figures["离退休干部党员（人）"] == 3 and figures["慰问金、慰问品合计（万元）"] == 0.23
    census = {row[0]: row[1:] for row in workbook["基本情况统计表"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert census["合计"][:7] == (3, 0, 3, 3, 0, 2, 1)
    assert census["比上年增减"][0] == 1 and census["本年新增"][0] == 1
    assert workbook["经费"]["F3"].value == 7655 and workbook["经费"]["F3"].number_format == "#,##0.00"


# -- the scorecard -----------------------------------------------------------------

def test_the_default_policy_follows_the_checklist_and_adds_up_to_100():
    items = scorecard.DEFAULT_POLICY["items"]
    assert sum(item["max_points"] for item in items) == 100
    assert set(scorecard.REQUIRED) <= {item["key"] for item in items}
    assert scorecard.policy_problems(items, scorecard.DEFAULT_POLICY["star_thresholds"]) == {}


def test_each_branch_is_weighed_item_by_item_with_what_is_missing(store):
    card = body(get(store, "GET /api/v1/reports/scorecard", "year=2025"))
    assert card["policy_version"] == 0
    first, second = card["branches"]
    assert (first["name"], first["score"], first["max_score"], first["stars"]) == ("第一党支部", 100, 100, 5)
    # two months without study at 1.5 a miss, one late hospital visit at 1 a miss
    assert second["score"] == 96
    study = next(item for item in second["items"] if item["key"] == "study_monthly")
    assert (study["met"], study["points"], study["max_points"], study["basic"]) == (False, 12, 15, "activities")
    assert study["missing"] == ["2025年3月、5月无集体学习"]
    assert all(item["missing"] == [] for item in first["items"])
    # funding's office-wide items count for every branch
    assert {i["key"] for i in second["items"]} >= {"budget_not_overdrawn", "funds_assured", "dues_paid", "venue"}


def test_one_branch_asked_and_a_branch_not_seen_is_a_404(store, monkeypatch):
    card = body(get(store, "GET /api/v1/reports/scorecard", "year=2025&branch_id=2"))
    assert [b["branch_id"] for b in card["branches"]] == [2]
    monkeypatch.setattr(report_fakes, "scorecard_answers",
                        lambda branch_ids=(1, 2): {"members.scorecard_items": {"branches": []}})
    with pytest.raises(NotFound):
        get(store, "GET /api/v1/reports/scorecard", "year=2025&branch_id=9")


def test_all_or_nothing_items_and_points_per_miss_never_below_zero():
    strict = {"key": "term_current", "max_points": Decimal(10), "per_miss": None}
    per_miss = {"key": "study_monthly", "max_points": Decimal(15), "per_miss": Decimal("1.5")}
    missed = {"met": False, "missing": ["x"], "misses": 20}
    assert scorecard.points_of(strict, missed) == 0
    assert scorecard.points_of(per_miss, missed) == 0
    assert scorecard.points_of(per_miss, dict(missed, misses=3)) == Decimal("10.5")
    assert scorecard.points_of(strict, {"met": True, "missing": [], "misses": 0}) == 10


@pytest.mark.parametrize("score, stars", [(100, 5), (90, 5), (89.5, 4), (80, 4), (75, 3), (60, 2), (59.9, 1), (0, 1)])
def test_stars_by_the_thresholds(score, stars):
    assert scorecard.stars_of(Decimal(str(score)), scorecard.DEFAULT_STAR_THRESHOLDS) == stars


def test_an_item_no_service_judged_is_not_met_and_says_so():
    branch = scorecard.weigh({"branch_id": 1, "name": "一支部"}, {}, scorecard.DEFAULT_POLICY)
    assert branch["score"] == 0 and all(not item["met"] and item["missing"] for item in branch["items"])


# -- the scorecard policy -------------------------------------------------------------

def default_items(**changes):
    items = [{"key": item["key"], "max_points": str(item["max_points"]),
              "per_miss": None if item["per_miss"] is None else str(item["per_miss"])}
             for item in scorecard.DEFAULT_POLICY["items"]]
    for item in items:
        item.update(changes.get(item["key"], {}))
    return items


def test_a_new_version_is_in_force_and_the_old_ones_are_kept(store):
    with store.transaction() as tx:
        assert policy.get_policy(tx.session)["version"] == 0
        items = default_items(venue={"max_points": "3"}, bulletin_weekly={"max_points": "3"})
        saved = policy.set_policy(tx.session, {"items": items, "note": "场所加分"}, "admin", dt.datetime.now(dt.timezone.utc))
    assert saved["version"] == 1 and saved["set_by"] == "admin"
    with store.read() as session:
        current = policy.in_force(session)
        assert next(i for i in current["items"] if i["key"] == "venue")["max_points"] == Decimal(3)
        assert next(i for i in current["items"] if i["key"] == "venue")["title"] == "有固定的活动场所"
        assert policy.history(session, 1, 20)["total"] == 1
    card = body(get(store, "GET /api/v1/reports/scorecard", "year=2025"))
    assert card["policy_version"] == 1
    assert next(i for i in card["branches"][0]["items"] if i["key"] == "venue")["max_points"] == 3


@pytest.mark.parametrize("items, thresholds, field", [
    (default_items(venue={"max_points": "2"}), None, "items"),                          # 101 points
    (default_items(term_current={"enabled": False}, venue={"max_points": "11"}), None, "items"),  # required
    (default_items() + [{"key": "venue", "max_points": "1"}], None, "items"),           # twice
    (default_items(), ["80", "90", "70", "60"], "star_thresholds"),                     # not descending
    (default_items(), ["90", "80"], "star_thresholds"),
    (default_items(venue={"per_miss": "2"}), None, "items"),                            # a miss costs more than the item
])
def test_a_policy_that_does_not_add_up_is_refused_and_nothing_is_kept(store, items, thresholds, field):
    data = {"items": items} if thresholds is None else {"items": items, "star_thresholds": thresholds}
    with pytest.raises(InvalidInput) as refused:
        with store.transaction() as tx:
            policy.set_policy(tx.session, data, "admin", dt.datetime.now(dt.timezone.utc))
    assert field in refused.value.fields
    with store.read() as session:
        assert policy.in_force(session)["version"] == 0


def test_an_unknown_item_is_refused():
    with pytest.raises(InvalidInput) as refused:
        policy.set_policy(None, {"items": [{"key": "parade", "max_points": "100"}]}, "admin", None)
    assert "items" in str(refused.value.fields)

"""The yearly statement, as JSON and as an Excel workbook."""
import base64
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from nameko.testing.services import worker_factory

from funding.domain import subsidy
from funding.models import Base
from funding.service import FundingService
from wuji_infra.clock import FixedClock
from wuji_infra.errors import InvalidInput
from wuji_infra.testing import in_memory_store

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on


@pytest.fixture
def service():
    return worker_factory(FundingService, clock=FixedClock(TODAY), db=in_memory_store("funding", Base.metadata),
                          subsidy_settings=subsidy.SubsidyPolicy(80, Decimal("500.00")))


@pytest.fixture
def booked(service):
    service.add_budget({"year": 2026, "source": "special_fund", "amount": "1000.00"})
    service.add_budget({"year": 2026, "source": "public_fund", "amount": "400.00"})
    service.add_budget({"year": 2025, "source": "public_fund", "amount": "99.00"})
    for category, amount in (("activities", "1100.00"), ("newspapers", "120.50")):
        service.book_expense({"year": 2026, "category": category, "amount": amount, "description": "x"})
    return service


def test_the_statement_splits_income_and_spending(booked):
    statement = booked.get_statement({"year": "2026"})
    assert statement["income"]["special_fund"] == {"budget": "1000.00", "dues_rebate": "0.00", "total": "1000.00"}
    assert statement["spending_by_category"]["activities"] == {
        "total": "1100.00", "special_fund": "1000.00", "public_fund": "100.00", "dues_rebate": "0.00", "unit_subsidy": "0.00"}
    assert statement["spending_by_category"]["newspapers"]["public_fund"] == "120.50"
    assert statement["spending_by_source"] == {"special_fund": "1000.00", "dues_rebate": "0.00",
                                               "public_fund": "220.50", "unit_subsidy": "0.00"}
    assert statement["balances"]["public_fund"] == {"budget": "400.00", "spent": "220.50", "balance": "179.50"}
    with pytest.raises(InvalidInput):
        booked.get_statement({})


def test_the_workbook_has_the_same_figures_under_chinese_headings(booked):
    answer = booked.get_statement_xlsx({"year": "2026"})
    assert answer["filename"] == "funding-statement-2026.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(answer["content_base64"])))
    assert workbook.sheetnames == ["收入", "支出（按类别）", "支出（按来源）", "余额"]
    spending = workbook["支出（按类别）"]
    assert spending["A1"].value == "2026年度党建经费收支表"
    assert [c.value for c in spending[2]] == ["支出类别", "专项经费", "党费返还", "公用经费", "单位补助", "合计"]
    activities = [r for r in spending.iter_rows(min_row=3, values_only=True) if r[0] == "组织活动"][0]
    assert [Decimal(str(v)) for v in activities[1:]] == [Decimal("1000"), 0, Decimal("100"), 0, Decimal("1100")]
    balances = {r[0]: r for r in workbook["余额"].iter_rows(min_row=3, values_only=True)}
    assert Decimal(str(balances["公用经费"][3])) == Decimal("179.50")

"""The dues sheet (党费收缴表): its rules, the workbook written and read, and the handler
downloading and recording it (in-memory store, the service called as SYSTEM or a secretary)."""
import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from funding import dues_sheet as sheets
from funding.domain import dues, subsidy
from wuji_infra import events
from wuji_infra.access import Access
from wuji_infra.errors import InvalidInput, NotFound

TODAY = dt.date(2026, 7, 15)
POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))
D = Decimal


# -- the rules ---------------------------------------------------------------------------

RATES = [(1, D("24.00")), (5, D("0.00")), (7, D("12.00"))]  # 1-4: 24, 5-6: waived, 7-: 12


@pytest.mark.parametrize("month, paid, left_on, state", [
    (3, False, None, dues.OWED), (3, True, None, dues.PAID), (5, False, None, dues.WAIVED),
    (7, False, None, dues.OWED), (8, False, None, dues.LATER),
    (4, False, dt.date(2026, 3, 20), dues.NOT_DUE), (3, False, dt.date(2026, 3, 20), dues.OWED),
])
def test_what_a_month_of_the_sheet_shows(month, paid, left_on, state):
    assert dues.sheet_month_state(2026, month, RATES, paid, left_on, TODAY) == state
    assert dues.sheet_month_state(2026, 2, [(3, D("5.00"))], False, None, TODAY) == dues.NOT_DUE  # before the first rate
    assert dues.sheet_month_state(2026, 2, [], False, None, TODAY) == dues.NOT_DUE  # not fixed


@pytest.mark.parametrize("month, written, paid, left_on, expected", [
    (3, D("24.00"), False, None, (dues.RECORD, D("24.00"))),
    (3, None, False, None, (None, None)),                                    # empty: not paid
    (3, dues.WRITTEN_NOT_DUE, False, None, (None, None)),
    (3, D("24.00"), True, None, (dues.ALREADY_PAID, None)),                  # left as it is, not an error
    (3, None, True, None, (dues.ALREADY_PAID, None)),
    (5, None, False, None, (dues.WAIVED, None)), (5, dues.WRITTEN_WAIVED, False, None, (dues.WAIVED, None)),
    (5, D("24.00"), False, None, (dues.REFUSED, "免缴 (no dues)")),
    (3, D("20.00"), False, None, (dues.REFUSED, "金额应为该月应缴的 24.00 元 (the dues of that month are 24.00)")),
    (3, dues.WRITTEN_WAIVED, False, None, (dues.REFUSED, "该月应缴 24.00 元，不免缴 (the dues of that month are"
                                                         " 24.00: not waived)")),
    (3, dues.WRITTEN_PAID, False, None, (dues.REFUSED, "没有该月的缴纳记录，请填写实缴金额"
                                                       " (no payment recorded: write the amount paid)")),
    (8, D("12.00"), False, None, (dues.REFUSED, "不能预缴以后月份的党费 (dues of a later month cannot be paid yet)")),
    (4, D("24.00"), False, dt.date(2026, 3, 20), (dues.REFUSED, "党员已于 2026-03-20 去世或转出，此后无应缴党费"
                                                                 " (no dues after 2026-03-20, when the member died or left)")),
])
def test_what_a_filled_in_cell_asks(month, written, paid, left_on, expected):
    assert dues.sheet_cell(1, 2026, month, written, RATES, paid, left_on, TODAY) == expected


def test_a_cell_is_refused_for_a_year_not_fixed_a_month_before_the_dues_and_too_far_back():
    assert dues.sheet_cell(1, 2026, 3, D("5.00"), [], False, None, TODAY) == (dues.REFUSED, "尚未核定党费 (dues not fixed)")
    assert dues.sheet_cell(1, 2026, 2, D("5.00"), [(3, D("5.00"))], False, None, TODAY)[1] == "自3月起缴纳 (from month 3)"
    assert dues.sheet_cell(1, 2025, 12, D("5.00"), [(1, D("5.00"))], False, None, dt.date(2026, 7, 1)) == (
        dues.REFUSED, "补缴党费最多6个月 (at most 6 months back)")


def test_the_rate_periods_and_the_amount_shown():
    assert dues.rate_periods(RATES) == [(1, 4, D("24.00")), (5, 6, D("0.00")), (7, 12, D("12.00"))]
    assert dues.rate_periods([(6, D("5.00"))]) == [(6, 12, D("5.00"))]
    assert (dues.sheet_amount(RATES, 7), dues.sheet_amount([(6, D("5.00"))], 2), dues.sheet_amount([], 2)) == (
        D("12.00"), D("5.00"), None)
    assert sheets.remark(dues.rate_periods(RATES)) == "1—4月 24.00 元；5—6月 免缴；7—12月 12.00 元"
    assert sheets.remark(dues.rate_periods([(6, D("5.00"))]), dt.date(2026, 9, 1), "deceased") == (
        "自6月起缴纳；2026-09-01 去世，此后不需缴纳")
    assert sheets.remark(dues.rate_periods([(1, D("5.00"))])) is None


def test_who_may_be_recorded_from_a_sheet():
    assert dues.sheet_member_problem(10, True, False) is None
    assert dues.sheet_member_problem(None, False, False) == "无此党员 (no such member)"
    # to a secretary an unknown member and another branch's read alike
    assert dues.sheet_member_problem(None, False, True) == dues.sheet_member_problem(20, False, True)
    assert dues.sheet_member_problem(10, True, True) is None


@pytest.mark.parametrize("value, written", [
    (None, None), ("  ", None), (24, D("24.00")), (24.5, D("24.50")), ("24.00", D("24.00")), ("￥24元", D("24.00")),
    (D("12.3"), D("12.30")), ("已缴", dues.WRITTEN_PAID), (" 免缴 ", dues.WRITTEN_WAIVED), ("—", dues.WRITTEN_NOT_DUE),
    (0, dues.WRITTEN_WAIVED),
])
def test_what_a_cell_says(value, written):
    assert sheets.written_of(value) == written


@pytest.mark.parametrize("value, reason", [
    ("二十四", "应填写实缴金额"), (-1, "应填写实缴金额"), (24.555, "两位小数"), (True, "应填写实缴金额"),
    (dt.datetime(2026, 3, 1), "应填写实缴金额"), ("NaN", "应填写实缴金额"),
])
def test_a_cell_that_is_no_amount(value, reason):
    with pytest.raises(ValueError, match=reason):
        sheets.written_of(value)


def test_the_member_id_of_a_row():
    assert sheets.member_id_of(7) == 7 and sheets.member_id_of(7.0) == 7 and sheets.member_id_of(" 7 ") == 7
    for bad in ("七", 7.5, -7, True, "7a"):
        with pytest.raises(ValueError, match="整数"):
            sheets.member_id_of(bad)
    with pytest.raises(ValueError, match="必填"):
        sheets.member_id_of(None)


# -- the workbook read back --------------------------------------------------------------

def xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("content, reason", [
    (b"not a workbook at all", "不是有效的 .xlsx 文件"),
    (xlsx([["姓名", "2026年1月"], ["王", 24]]), "没有“党员编号”列"),
    (xlsx([["党员编号", "姓名", "一月"], [1, "王", 24]]), "没有月份列"),
    (xlsx([["党员编号", "2026年1月", "2025年2月"]]), "年份不一致"),
    (xlsx([["党员编号", "2026年1月", "2026年1月"]]), "月份列重复：2026年1月"),
])
def test_a_file_that_is_no_dues_sheet_is_refused(content, reason):
    with pytest.raises(sheets.BadSheet, match=reason):
        sheets.read_sheet(content)


def test_the_headings_are_found_under_a_title_and_blank_rows_are_skipped():
    content = xlsx([["某支部党费收缴表"], ["说明"], ["党员编号", "姓名", "每月应缴(元)", "2026年3月", "2026年4月"],
                    [1, "王", 24, 24, None], [None, None, None, None, None], [2, "李", 30, "已缴", " "]])
    year, months, rows = sheets.read_sheet(content)
    assert (year, months) == (2026, [(3, "2026年3月"), (4, "2026年4月")])
    assert [number for number, _ in rows] == [4, 6]
    assert rows[1][1] == {"党员编号": 2, "姓名": "李", "每月应缴(元)": 30, "2026年3月": "已缴", "2026年4月": " "}


# -- download, fill in, upload -------------------------------------------------------------

def registered(member_id, branch_id, name, pension="4800.00", counts_from=dt.date(2019, 1, 1)):
    return events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": name, "birth_date": dt.date(1940, 1, 2),
        "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": Decimal(pension),
        "counts_from": counts_from}, source="members")


@pytest.fixture
def branch(service):
    """Branch 10: 王建国 24.00 a month, 李秀英 60.00 (waived from May), 张明 (came in May);
    branch 20: 赵刚. 李秀英 paid March."""
    service.on_member_registered(registered(1, 10, "王建国", "4800.00"))
    service.on_member_registered(registered(2, 10, "李秀英", "6000.00"))
    service.on_member_registered(registered(3, 10, "张明", "3000.00", counts_from=dt.date(2026, 5, 20)))
    service.on_member_registered(registered(4, 20, "赵刚", "4000.00"))
    service.fix_dues({"year": 2026}, "staff1")
    service.adjust_dues({"member_id": 2, "year": 2026, "from_month": 5, "monthly_amount": "0.00",
                         "reason": "生活困难"}, "staff1")
    service.pay_dues({"member_id": 2, "year": 2026, "month": 3, "paid_by": "member"}, "staff1")
    return service


def download(service, **query):
    answer = service.dues_sheet({"branch_id": "10", "year": "2026", **query}, "机关第一党支部")
    return answer["filename"], load_workbook(io.BytesIO(base64.b64decode(answer["content_base64"])))


def upload(service, workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return service.record_dues_sheet(base64.b64encode(buffer.getvalue()).decode("ascii"), "treasurer")


def test_the_sheet_lists_the_branchs_members_with_their_months(branch):
    filename, workbook = download(branch)
    sheet = workbook.active
    assert filename == "机关第一党支部2026年党费收缴表.xlsx"
    assert sheet["A1"].value == "机关第一党支部 2026年党费收缴表" and sheet["A2"].value.startswith("填写说明：")
    assert [c.value for c in sheet[3]] == ["党员编号", "姓名", "每月应缴(元)",
                                           *(f"2026年{m}月" for m in range(1, 13)), "备注"]
    assert sheet.freeze_panes == "D4" and sheet.column_dimensions["B"].width == 12
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [row[:3] for row in rows] == [[1, "王建国", 24], [2, "李秀英", "免缴"], [3, "张明", 15]]
    assert rows[0][3:15] == [None] * 12
    assert rows[1][3:15] == [None, None, "已缴", None, "免缴", "免缴", "免缴", "免缴", "免缴", "免缴", "免缴", "免缴"]
    assert rows[2][3:8] == ["—", "—", "—", "—", None]
    assert (rows[1][15], rows[2][15]) == ("1—4月 60.00 元；5—12月 免缴", "自5月起缴纳")
    assert sheet["D4"].fill.fgColor.rgb.endswith("FFF2CC") and not sheet["L4"].fill.fgColor.rgb.endswith("FFF2CC")

    _, one_month = download(branch, month="6")
    assert [c.value for c in one_month.active[3]] == ["党员编号", "姓名", "每月应缴(元)", "2026年6月", "备注"]


def test_the_sheet_filled_in_records_every_payment_at_once(branch):
    _, workbook = download(branch)
    sheet = workbook.active
    for column in "DEF":              # 王建国 pays January to March
        sheet[f"{column}4"] = 24
    sheet["F5"] = 30                  # 李秀英's March: paid before, left as it is
    sheet["D5"] = "60.00"             # and her January
    sheet["H6"] = 15                  # 张明 pays May
    answer = upload(branch, workbook)
    assert (answer["recorded"], answer["already_paid"], answer["waived"], answer["total"]) == (5, 1, 8, "147.00")
    assert answer["members"] == 3 and answer["already_paid_cells"] == [{"row": 5, "member_id": 2, "month": 3}]
    by_month = {m["month"]: m for m in answer["by_month"]}
    assert by_month[1] == {"month": 1, "recorded": 2, "already_paid": 0, "waived": 0, "total": "84.00"}
    assert by_month[5] == {"month": 5, "recorded": 1, "already_paid": 0, "waived": 1, "total": "15.00"}
    payments = branch.list_dues_payments({"year": "2026"}, page_size=50)["items"]
    assert sorted((p["member_id"], p["month"]) for p in payments) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 3), (3, 5)]
    assert {p["recorded_by"] for p in payments if p["member_id"] == 1} == {"treasurer"}
    assert all(p["paid_on"] == "2026-07-15" and p["paid_by"] == "member" for p in payments if p["member_id"] == 1)
    arrears = {a["member_id"]: [m["month"] for m in a["months"]] for a in branch.dues_arrears({"year": "2026"})["items"]}
    assert arrears[1] == [4, 5, 6, 7] and arrears[3] == [6, 7] and 2 in arrears
    assert branch.get_balances({"year": "2026"})["sources"]["dues_rebate"]["budget"] == "103.50"  # half of 60.00 before and of 147.00

    _, again = download(branch)       # the sheet now shows them paid; uploaded as it is, it records nothing
    assert [c.value for c in again.active[4]][3:7] == ["已缴", "已缴", "已缴", None]
    rerun = upload(branch, again)   # its marks (已缴, 免缴, —) name nothing
    assert (rerun["recorded"], rerun["already_paid"], rerun["already_paid_cells"]) == (0, 6, [])


def test_a_bad_sheet_names_every_bad_row_and_records_nothing(branch):
    _, workbook = download(branch)
    sheet = workbook.active
    sheet["D4"] = 24                  # good, but the sheet is refused as a whole
    sheet["E4"] = 20                  # not the dues of February
    sheet["J4"] = 24                  # July is due; August is not yet
    sheet["K4"] = 24
    sheet["H5"] = 30                  # 李秀英's May is waived
    sheet["B6"] = "张敏"              # not 张明's name
    sheet["D6"] = 15                  # 张明 owes from May
    sheet["G6"] = "十五"
    sheet.append([4, "赵刚", 20, 20])  # another branch's member, not refused to the office
    sheet.append([99, "无名", 20, 20])
    sheet.append([1, "王建国", 24, 24])
    with pytest.raises(InvalidInput) as refused:
        upload(branch, workbook)
    assert refused.value.message == "党费收缴表有 8 处错误，未记录任何缴纳 (the sheet has 8 problems: nothing was recorded)"
    assert refused.value.fields == {
        "第4行 2026年2月": ["金额应为该月应缴的 24.00 元 (the dues of that month are 24.00)"],
        "第4行 2026年8月": ["不能预缴以后月份的党费 (dues of a later month cannot be paid yet)"],
        "第5行 2026年5月": ["免缴 (no dues)"],
        "第6行 姓名": ["党员编号 3 是“张明” (the member id is 张明's)"],
        "第6行 2026年1月": ["自5月起缴纳 (from month 5)"],
        "第6行 2026年4月": [sheets._NOT_AN_AMOUNT],
        "第8行 党员编号": ["无此党员 (no such member)"],
        "第9行 党员编号": ["与第4行重复 (the member is on that row too)"],
    }
    assert branch.list_dues_payments({"year": "2026"})["total"] == 1  # 李秀英's March, from before


def test_a_secretary_downloads_and_records_their_branches_only(branch):
    branch.caller = Access("sec", "secretary", (10,))
    with pytest.raises(NotFound):
        branch.dues_sheet({"branch_id": "20", "year": "2026"}, "机关第二党支部")
    _, workbook = download(branch)
    workbook.active.append([4, "赵刚", 20, 20])
    workbook.active.append([99, "无名", 20, 20])
    with pytest.raises(InvalidInput) as refused:
        upload(branch, workbook)
    assert refused.value.fields == {"第7行 党员编号": ["不是您所在支部的党员 (not a member of your branches)"],
                                    "第8行 党员编号": ["不是您所在支部的党员 (not a member of your branches)"]}


@pytest.mark.parametrize("content, reason", [
    ("not base64!", "not base64"), ("", "必填"), (base64.b64encode(b"PK not really").decode(), "不是有效的 .xlsx 文件"),
    (base64.b64encode(xlsx([["党员编号", "姓名", "2026年1月"]])).decode(), "没有党员"),
])
def test_an_upload_that_is_no_sheet_is_refused(branch, content, reason):
    with pytest.raises(InvalidInput) as refused:
        branch.record_dues_sheet(content, "treasurer")
    assert reason in str(refused.value.fields["file"])


def test_a_year_not_fixed_is_a_sheet_of_no_one_and_a_bad_query_is_refused(branch):
    _, empty = download(branch, year="2027")  # a year not fixed yet: a sheet of no one, that says why
    assert empty.active.max_row == 3 and "2027年党费尚未核定的党员不在表内" in empty.active["A2"].value
    for query, field in (({"year": "2026"}, "branch_id"), ({"branch_id": "10", "year": "2026", "month": "13"}, "month"),
                         ({"branch_id": "x", "year": "2026"}, "branch_id")):
        with pytest.raises(InvalidInput) as refused:
            branch.dues_sheet(query, None)
        assert field in refused.value.fields


def test_a_member_withdrawn_as_entered_in_error_is_on_no_sheet_and_no_sheet_pays_for_them(branch):
    _, before = download(branch)          # a sheet downloaded before 张明 was withdrawn
    before.active["H6"] = 15              # his May filled in
    branch.on_member_withdrawn(events.new_event("member_withdrawn", {
        "member_id": 3, "branch_id": 10, "withdrawn_at": dt.datetime(2026, 7, 15, 8, tzinfo=dt.timezone.utc)},
        source="members"))
    _, after = download(branch)
    assert [row[1].value for row in after.active.iter_rows(min_row=4)] == ["王建国", "李秀英"]
    with pytest.raises(InvalidInput) as refused:
        upload(branch, before)
    assert list(refused.value.fields) == ["第6行 党员编号"] and "已撤销" in refused.value.fields["第6行 党员编号"][0]
    month = branch.dues_of_month({"branch_id": "10", "year": "2026", "month": "5"})
    assert [row["name"] for row in month["members"]] == ["李秀英", "王建国"]  # by name; 张明 left out

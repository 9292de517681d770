"""The dues sheet (党费收缴表) as a branch's treasurer uses it, over HTTP: download the sheet,
fill it in with the months paid, upload it; the payments and the arrears follow. A bad
sheet changes nothing and says every bad cell; the same upload retried with its
Idempotency-Key is answered once."""
import datetime as dt
import io
import uuid

import pytest
from openpyxl import load_workbook

from members.domain.roster import id_number_for
from wuji_infra.testing import Api, wait_until

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
YEAR = TODAY.year
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def created(response):
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def branch(system):
    api = Api(system.base_url).login("admin", system.env["ADMIN_PASSWORD"])
    name = f"收缴表第{uuid.uuid4().hex[:4]}支部"
    branch_id = created(api.post("/branches", {"name": name, "unit": "市住房和城乡建设局"}))["id"]
    members = [created(api.post("/members", {
        "name": member, "gender": "male", "id_number": id_number_for(dt.date(1940 + i, 3, 3), 300 + i),
        "birth_date": f"194{i}-03-03", "branch_id": branch_id, "retirement_kind": "tuixiu",
        "pension_monthly": pension}))["id"] for i, (member, pension) in enumerate((("王建国", "4000.00"),
                                                                                    ("李秀英", "6000.00")))]
    def both_fixed():  # the members reach funding by member_registered: fix again until both are known
        created(api.post("/funding/dues/rates", {"year": YEAR, "from_month": 1}))
        return len(api.get("/funding/dues/rates", params={"year": YEAR}).json()["items"]) == 2
    wait_until(both_fixed, "both members' dues fixed")
    return {"api": api, "branch_id": branch_id, "name": name, "members": members}


def download(api, branch_id):
    answer = api.get("/funding/dues/sheet", params={"branch_id": branch_id, "year": YEAR})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == XLSX and "filename*=UTF-8''" in answer.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(answer.content))


def upload(api, workbook, key=None):
    buffer = io.BytesIO()
    workbook.save(buffer)
    headers = {"Content-Type": XLSX, **({"Idempotency-Key": key} if key else {})}
    return api.post("/funding/dues/sheet", data=buffer.getvalue(), headers=headers)


def owed_months(api, member_id):
    items = api.get("/funding/dues/arrears", params={"year": YEAR, "member_id": member_id}).json()["items"]
    return [m["month"] for m in items[0]["months"]] if items else []


def paid_months(api):
    return sorted((p["member_id"], p["month"]) for p in
                  api.get("/funding/dues/payments", params={"year": YEAR, "page_size": 100}).json()["items"])


def test_a_treasurer_downloads_fills_in_and_uploads_the_dues_sheet(branch):
    api, wang, li = branch["api"], *branch["members"]
    workbook = download(api, branch["branch_id"])
    sheet = workbook.active
    assert sheet["A1"].value == f"{branch['name']} {YEAR}年党费收缴表" and sheet.freeze_panes == "D4"
    headings = [c.value for c in sheet[3]]
    assert headings[:3] == ["党员编号", "姓名", "每月应缴(元)"] and headings[-1] == "备注"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=4)}
    assert (rows[wang][1].value, rows[wang][2].value, rows[li][2].value) == ("王建国", 20, 60)
    month = headings.index(f"{YEAR}年{TODAY.month}月")
    assert owed_months(api, wang)[-1] == TODAY.month and paid_months(api) == []

    # a bad sheet: every bad cell named, nothing recorded
    rows[wang][month].value = 20
    rows[li][month].value = "59"
    if TODAY.month < 12:
        rows[li][month + 1].value = 60  # next month: not yet
    refused = upload(api, workbook)
    assert refused.status_code == 400, refused.text
    fields = refused.json()["fields"]
    li_row = rows[li][0].row
    assert fields[f"第{li_row}行 {YEAR}年{TODAY.month}月"] == ["金额应为该月应缴的 60.00 元 (the dues of that month are 60.00)"]
    assert len(fields) == (2 if TODAY.month < 12 else 1)
    assert paid_months(api) == [] and owed_months(api, wang)[-1] == TODAY.month

    # filled in right: both recorded at once; the same request again is answered, not recorded twice
    rows[li][month].value = 60
    if TODAY.month < 12:
        rows[li][month + 1].value = None
    key = f"dues-sheet-{uuid.uuid4().hex[:8]}"
    answer = upload(api, workbook, key)
    assert answer.status_code == 201, answer.text
    recorded = answer.json()
    assert (recorded["year"], recorded["recorded"], recorded["total"]) == (YEAR, 2, "80.00")
    this_month = next(m for m in recorded["by_month"] if m["month"] == TODAY.month)
    assert (this_month["recorded"], this_month["total"]) == (2, "80.00")
    again = upload(api, workbook, key)
    assert (again.status_code, again.json()) == (201, recorded)
    assert paid_months(api) == sorted([(wang, TODAY.month), (li, TODAY.month)])
    assert TODAY.month not in owed_months(api, wang) and TODAY.month not in owed_months(api, li)

    # the sheet now says so; uploaded again (a new request) it records nothing and names the months
    sheet = download(api, branch["branch_id"]).active
    assert {row[month].value for row in sheet.iter_rows(min_row=4)} == {"已缴"}
    rerun = created(upload(api, workbook))
    assert (rerun["recorded"], rerun["already_paid"]) == (0, 2)
    assert {c["member_id"] for c in rerun["already_paid_cells"]} == {wang, li}
    assert len(paid_months(api)) == 2


def test_a_file_that_is_no_dues_sheet_is_refused(branch):
    api = branch["api"]
    answer = api.post("/funding/dues/sheet", data=b"PK\x03\x04 not a workbook", headers={"Content-Type": XLSX})
    assert answer.status_code == 400 and "不是有效的 .xlsx 文件" in answer.json()["message"], answer.text
    assert api.get("/funding/dues/sheet", params={"branch_id": 999999, "year": YEAR}).status_code == 404
    assert api.get("/funding/dues/sheet", params={"branch_id": branch["branch_id"]}).status_code == 400

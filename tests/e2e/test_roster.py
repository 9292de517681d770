"""The roster through HTTP: the Excel template, an import job, its bad rows, the export, history."""
import io
import uuid

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.e2e

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_fill_in_the_template_import_it_follow_the_job_and_read_the_results(api, wait_for):
    branch = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"}).json()

    template = api.get("/members/import-template")
    assert template.status_code == 200 and template.headers["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.active
    headings = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headings.index("党支部") + 1, value=branch["name"])
    bad = [cell.value for cell in sheet[2]]
    bad[headings.index("姓名")] = "错号的人"
    bad[headings.index("身份证号")] = "110105194912310021"   # wrong check digit
    sheet.append(bad)
    buffer = io.BytesIO()
    book.save(buffer)

    started = api.request("POST", "/members/imports", params={"filename": "名册.xlsx"}, data=buffer.getvalue(),
                          headers={"Content-Type": XLSX})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    job = wait_for(lambda: api.get(f"/members/imports/{job_id}").json(), lambda j: j["status"] == "done")
    assert (job["status"], job["created"], job["rejected"], job["progress"]) == ("done", 1, 1, 100)

    errors = api.get(f"/members/imports/{job_id}/errors").json()
    assert [(e["row"], e["column"]) for e in errors["items"]] == [(3, "身份证号")]
    bad_rows = load_workbook(io.BytesIO(api.get(f"/members/imports/{job_id}/errors.xlsx").content)).active
    assert list(bad_rows.iter_rows(values_only=True))[1][1] == "错号的人"

    [member] = api.get("/members", params={"branch_id": branch["id"]}).json()["items"]
    assert member["id_number"] == "11010519491231002X"
    history = api.get(f"/members/{member['id']}/history").json()["items"]
    assert (history[0]["reason"], history[0]["changed_by"]) == ("import", "admin")

    exported = api.get("/members/export", params={"branch_id": branch["id"]})
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [member["name"]]

    term = api.post(f"/branches/{branch['id']}/terms",
                    {"starts_on": "2025-01-01", "committee": [{"member_id": member["id"], "role": "secretary"}]})
    assert term.status_code == 201, term.text
    assert api.get(f"/branches/{branch['id']}").json()["has_secretary"] is True
    assert api.get("/members/figures").json()["committees"] >= 1

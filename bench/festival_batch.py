"""One festival batch with 100,000 members in welfare's tables: time and peak memory.

    .venv/bin/python bench/festival_batch.py
    .venv/bin/python bench/festival_batch.py --members 100000 --visitors 60

Makes a fresh PostgreSQL database (WUJI_TEST_POSTGRES_URL), migrates it, fills
welfare's member facts (ages 70 to 100, some living alone or in hardship) and
the visitors, then runs the Spring Festival batch with the default policy
(80 or more, living alone, in hardship) as the daily timer would: the tasks
and their visit_task_created outbox rows in one transaction. Runs it a
second time, which must create nothing. Each run is a process of its own
(as a welfare process is), which prints its time and its peak resident
memory (imports and all). Goal: under 30 s and 500 MB, and nothing the
second time.
"""
import argparse
import datetime as dt
import os
import random
import json
import resource
import subprocess
import sys
import time

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from welfare.domain import festivals  # noqa: E402
from welfare.handlers import festivals as handlers  # noqa: E402
from welfare.models import MemberFact, Visitor  # noqa: E402
import limits  # noqa: E402  (bench/limits.py)
from wuji_infra import migrations, testing  # noqa: E402
from wuji_infra.clock import FixedClock  # noqa: E402
from wuji_infra.db import Store, make_engine  # noqa: E402


def fill(engine, members, visitors):
    rng = random.Random(4)
    now = dt.datetime.now(dt.timezone.utc)
    rows = [{
        "member_id": n, "branch_id": 1 + n % 40, "name": f"党员{n}",
        "birth_date": dt.date(1926, 1, 1) + dt.timedelta(days=rng.randrange(30 * 365)),
        "status": "active" if rng.random() > 0.03 else "deceased",
        "hardship": rng.random() < 0.05, "lives_alone": rng.random() < 0.12,
        "children_away": rng.random() < 0.2, "mobility_limited": rng.random() < 0.1, "as_of": now,
    } for n in range(1, members + 1)]
    with engine.begin() as connection:
        for start in range(0, len(rows), 10000):
            connection.execute(sa.insert(MemberFact.__table__), rows[start:start + 10000])
        connection.execute(sa.insert(Visitor.__table__), [
            {"name": f"走访人{n}", "role": "staff" if n % 3 else "committee", "pairs": False, "active": True,
             "created_at": now} for n in range(1, visitors + 1)])


def run(url):
    """One batch, in this process: prints a JSON line with what it did."""
    engine = make_engine(url)
    store = Store(sessionmaker(engine, expire_on_commit=False), "welfare")
    started = time.perf_counter()
    with store.transaction() as tx:
        clock = FixedClock(dt.date(2027, 1, 25))
        summary = handlers.festival_batch(tx, "spring_festival", 2027, festivals.Policy(),
                                          today=clock.today(), now=clock.now())
    seconds = time.perf_counter() - started
    engine.dispose()
    loads = list(summary["assignees"].values())
    print(json.dumps({"selected": summary["selected"], "created": summary["created"], "seconds": seconds,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "least": min(loads, default=0), "most": max(loads, default=0)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--visitors", type=int, default=60)
    parser.add_argument("--run", metavar="URL", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.run:
        run(args.run)
        return 0

    with testing.fresh_databases(["welfare"], prefix="wuji_bench") as urls:
        url = urls["welfare"]
        migrations.upgrade("welfare", url)
        engine = make_engine(url)
        fill(engine, args.members, args.visitors)
        print(f"{args.members} members, {args.visitors} visitors; Spring Festival 2027 "
              f"({festivals.festival_date('spring_festival', 2027)}), default policy")
        runs = []
        for label in ("first run", "second run"):
            child = subprocess.run([sys.executable, os.path.abspath(__file__), "--run", url],
                                   capture_output=True, text=True, check=True)
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"{label}: selected {result['selected']}, created {result['created']}, "
                  f"per visitor {result['least']}..{result['most']}; {result['seconds']:.2f} s, "
                  f"peak resident memory {result['rss_mb']:.0f} MB")
            runs.append(result)
        with engine.connect() as connection:
            announced = connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'visit_task_created'"))
        print(f"outbox rows (visit_task_created): {announced}")
        engine.dispose()
    limit_text, limit = limits.postgres_limit()
    per_second = runs[0]["created"] / runs[0]["seconds"]
    print(f"{limit_text}; the first run made {per_second:.0f} tasks/s, "
          f"{per_second / limit['per_second']:.1f}x the one-row commits (its tasks are written in chunks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

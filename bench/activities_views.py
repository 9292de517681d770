"""How long the contact-coverage view and the statistics RPC take on PostgreSQL.

    .venv/bin/python bench/activities_views.py                  # 10,000 members, 20 branches, 3 years
    .venv/bin/python bench/activities_views.py --members 2000 --runs 5

Makes a fresh PostgreSQL database (WUJI_TEST_POSTGRES_URL, as the tests do),
migrates it, fills it with three years of study sessions (one a month per
branch, with attendance), contacts (every member about once a quarter),
activities (two a month per branch), weekly bulletins and review meetings,
then times the handlers behind the coverage view (whole city, and one
branch) and the statistics RPC, on a warm database; then starts the
activities process itself (its Procfile line, on a fresh RabbitMQ vhost) and
times the same calls over RPC, as the gateway makes them. Prints median and
worst of ``--runs``; the goal is under 200 ms each.
"""
import argparse
import datetime as dt
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from activities.domain.activities import ACTIVITY_KINDS  # noqa: E402
from activities.domain.contacts import CONTACT_LEVELS  # noqa: E402
from activities.handlers.contacts import contact_coverage  # noqa: E402
from activities.handlers.statistics import statistics as yearly_statistics  # noqa: E402
from activities.models import (  # noqa: E402
    Activity, Attendance, Bulletin, Contact, MemberFact, ReviewMeeting, ReviewParticipant, StudySession,
)
from wuji_infra import config, migrations, testing  # noqa: E402
from wuji_infra.clock import Clock  # noqa: E402

import limits  # noqa: E402  (bench/limits.py)

GOAL_MS = 200


def fill(session, members, branches, years, today, rng):
    start = dt.date(today.year - years + 1, 1, 1)
    now = dt.datetime.now(dt.timezone.utc)
    branch_of = {m: 1 + (m - 1) % branches for m in range(1, members + 1)}
    session.execute(sa.insert(MemberFact), [
        {"member_id": m, "branch_id": b, "name": f"党员{m}", "status": "deceased" if m % 50 == 0 else "active",
         "specialties": ["城市规划"] if m % 20 == 0 else [], "mobility_limited": m % 7 == 0,
         "registered_on": start - dt.timedelta(days=rng.randint(0, 3000)), "as_of": now}
        for m, b in branch_of.items()])
    by_branch = {}
    for m, b in branch_of.items():
        by_branch.setdefault(b, []).append(m)

    months = [(y, mo) for y in range(start.year, today.year + 1) for mo in range(1, 13) if dt.date(y, mo, 1) <= today]
    session_rows, attendance = [], []
    session_id = 0
    for b, ids in by_branch.items():
        for y, mo in months:
            session_id += 1
            session_rows.append({"id": session_id, "branch_id": b, "date": dt.date(y, mo, 10), "topic": "集体学习",
                                 "materials": ["材料"], "created_at": now})
            attendance += [{"session_id": session_id, "member_id": m, "attended": rng.random() < 0.85} for m in ids]
    session.execute(sa.insert(StudySession), session_rows)
    for chunk in range(0, len(attendance), 50000):
        session.execute(sa.insert(Attendance), attendance[chunk:chunk + 50000])

    days = (today - start).days
    contacts = [{"branch_id": branch_of[m], "level": rng.choice(CONTACT_LEVELS), "contact_by": "王书记",
                 "member_id": m, "date": start + dt.timedelta(days=rng.randint(0, days)), "channel": "visit",
                 "learned": {"life": "安好"}, "created_at": now}
                for m in branch_of for _ in range(years * 4)]
    for chunk in range(0, len(contacts), 50000):
        session.execute(sa.insert(Contact), contacts[chunk:chunk + 50000])

    session.execute(sa.insert(Activity), [
        {"branch_id": b, "kind": rng.choice(ACTIVITY_KINDS), "date": dt.date(y, mo, rng.randint(1, 28)),
         "title": "活动", "place": "活动中心", "organizer": "王书记", "participant_ids": ids[:30],
         "volunteer_hours": Decimal("2.5"), "cost": Decimal(rng.randint(0, 300000)) / 100,
         "expense_category": "activities", "created_at": now}
        for b, ids in by_branch.items() for y, mo in months for _ in range(2)])
    weekly = [start + dt.timedelta(days=d) for d in range(0, days, 7)]
    session.execute(sa.insert(Bulletin), [
        {"branch_id": b, "year": day.year, "number": (day.timetuple().tm_yday - 1) // 7 + 1, "date": day,
         "items": [{"title": "条目", "kind": "article", "text": "正文"}] * 3, "item_count": 3,
         "reach_online": 20, "reach_offline": 5, "created_at": now}
        for b in by_branch for day in weekly])
    experts = [m for m in branch_of if m % 20 == 0]
    for n in range(years * 30):
        meeting = ReviewMeeting(kind="lunzheng", topic="论证", organizer="市规划局", created_at=now,
                                date=start + dt.timedelta(days=rng.randint(0, days)))
        meeting.participants = [ReviewParticipant(member_id=m, advice="建议") for m in rng.sample(experts, 5)]
        session.add(meeting)
    session.commit()
    return len(attendance), len(contacts)


def timed(function, runs):
    figures = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        figures.append((time.perf_counter() - started) * 1000)
    return statistics.median(figures), max(figures)


def over_rpc(url, runs, today):
    """The same calls over RPC to the activities process started from its Procfile line."""
    from wuji_infra.testing import signed_context
    from nameko.standalone.rpc import ServiceRpcClient

    with testing.fresh_vhost("wuji-bench") as amqp_uri, tempfile.TemporaryDirectory() as var_dir:
        config.share_context_secret()
        env = dict(os.environ, AMQP_URI=amqp_uri, ACTIVITIES_DATABASE_URL=url, WUJI_VAR_DIR=var_dir)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        command = shlex.split(testing.procfile(ROOT)["activities"])
        with open(os.path.join(var_dir, "activities.log"), "wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            with ServiceRpcClient("activities", uri=amqp_uri, timeout=30, context_data=signed_context()) as rpc:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        rpc.ping()
                        break
                    except Exception:
                        if time.monotonic() > deadline or process.poll() is not None:
                            raise SystemExit("the activities process did not start; see its log")
                        time.sleep(0.5)
                cases = {
                    "RPC contact_coverage, whole city": lambda: rpc.contact_coverage({}, 1, 20),
                    "RPC contact_coverage, one branch, 500": lambda: rpc.contact_coverage({"branch_id": "3"}, 1, 500),
                    "RPC statistics, one year": lambda: rpc.statistics({"year": str(today.year - 1)}),
                }
                return report(cases, runs)
        finally:
            process.terminate()
            process.wait(timeout=20)


def report(cases, runs):
    """Time each case; returns the slowest median."""
    slowest_median = 0
    for name, function in cases.items():
        function()  # warm the cache and the plan
        median, worst = timed(function, runs)
        slowest_median = max(slowest_median, median)
        print(f"{name:42s} median {median:7.1f} ms   worst {worst:7.1f} ms   ({runs} runs)")
    return slowest_median


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    today = Clock().today()
    rng = random.Random(5)

    with testing.fresh_databases(["activities"], prefix="wuji_bench") as urls:
        url = urls["activities"]
        migrations.upgrade("activities", url)
        engine = sa.create_engine(url)
        sessions = sessionmaker(engine)
        started = time.perf_counter()
        with sessions() as session:
            attendance, contacts = fill(session, args.members, args.branches, args.years, today, rng)
        with engine.connect() as connection:
            connection.execute(sa.text("ANALYZE"))
            connection.commit()
        print(f"filled {args.members} members, {args.branches} branches, {args.years} years "
              f"({attendance} attendance rows, {contacts} contacts) in {time.perf_counter() - started:.1f}s")

        with sessions() as session:
            cases = {
                "coverage view, whole city, first page": lambda: contact_coverage(session, {}, 1, 20, today=today),
                "coverage view, one branch, 500 a page": lambda: contact_coverage(
                    session, {"branch_id": "3"}, 1, 500, today=today),
                "statistics, one year": lambda: yearly_statistics(session, {"year": str(today.year - 1)}),
            }
            slowest_median = report(cases, args.runs)
        engine.dispose()
        slowest_median = max(slowest_median, over_rpc(url, args.runs, today))
    print(f"goal: under {GOAL_MS} ms each: {'met' if slowest_median < GOAL_MS else 'NOT met'} (by median)")
    limit_text, limit = limits.postgres_limit()
    print(f"{limit_text}; the slowest view's median is {slowest_median / limit['p50_ms']:.0f} one-row commits")
    return 0


if __name__ == "__main__":
    sys.exit(main())

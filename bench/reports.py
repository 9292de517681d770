"""How long the yearly report and the scorecard take over 100,000 members and millions of
records across the four services, beside one plain RPC round trip measured in the same run.

    .venv/bin/python bench/reports.py                      # 100,000 members, 100 branches
    .venv/bin/python bench/reports.py --members 20000 --runs 5

Starts every Procfile process on fresh PostgreSQL databases and a fresh RabbitMQ vhost
(as the e2e tests do), fills the databases directly with last year's records (the
roster with terms, honors and deaths; monthly study with attendance, contacts, bulletins,
activities, review meetings, organization life; visits with money, help cases; budgets,
expenses and dues), then times, warm, as a front end calls them:
``GET /api/v1/reports/annual`` and ``GET /api/v1/reports/scorecard`` (the gateway asks the
four services in parallel), each service's own RPC, and one ``members.ping`` round trip.
Prints median and worst of ``--runs`` and each median as a multiple of the round trip.
The goal: each report under 1 s on this machine.
"""
import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal

import requests
import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.limits import describe, scratch_postgres_url  # noqa: E402
from wuji_infra import testing  # noqa: E402

GOAL_MS = 1000
ADMIN_PASSWORD = "bench-Admin-pass-1"
NOW = dt.datetime.now(dt.timezone.utc)
CHUNK = 20000


def insert(engine, table, rows):
    """Insert ``rows`` (an iterable of dicts) into ``table`` (a name) in chunks; answers the count."""
    metadata = sa.MetaData()
    target = sa.Table(table, metadata, autoload_with=engine)
    count, chunk = 0, []
    with engine.begin() as connection:
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                connection.execute(target.insert(), chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            connection.execute(target.insert(), chunk)
            count += len(chunk)
    return count


def fill(urls, members, branches, year, rng):
    """Last year, as an office of ``members`` in ``branches`` would have recorded it."""
    engines = {name: sa.create_engine(url) for name, url in urls.items()}
    first = dt.date(year, 1, 1)
    branch_of = {m: 1 + (m - 1) % branches for m in range(1, members + 1)}
    by_branch = {}
    for m, b in branch_of.items():
        by_branch.setdefault(b, []).append(m)
    dead = {m for m in branch_of if m % 97 == 0}
    counts = {}

    def born(m):
        return dt.date(1925 + m % 40, 1 + m % 12, 1 + m % 28)

    # members
    counts["branches"] = insert(engines["members"], "branches", (
        {"id": b, "name": f"离退休第{b}党支部", "unit": "市住房和城乡建设局", "created_at": NOW} for b in by_branch))
    counts["members"] = insert(engines["members"], "members", (
        {"id": m, "branch_id": b, "name": f"党员{m}", "gender": "male" if m % 3 else "female",
         "id_number": f"{110105000000000000 + m}", "birth_date": born(m), "retirement_kind": "lixiu" if m % 9 == 0 else "tuixiu",
         "org_relation": "community" if m % 4 == 0 else "unit", "community": "北山社区" if m % 4 == 0 else None,
         "lives_alone": m % 11 == 0, "children_away": m % 13 == 0, "mobility_limited": m % 7 == 0,
         "hardship": m % 17 == 0, "specialties": [], "professional_titles": [], "willing_to_serve": False,
         "status": "deceased" if m in dead else "active", "counts_from": dt.date(2019, 1, 1),
         "created_at": NOW, "updated_at": NOW} for m, b in branch_of.items()))
    counts["health_events"] = insert(engines["members"], "health_events", (
        {"member_id": m, "kind": "deceased", "date": first + dt.timedelta(days=m % 360), "request_id": f"d{m}",
         "created_at": NOW} for m in dead))
    counts["terms"] = insert(engines["members"], "terms", (
        {"id": b, "branch_id": b, "starts_on": dt.date(year - 1 - b % 4, 3, 1), "ends_on": dt.date(year + 2 - b % 4, 2, 28),
         "created_at": NOW} for b in by_branch))
    counts["committee_seats"] = insert(engines["members"], "committee_seats", (
        {"term_id": b, "member_id": ids[k], "role": role}
        for b, ids in by_branch.items() for k, role in enumerate(("secretary", "organization", "propaganda"))))
    counts["honors"] = insert(engines["members"], "honors", (
        {"member_id": m, "title": "优秀共产党员", "level": "bureau", "year": year, "created_at": NOW}
        for m in branch_of if m % 50 == 1))

    # the copies of the roster in activities, welfare and funding
    for name, extra in (("activities", {"specialties": [], "mobility_limited": False}),
                        ("welfare", {"hardship": False, "lives_alone": False, "children_away": False,
                                     "mobility_limited": False, "birth_date": None}),
                        ("funding", {"hardship": False, "pension_monthly": Decimal("4800.00"), "birth_date": None})):
        counts[f"{name}.member_facts"] = insert(engines[name], "member_facts", (
            {"member_id": m, "branch_id": b, "name": f"党员{m}", "status": "deceased" if m in dead else "active",
             "as_of": NOW, "registered_on": dt.date(2019, 1, 1), **extra,
             **({"birth_date": born(m)} if "birth_date" in extra else {})}
            for m, b in branch_of.items()))

    # activities: a session a month per branch with everyone's attendance, contacts, bulletins...
    sessions = [{"id": n, "branch_id": b, "date": dt.date(year, month, 10), "topic": "集体学习", "materials": [],
                 "created_at": NOW}
                for n, (b, month) in enumerate(((b, mo) for b in by_branch for mo in range(1, 13) if b % 10 or mo != 5), 1)]
    counts["study_sessions"] = insert(engines["activities"], "study_sessions", sessions)
    counts["attendance"] = insert(engines["activities"], "study_attendance", (
        {"session_id": s["id"], "member_id": m, "attended": rng.random() < 0.85}
        for s in sessions for m in by_branch[s["branch_id"]]))
    counts["contacts"] = insert(engines["activities"], "contacts", (
        {"branch_id": b, "level": "committee_member", "contact_by": "王书记", "member_id": m,
         "date": dt.date(year, 1 + (m + k * 5) % 12, 1 + m % 28), "channel": "visit", "learned": {"thoughts": "好"},
         "created_at": NOW} for m, b in branch_of.items() for k in range(2)))
    counts["bulletins"] = insert(engines["activities"], "bulletins", (
        {"branch_id": b, "year": year, "number": w, "date": dt.date.fromisocalendar(year, w, 3),
         "items": [{"title": "条目", "kind": "article", "text": "正文"}] * 3, "item_count": 3, "reach_online": 20,
         "reach_offline": 5, "created_at": NOW} for b in by_branch for w in range(1, 53) if w % 9))
    counts["activities"] = insert(engines["activities"], "activities", (
        {"branch_id": b, "kind": "volunteer_service" if k % 2 else "themed_practice",
         "date": dt.date(year, 1 + k % 12, 15), "title": "活动", "place": "活动中心", "organizer": "王书记",
         "participant_ids": ids[:30], "volunteer_hours": Decimal("2.5"), "cost": Decimal("300.00"),
         "expense_category": "activities", "cost_status": "booked", "created_at": NOW}
        for b, ids in by_branch.items() for k in range(24)))
    counts["branch_meetings"] = insert(engines["activities"], "branch_meetings", (
        {"branch_id": b, "kind": "theme_day", "date": dt.date(year, month, 20), "topic": "主题党日",
         "participant_ids": ids[:30], "created_at": NOW} for b, ids in by_branch.items() for month in range(1, 13)))
    counts["venues"] = insert(engines["activities"], "venues", (
        {"branch_id": b, "name": "活动室", "address": "局机关", "since": dt.date(2020, 1, 1), "created_at": NOW}
        for b in by_branch if b % 7))
    counts["review_meetings"] = insert(engines["activities"], "review_meetings", (
        {"id": n, "kind": "lunzheng", "topic": "论证", "date": dt.date(year, 1 + n % 12, 5), "organizer": "市规划局",
         "created_at": NOW} for n in range(1, 101)))
    counts["review_participants"] = insert(engines["activities"], "review_participants", (
        {"meeting_id": n, "member_id": 1 + (n * 37 + k * 1009) % members, "advice": "建议"}
        for n in range(1, 101) for k in range(5)))

    # welfare: twice-yearly visits and the hospital visits, some late; help cases
    counts["visit_tasks"] = insert(engines["welfare"], "visit_tasks", (
        {"id": n, "member_id": m, "branch_id": branch_of[m], "cause": "hospitalized" if k == 2 else "festival",
         "cause_date": dt.date(year, 1 + (m + k) % 12, 1), "cause_key": f"bench:{m}:{k}", "reason": "走访",
         "due_date": dt.date(year, 1 + (m + k) % 12, 4), "status": "done", "created_at": NOW}
        for n, (m, k) in enumerate(((m, k) for m in branch_of for k in range(3) if k < 2 or m % 10 == 0), 1)))
    with engines["welfare"].connect() as connection:
        tasks = connection.execute(sa.text("SELECT id, due_date FROM visit_tasks")).all()
    counts["visit_records"] = insert(engines["welfare"], "visit_records", (
        {"task_id": task_id, "visited_on": due + dt.timedelta(days=task_id % 5 - 2), "kind": "home",
         "visitors": ["王书记"], "needs": [], "cash": Decimal("200.00"), "goods_value": Decimal("100.00"),
         "completed_at": NOW, "expense_id": task_id} for task_id, due in tasks))
    counts["help_cases"] = insert(engines["welfare"], "help_cases", (
        {"member_id": m, "title": "维修", "status": "closed", "opened_on": dt.date(year, 1 + m % 12, 1),
         "closed_on": dt.date(year, 1 + m % 12, 20), "solved": m % 3 != 0, "created_at": NOW}
        for m in branch_of if m % 5 == 0))

    # funding: budgets and spending of the four sources, dues fixed and paid
    sources = ("special_fund", "dues_rebate", "public_fund", "unit_subsidy")
    counts["source_balances"] = insert(engines["funding"], "source_balances", (
        {"year": year, "source": s, "income_fen": 100_000_000, "spent_fen": 40_000_000} for s in sources))
    counts["ledger_entries"] = insert(engines["funding"], "ledger_entries", (
        {"year": year, "source": sources[n % 4], "kind": "expense" if n % 10 else "budget",
         "amount": Decimal("100.00") if n % 10 else Decimal("10000.00"), "category": "activities" if n % 10 else None,
         "description": "bench", "entry_date": dt.date(year, 1 + n % 12, 1), "recorded_at": NOW}
        for n in range(50000)))
    counts["dues_rates"] = insert(engines["funding"], "dues_rates", (
        {"member_id": m, "year": year, "from_month": 1, "monthly_amount": Decimal("24.00"), "kind": "fixed",
         "reason": "", "recorded_at": NOW} for m in branch_of))
    counts["dues_payments"] = insert(engines["funding"], "dues_payments", (
        {"member_id": m, "year": year, "month": month, "amount": Decimal("24.00"), "paid_by": "member",
         "paid_on": dt.date(year, month, 20), "rebate": Decimal("12.00"), "recorded_at": NOW}
        for m in branch_of if m % 20 for month in range(1, 13)))
    for engine in engines.values():
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
        engine.dispose()
    return counts


def timed(call, runs):
    call()  # warm the caches and the plans
    figures = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        figures.append((time.perf_counter() - started) * 1000)
    return statistics.median(figures), max(figures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    year = dt.date.today().year - 1
    rng = random.Random(12)
    from nameko.standalone.rpc import ServiceRpcClient

    with testing.fresh_vhost("wuji-bench") as amqp_uri, \
            testing.running_system(ROOT, amqp_uri, ADMIN_PASSWORD, prefix="wuji_bench") as system:
        urls = {name: system.env[f"{name.upper()}_DATABASE_URL"] for name in ("members", "activities", "welfare", "funding")}
        started = time.perf_counter()
        counts = fill(urls, args.members, args.branches, year, rng)
        records = sum(counts.values())
        print(f"filled {records:,} records in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        limits, _ = describe(amqp_uri, scratch_postgres_url())
        print(limits)

        api = testing.Api(system.base_url).login("admin", ADMIN_PASSWORD)
        query = {"year": year, "as_of": f"{year}-12-31"}
        cases = {}
        signed = testing.signed_context(system=system)
        with ServiceRpcClient("members", uri=amqp_uri, timeout=60, context_data=signed) as members:
            ping, ping_worst = timed(members.ping, args.runs * 5)
        print(f"{'one RPC round trip (members.ping)':46s} median {ping:8.1f} ms   worst {ping_worst:8.1f} ms")

        def http(path, **params):
            def call():
                response = api.get(path, params={"year": year, **params})
                assert response.status_code == 200, response.text
            return call
        cases["GET /reports/annual (JSON)"] = http("/reports/annual")
        cases["GET /reports/scorecard (JSON)"] = http("/reports/scorecard")
        cases["GET /reports/annual?format=docx"] = http("/reports/annual", format="docx")
        cases["GET /reports/scorecard?format=xlsx"] = http("/reports/scorecard", format="xlsx")
        slowest = 0.0
        for name, call in cases.items():
            median, worst = timed(call, args.runs)
            if "JSON" in name:
                slowest = max(slowest, median)
            print(f"{name:46s} median {median:8.1f} ms   worst {worst:8.1f} ms   = {median / ping:6.1f} round trips")
        for service in ("members", "activities", "welfare", "funding"):
            with ServiceRpcClient(service, uri=amqp_uri, timeout=60, context_data=signed) as rpc:
                for method in ("annual_figures", "scorecard_items"):
                    median, worst = timed(lambda: getattr(rpc, method)(dict(query, branch_ids=None)), args.runs)
                    print(f"{'  RPC ' + service + '.' + method:46s} median {median:8.1f} ms   worst {worst:8.1f} ms")
    print(f"goal: each report under {GOAL_MS} ms over {args.members:,} members and {records:,} records: "
          f"{'met' if slowest < GOAL_MS else 'NOT met'} (slowest median {slowest:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Throughput of expense booking: 8 concurrent clients over HTTP, funding on PostgreSQL.

    .venv/bin/python bench/funding_expenses.py                    # 8 clients, 20 s
    .venv/bin/python bench/funding_expenses.py --clients 8 --seconds 30

Starts every Procfile process on a fresh RabbitMQ vhost and fresh PostgreSQL
databases (as the e2e tests do), gives the four sources budgets that cover
only part of what the clients will ask for, and lets each client book
expenses (random categories and amounts) as fast as answers come back, so the
last part of the run is refused with 409 while the sources empty. Prints
expenses per second (booked and refused answers both count as served; booked
alone too) and latency percentiles, then checks in the database that no
balance went below zero and that every balance equals the ledger's income
minus its spending. Exits 1 when a check fails or an answer was neither 201
nor 409.
"""
import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal

import requests
import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import limits  # noqa: E402  (bench/limits.py)
from funding.domain import ledger  # noqa: E402
from wuji_infra import testing  # noqa: E402

PASSWORD = "bench-Admin-pass-1"
YEAR = 2030


def client(base_url, token, stop_at, seed, results):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    rng = random.Random(seed)
    categories = list(ledger.CATEGORIES)
    while time.perf_counter() < stop_at:
        body = {"year": YEAR, "category": rng.choice(categories),
                "amount": f"{rng.randint(100, 50000) / 100:.2f}", "description": "基准测试支出"}
        started = time.perf_counter()
        answer = session.post(base_url + "/api/v1/funding/expenses", json=body, timeout=30)
        results.append((answer.status_code, time.perf_counter() - started))


def check_books(db_url):
    """Problems found in the database: a source below zero, a balance not equal to its ledger."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    problems = []
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT source, income_fen, spent_fen FROM source_balances WHERE year = :year"), {"year": YEAR}).all()
            sums = dict(((s, k), t) for s, k, t in connection.execute(sa.text(
                "SELECT source, kind, sum(amount) FROM ledger_entries WHERE year = :year GROUP BY source, kind"),
                {"year": YEAR}))
            unsplit = connection.execute(sa.text(
                "SELECT count(*) FROM expenses e WHERE e.amount <> (SELECT sum(l.amount) FROM ledger_entries l"
                " WHERE l.expense_id = e.id AND l.kind = 'expense')")).scalar()
    finally:
        engine.dispose()
    for source, income_fen, spent_fen in rows:
        income, spent = ledger.source_totals([(kind, total) for (s, kind), total in sums.items() if s == source])
        if income_fen - spent_fen < 0:
            problems.append(f"{source} below zero: {(income_fen - spent_fen) / 100}")
        if Decimal(income_fen - spent_fen) / 100 != income - spent:
            problems.append(f"{source}: balance {(income_fen - spent_fen) / 100} but ledger says {income - spent}")
        print(f"  {source:13} income {income:>12}  spent {spent:>12}  balance {income - spent:>12}")
    if unsplit:
        problems.append(f"{unsplit} expenses whose ledger entries do not add up to them")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--budget", default="400000.00", help="yuan per source")
    args = parser.parse_args()

    with testing.fresh_vhost("wuji-bench") as amqp_uri, \
            testing.running_system(ROOT, amqp_uri, PASSWORD, prefix="wuji_bench") as system:
        api = testing.Api(system.base_url).login("admin", PASSWORD)
        for source in ledger.SOURCES:
            answer = api.post("/funding/budgets", {"year": YEAR, "source": source, "amount": args.budget})
            assert answer.status_code == 201, answer.text
        token = api.session.headers["Authorization"].split()[1]
        limit_text, limit = limits.describe(amqp_uri, limits.scratch_postgres_url(), clients=args.clients)
        print(limit_text, flush=True)

        results = []
        stop_at = time.perf_counter() + args.seconds
        elapsed = limits.run_threads(client, [(system.base_url, token, stop_at, n, results)
                                              for n in range(args.clients)])

        booked = [t for status, t in results if status == 201]
        refused = [t for status, t in results if status == 409]
        other = [status for status, _ in results if status not in (201, 409)]
        latencies = [t * 1000 for _, t in results]
        print(f"{args.clients} clients, {elapsed:.1f} s: {len(results)} answers "
              f"({len(booked)} booked, {len(refused)} refused 409, {len(other)} other)")
        print(f"  expenses/s served: {len(results) / elapsed:.0f}   booked/s: {len(booked) / elapsed:.0f}")
        print(f"  latency ms: p50 {statistics.median(latencies):.1f}  p95 {limits.percentile(latencies, 95):.1f}"
              f"  p99 {limits.percentile(latencies, 99):.1f}  max {max(latencies):.1f}")
        commits = limit["postgres_many"]["per_second"]
        print(f"  against the limit: {len(results) / elapsed:.0f} expenses/s is {len(results) / elapsed / commits:.1%} of"
              f" PostgreSQL's {commits:.0f} commits/s on {args.clients} connections; p50"
              f" {statistics.median(latencies) / limit['postgres_one']['p50_ms']:.0f}x one bare commit")
        print("books after the run:")
        problems = check_books(system.env["FUNDING_DATABASE_URL"])
        if other:
            problems.append(f"unexpected answers: {sorted(set(other))}")
        print("no overdraft, balances equal the ledger" if not problems else "PROBLEMS: " + "; ".join(problems))
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

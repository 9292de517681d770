"""The console's first load and the dashboard's API calls under 20 users at once.

    .venv/bin/python bench/console.py                       # 10 branches, 600 members, 20 users
    .venv/bin/python bench/console.py --members 2000 --users 20 --seconds 20

Starts every Procfile process on a fresh vhost and fresh PostgreSQL databases (as the e2e
tests do), with the built console (make console), and fills an office over HTTP: branches,
members, hospitalizations (visit tasks and subsidy checks), budgets, study sessions.

1. First load, in Debian's Chromium (Playwright), nothing cached: the bytes sent (gzipped
   as sent), the requests, and the time from navigation to the dashboard drawn (every
   figure filled and both charts painted; the scorecard panel loads after, timed apart).
2. The dashboard's calls under `--users` users, two ways, for `--seconds` each: every user
   opening the dashboard (its calls six at a time, as a browser does), reading it for
   `--think` seconds, opening it again; then every user asking without a pause (the most the
   machine serves: a saturation test, not a day at the office). p50 / p95 per call, and
   the whole dashboard's time.
Printed beside the limits of the same run: one broker hop, PostgreSQL commits, and the
gateway's own floor under the same 20 users: GET /api/v1/auth/me (HTTP and the gateway's
database, no RPC) and GET /api/v1/branches/{id} (HTTP and one RPC).
"""
import argparse
import concurrent.futures
import datetime as dt
import os
import random
import shutil
import sys
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import limits  # noqa: E402  (bench/limits.py)
from members.domain.roster import id_number_for  # noqa: E402
from wuji_infra import config, testing  # noqa: E402

PASSWORD = "bench-Admin-pass-1"
CONSOLE = os.path.join(ROOT, "console", "dist")
CHROMIUM = config.env("WUJI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def fill(api, branches, members):
    year = dt.date.today().year
    branch_ids = [api.post("/branches", {"name": f"第{n + 1}离退休干部党支部", "unit": "市直机关"}).json()["id"]
                  for n in range(branches)]

    def register(i):
        born = dt.date(1928 + i % 30, 1 + i % 12, 1 + i % 28)
        answer = api.post("/members", {
            "name": f"党员{i}", "gender": "male" if i % 2 else "female", "id_number": id_number_for(born, i % 1000),
            "birth_date": born.isoformat(), "branch_id": branch_ids[i % branches], "retirement_kind": "tuixiu",
            "pension_monthly": "5200.00", "hardship": i % 4 == 0, "lives_alone": i % 5 == 0})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        member_ids = list(pool.map(register, range(members)))
    for source, amount in (("special_fund", "200000.00"), ("public_fund", "80000.00"), ("unit_subsidy", "50000.00")):
        api.post("/funding/budgets", {"year": year, "source": source, "amount": amount})
    today = dt.date.today()
    for member_id in member_ids[: max(20, members // 20)]:  # one in twenty in hospital: tasks and checks
        api.post(f"/members/{member_id}/health-events", {"kind": "hospitalized", "date": today.isoformat(),
                                                         "hospital": "市第一人民医院"})
    return branch_ids, member_ids


def first_load(base_url, token, expires_in, repeats=5):
    """Median over ``repeats`` cold loads: ms to the dashboard drawn, bytes, requests; and the scorecard's ms."""
    from playwright.sync_api import sync_playwright

    session = {"token": token, "expiresAt": int(time.time() * 1000) + expires_in * 1000,
               "account": requests.get(base_url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()}
    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeats):
            context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
            context.add_init_script(f"localStorage.setItem('wuji.session', {repr(__import__('json').dumps(session))})")
            page = context.new_page()
            sizes = []
            page.on("requestfinished", lambda request: sizes.append(request.sizes()))
            started = time.perf_counter()
            page.goto("/")
            page.wait_for_function("""() => {
                const figures = [...document.querySelectorAll('[data-test=figures] .figure')];
                return figures.length >= 6 && figures.every((f) => f.textContent.trim() !== '…')
                    && document.querySelectorAll('canvas').length >= 2 }""", timeout=30000)
            drawn = (time.perf_counter() - started) * 1000
            page.wait_for_function("""() => { const p = document.querySelector('[data-test=scorecard-missing]');
                return p && !p.textContent.includes('正在计算') }""", timeout=60000)
            scorecard = (time.perf_counter() - started) * 1000
            page.wait_for_load_state("networkidle")
            runs.append({"drawn_ms": drawn, "scorecard_ms": scorecard, "requests": len(sizes),
                         "bytes": sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)})
            context.close()
        browser.close()
    middle = lambda key: sorted(r[key] for r in runs)[len(runs) // 2]  # noqa: E731
    return {key: middle(key) for key in runs[0]}


def dashboard_calls(branch_ids):
    """The calls the dashboard makes (views/Dashboard.vue), by name."""
    year = dt.date.today().year
    soon = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    calls = {
        "members/figures": ("/members/figures", {}),
        "visit-tasks overdue": ("/visit-tasks", {"status": "overdue", "page_size": 10}),
        "visit-tasks due soon": ("/visit-tasks", {"status": "open", "due_before": soon, "page_size": 10}),
        "help-cases open": ("/help-cases", {"status": "open", "page_size": 1}),
        "funding/balances": ("/funding/balances", {"year": year}),
        "branches": ("/branches", {"page_size": 500}),
        "members?ids (names)": ("/members", {"ids": ",".join(str(i) for i in range(1, 21)), "page_size": 500}),
    }
    for n, branch_id in enumerate(branch_ids[:3]):
        calls[f"study-compliance ({n + 1})"] = ("/study-compliance", {"branch_id": branch_id, "year": year})
    return calls


BROWSER_CONNECTIONS = 6  # a browser asks one host at most six things at once


def under_load(base_url, token, calls, users, seconds, think=0.0):
    """p50/p95 ms of each call and of the whole set, ``users`` at once each asking the whole set
    (``BROWSER_CONNECTIONS`` at a time when ``think``, one after another without), then pausing
    ``think`` seconds (staggered starts), for ``seconds``."""
    latencies = {name: [] for name in calls}
    wholes, errors = [], []
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()

    def user(seed):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=BROWSER_CONNECTIONS)
        session.mount("http://", adapter)
        order = list(calls.items())
        random.Random(seed).shuffle(order)
        mine, my_wholes = {name: [] for name in calls}, []

        def ask(item):
            name, (path, query) = item
            started = time.perf_counter()
            answer = session.get(base_url + "/api/v1" + path, params=query, timeout=30)
            mine[name].append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                errors.append(f"{name}: {answer.status_code}")

        if think:
            time.sleep(random.Random(seed).uniform(0, think))
        with concurrent.futures.ThreadPoolExecutor(BROWSER_CONNECTIONS if think else 1) as browser:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                list(browser.map(ask, order))
                my_wholes.append((time.perf_counter() - started) * 1000)
                time.sleep(think)
        with lock:
            for name, values in mine.items():
                latencies[name].extend(values)
            wholes.extend(my_wholes)

    with concurrent.futures.ThreadPoolExecutor(users) as pool:
        list(pool.map(user, range(users)))
    figures = {name: (limits.percentile(v, 50), limits.percentile(v, 95), len(v)) for name, v in latencies.items()}
    figures["(the whole dashboard)"] = (limits.percentile(wholes, 50), limits.percentile(wholes, 95), len(wholes))
    return figures, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=10)
    parser.add_argument("--members", type=int, default=600)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--think", type=float, default=5.0, help="seconds a user reads the dashboard before opening it again")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(CONSOLE, "index.html")):
        sys.exit("the console is not built: make console")
    config.use_office_time_zone()
    with testing.fresh_vhost("wuji-bench") as amqp_uri, \
            testing.running_system(ROOT, amqp_uri, PASSWORD, prefix="wuji_bench",
                                   extra_env={"WUJI_CONSOLE_DIR": CONSOLE}) as system:
        api = testing.Api(system.base_url).login("admin", PASSWORD)
        print(f"filling: {args.branches} branches, {args.members} members ...", flush=True)
        branch_ids, _ = fill(api, args.branches, args.members)
        time.sleep(3)  # the events of the filling settle
        token_answer = requests.post(system.base_url + "/api/v1/auth/token",
                                     json={"username": "admin", "password": PASSWORD}).json()
        token = token_answer["access_token"]

        limit_text, _ = limits.describe(amqp_uri, limits.scratch_postgres_url())
        print(limit_text, flush=True)
        floors, floor_errors = under_load(system.base_url, token, {
            "auth/me (HTTP, gateway db)": ("/auth/me", {}),
            "branches/{id} (HTTP + one RPC)": (f"/branches/{branch_ids[0]}", {})}, args.users, 5)
        floors.pop("(the whole dashboard)")
        rpc_p95 = floors["branches/{id} (HTTP + one RPC)"][1]
        print(f"gateway floor at {args.users} users: " + "; ".join(
            f"{name} p50 {p50:.1f} ms, p95 {p95:.1f} ms" for name, (p50, p95, _) in floors.items()), flush=True)

        load = first_load(system.base_url, token, token_answer["expires_in"])
        print(f"first load (cold cache, median of 5): dashboard drawn in {load['drawn_ms']:.0f} ms "
              f"(goal 1,000 ms), {load['requests']} requests, {load['bytes'] / 1024:.0f} KiB sent; "
              f"scorecard panel filled at {load['scorecard_ms']:.0f} ms", flush=True)

        errors = list(floor_errors)
        for think, what in ((args.think, f"each opening the dashboard, reading it {args.think:g} s, opening it again"),
                            (0.0, "each asking without a pause (saturation)")):
            figures, failed = under_load(system.base_url, token, dashboard_calls(branch_ids), args.users, args.seconds, think)
            errors += failed
            print(f"the dashboard's calls, {args.users} users {what}, {args.seconds} s "
                  f"(goal p95 < 100 ms; ratio = p95 / p95 of HTTP + one RPC at {args.users} users):")
            for name, (p50, p95, count) in figures.items():
                print(f"  {name:<26} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({p95 / rpc_p95:4.1f}x)  n={count}", flush=True)
        if errors:
            print(f"errors: {len(errors)}, e.g. {errors[:3]}")


if __name__ == "__main__":
    main()

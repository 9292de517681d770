"""How soon a hospitalization reaches the office's group chat and the secretary's to-do list.

    .venv/bin/python bench/push_latency.py                  # 5 hospitalizations a second for 20 s
    .venv/bin/python bench/push_latency.py --rate 10 --seconds 30

Starts every Procfile process on a fresh vhost and fresh PostgreSQL databases, with a local HTTP
server standing in for the group robot (企业微信's answer, ``{"errcode": 0}``) and no quiet hours.
Records hospitalizations over HTTP at a steady rate and times, for each, the moment the robot
receives the line naming the member (the path: members → the event → notifications makes the
item and its push in one transaction → the sender's timer, every 2 s, sends what is due, several
items in one message). Also times one to-do item reaching the list (GET /api/v1/todos, polled).
Prints p50/p95/p99 beside the infrastructure's own limits measured in the same run, and the
sender's interval, which bounds the wait from above: a push waits for the sender's next pass.
"""
import argparse
import concurrent.futures
import datetime as dt
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import limits  # noqa: E402  (bench/limits.py)
from hospitalization_latency import register_members, wait_until_queues_drain  # noqa: E402
from notifications.service import SEND_SECONDS  # noqa: E402
from wuji_infra import testing  # noqa: E402

PASSWORD = "bench-Admin-pass-1"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=5, help="hospitalizations a second")
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    count = args.rate * args.seconds

    robot = testing.LocalRobot()
    webhook = robot.url()
    with testing.fresh_vhost("wuji-bench") as amqp_uri, testing.running_system(
            ROOT, amqp_uri, PASSWORD, prefix="wuji_bench",
            extra_env={"NOTIFY_WEBHOOK_URL": webhook, "NOTIFY_WEBHOOK_KIND": "wecom"}) as system:
        api = testing.Api(system.base_url).login("admin", PASSWORD)
        api.put("/notifications/policy", {"quiet_hours": None, "digest_hour": 23})
        branch = api.post("/branches", {"name": "推送基准支部", "unit": "市住建局"}).json()
        print(f"registering {count + 1} members ...", flush=True)
        member_ids = register_members(api, branch["id"], count + 1)
        wait_until_queues_drain(amqp_uri)
        limit_text, limit = limits.describe(amqp_uri, limits.scratch_postgres_url())
        print(limit_text, flush=True)

        import requests
        session = requests.Session()
        session.headers["Authorization"] = api.session.headers["Authorization"]
        url = system.base_url + "/api/v1/members/{}/health-events"
        today = dt.date.today().isoformat()
        sent = {}

        def send(member_id):
            sent[member_id] = time.perf_counter()
            response = session.post(url.format(member_id), json={"kind": "hospitalized", "date": today,
                                                                  "hospital": "市第一人民医院"}, timeout=30)
            assert response.status_code == 201, response.text

        # one item to the list, timed by polling the list as a console would (every 20 ms)
        staff = "bench.staff"
        api.post("/accounts", {"username": staff, "password": "Bench-Staff-pass-9", "role": "staff"})
        watcher = testing.Api(system.base_url).login(staff, "Bench-Staff-pass-9")
        first = member_ids.pop()
        send(first)
        while not watcher.get("/todos", params={"member_id": first}).json()["total"]:
            time.sleep(0.02)
        to_list_ms = (time.perf_counter() - sent[first]) * 1000

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            for i, member_id in enumerate(member_ids[:count]):
                delay = start + i / args.rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, member_id)
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and not all(robot.naming(f"党员 #{m}）") for m in member_ids[:count]):
            time.sleep(0.2)
        arrived = {m: robot.naming(f"党员 #{m}）") for m in member_ids[:count]}
        latencies = [(found[0]["at"] - sent[m]) * 1000 for m, found in arrived.items() if found]
        hop = limit["broker"]["p50_ms"]
        floor = SEND_SECONDS * 1000
        p50, p95, p99 = (limits.percentile(latencies, p) for p in (50, 95, 99))
        print(f"one item on the staff list: {to_list_ms:.0f} ms after the POST ({to_list_ms / hop:.0f}x one broker hop)")
        print(f"{args.rate}/s for {args.seconds} s: {len(latencies)}/{count} pushed in {len(robot.received)} messages; "
              f"POST → robot p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
        print(f"        against the limits: p50 {p50 / floor:.2f}x and p99 {p99 / floor:.2f}x the sender's interval "
              f"({floor:.0f} ms: a push waits for the sender's next pass, so about half of it on average)")
    robot.close()


if __name__ == "__main__":
    main()

"""Latency of the spine: HTTP hospitalization -> visit_task_created, at steady rates.

    .venv/bin/python bench/hospitalization_latency.py                 # 50/s, then find the top rate
    .venv/bin/python bench/hospitalization_latency.py --rates 50 --seconds 30

Starts every Procfile process on a fresh RabbitMQ vhost and fresh PostgreSQL
databases (as the e2e tests do), registers members, then records
hospitalizations over HTTP at each steady rate and listens on welfare.events
for each member's visit_task_created. Latency is from the moment the HTTP
request is sent to the moment the event arrives. Prints p50/p95/p99 per rate;
a rate is "sustained" when every task arrived, the requests kept pace, and
p99 stayed under the goal (50 ms by default). After each rate it prints the
CPU each process spent per hospitalization (Procfile processes, PostgreSQL and
RabbitMQ as a whole; on a shared machine those two count other work too).
"""
import argparse
import concurrent.futures
import datetime as dt
import os
import statistics
import threading
import time
import uuid

from kombu import Connection, Exchange, Queue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import limits  # noqa: E402  (bench/limits.py)
from members.domain.roster import id_number_for  # noqa: E402
from wuji_infra import events, testing  # noqa: E402

PASSWORD = "bench-Admin-pass-1"


class TaskEvents(threading.Thread):
    """Arrival time of visit_task_created, by member id, from a queue of our own."""

    def __init__(self, amqp_uri):
        super().__init__(daemon=True)
        self.amqp_uri = amqp_uri
        self.arrived = {}
        self.ready = threading.Event()
        self.stopping = False

    def run(self):
        exchange = Exchange("welfare.events", type="topic", durable=True)
        queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", exchange, routing_key="visit_task_created", auto_delete=True)
        with Connection(self.amqp_uri) as connection:
            def on_message(body, message):
                self.arrived[events.from_message(body).data["member_id"]] = time.perf_counter()
                message.ack()

            with connection.Consumer(queue, callbacks=[on_message], accept=["json"]):
                self.ready.set()
                while not self.stopping:
                    try:
                        connection.drain_events(timeout=0.5)
                    except TimeoutError:
                        pass
                    except OSError:
                        pass


def register_members(api, branch_id, count):
    ids = []
    for i in range(count):
        born = dt.date(1930 + i % 25, 1 + i % 12, 1 + i % 28)
        response = api.post("/members", {
            "name": f"党员{i}", "gender": "male", "id_number": id_number_for(born, i % 1000),
            "birth_date": born.isoformat(), "branch_id": branch_id, "retirement_kind": "tuixiu",
            "hardship": i % 3 == 0,
        })
        if response.status_code != 201:
            raise RuntimeError(response.text)
        ids.append(response.json()["id"])
    return ids


def wait_until_queues_drain(amqp_uri, seconds=180):
    """Let the consumers finish the registrations' events before anything is timed."""
    import subprocess
    import urllib.parse

    vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:]) or "/"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "messages"],
                                 capture_output=True, text=True, check=True).stdout.split()
        if sum(int(n) for n in listing if n.isdigit()) == 0:
            return
        time.sleep(1)


def cpu_ms(pid):
    """CPU time (user + system) a process has used, in ms; 0 when it is gone or not ours to read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_by_process(system):
    """CPU used so far by each Procfile process, and by PostgreSQL and RabbitMQ (all their processes)."""
    import subprocess

    used = {name: cpu_ms(process.pid) for name, process in system.processes.items()}
    for name, pattern in (("postgres", ["-u", "postgres"]), ("rabbitmq", ["-f", "beam.smp"])):
        pids = subprocess.run(["pgrep", *pattern], capture_output=True, text=True).stdout.split()
        used[name] = sum(cpu_ms(pid) for pid in pids)
    return used


def run_rate(system, listener, member_ids, rate, seconds, token):
    """Send ``rate`` hospitalizations a second for ``seconds``; return the figures."""
    import requests

    count = rate * seconds
    chosen, member_ids[:] = member_ids[:count], member_ids[count:]
    sent = {}
    statuses = []
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token
    adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=16)
    session.mount("http://", adapter)
    url = system.base_url + "/api/v1/members/{}/health-events"
    today = dt.date.today().isoformat()

    def send(member_id):
        sent[member_id] = time.perf_counter()
        response = session.post(url.format(member_id), json={
            "kind": "hospitalized", "date": today, "hospital": "杭州市第一人民医院"}, timeout=30)
        statuses.append(response.status_code)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        for i, member_id in enumerate(chosen):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, member_id)
    sending = time.perf_counter() - start
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and not all(m in listener.arrived for m in chosen):
        time.sleep(0.05)
    latencies = [(listener.arrived[m] - sent[m]) * 1000 for m in chosen if m in listener.arrived]
    return {
        "rate": rate, "sent": count, "achieved_rate": count / sending,
        "http_errors": sum(1 for s in statuses if s != 201), "arrived": len(latencies),
        "p50": limits.percentile(latencies, 50) if latencies else None,
        "p95": limits.percentile(latencies, 95) if latencies else None,
        "p99": limits.percentile(latencies, 99) if latencies else None,
        "mean": statistics.fmean(latencies) if latencies else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,75,100,150,200", help="hospitalizations per second, in order")
    parser.add_argument("--seconds", type=int, default=20, help="how long each rate is held")
    parser.add_argument("--goal-ms", type=float, default=50.0, help="p99 goal")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    needed = sum(rates) * args.seconds + 20

    with testing.fresh_vhost("wuji-bench") as amqp_uri, \
            testing.running_system(ROOT, amqp_uri, PASSWORD, prefix="wuji_bench") as system:
        api = testing.Api(system.base_url).login("admin", PASSWORD)
        branch = api.post("/branches", {"name": "基准测试支部", "unit": "市住建局"}).json()
        print(f"registering {needed} members ...", flush=True)
        member_ids = register_members(api, branch["id"], needed)
        wait_until_queues_drain(amqp_uri)
        listener = TaskEvents(amqp_uri)
        listener.start()
        listener.ready.wait(10)
        token = api.session.headers["Authorization"].split()[1]
        run_rate(system, listener, member_ids, 10, 2, token)   # warm up connections and pools

        limit_text, limit = limits.describe(amqp_uri, limits.scratch_postgres_url())
        print(limit_text, flush=True)
        hop = limit["broker"]["p50_ms"]

        print(f"{'rate/s':>7} {'achieved':>8} {'errors':>6} {'arrived':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        best = None
        for rate in rates:
            cpu_before = cpu_by_process(system)
            figures = run_rate(system, listener, member_ids, rate, args.seconds, token)
            wait_until_queues_drain(amqp_uri)
            cpu_after = cpu_by_process(system)
            print(f"{figures['rate']:>7} {figures['achieved_rate']:>8.1f} {figures['http_errors']:>6} "
                  f"{figures['arrived']:>5}/{figures['sent']:<4} {figures['p50'] or 0:>6.1f} "
                  f"{figures['p95'] or 0:>8.1f} {figures['p99'] or 0:>8.1f}", flush=True)
            print(f"        against the limit: p50 {(figures['p50'] or 0) / hop:.1f}x and p99 {(figures['p99'] or 0) / hop:.1f}x"
                  f" one bare broker hop ({hop:.2f} ms); the flow takes 4 broker hops and 3 commits", flush=True)
            per_event = {name: (cpu_after[name] - cpu_before[name]) / figures["sent"] for name in cpu_after}
            print("        CPU ms per hospitalization: " + ", ".join(
                f"{name} {ms:.1f}" for name, ms in per_event.items()) + f"; total {sum(per_event.values()):.1f}",
                flush=True)
            sustained = (figures["arrived"] == figures["sent"] and figures["http_errors"] == 0
                         and figures["achieved_rate"] >= 0.95 * rate and figures["p99"] < args.goal_ms)
            if sustained:
                best = rate
        listener.stopping = True
        print(f"highest sustained rate with p99 under {args.goal_ms:.0f} ms: "
              f"{best if best else 'none of the rates tried'}/s")


if __name__ == "__main__":
    main()

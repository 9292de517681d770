"""The three speed goals, each as a ratio to what the infrastructure itself manages in the same
run, so that the verdict holds on a machine three times faster or slower than this one.

1. A hospitalization over HTTP until welfare's ``visit_task_created`` is on the broker: p99 at
   most 5x the sum of its parts' p99 limits (an HTTP request and one RPC in bare nameko, two
   PostgreSQL commits, one bare nameko event hop).
2. The event pipeline with outbox and inbox at least half of bare nameko's event rate: events
   published back to back to a service built as Wuji's are (bench/pipeline_probe.py), which
   claims each in its inbox and emits one through its outbox, until its relay has published
   them all; beside bare nameko's handler that does nothing. Printed after it, not a goal:
   welfare's real work for ``member_hospitalized`` (the task, its rules, its event) the same way.
3. ``GET /api/v1/members/{id}`` at 16 connections at least 0.9x bare nameko's rate of HTTP
   requests that each make one RPC, on PostgreSQL: the two held in turn in short windows
   (limits.alternating), as this machine's own speed drifts within a minute.

    .venv/bin/python bench/goals.py [--members 600] [--rate 20] [--seconds 10]

Every process runs from the Procfile on fresh PostgreSQL databases and a fresh vhost; the
bare nameko services (bench/bare_nameko.py) on the same broker.
"""
import argparse
import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

import limits  # noqa: E402  (bench/limits.py)
import pipeline_probe  # noqa: E402,F401  (describes bench_ping and bench_pong)
from hospitalization_latency import TaskEvents, register_members, run_rate, wait_until_queues_drain  # noqa: E402
from wuji_infra import events, testing  # noqa: E402

PASSWORD = "bench-Admin-pass-1"
CONSUMERS_BESIDE_WELFARE = ("funding", "activities", "notifications")


def commit_p99(postgres_url):
    return limits.postgres_commits(postgres_url, clients=1, seconds=2)["p99_ms"]


def pipeline_rate(system, amqp_uri, members):
    """Welfare's real work: ``member_hospitalized`` for each of ``members`` (``{"id", ...}``) published
    back to back; events a second until welfare's outbox has published every task's event."""
    welfare = sa.create_engine(system.env["WELFARE_DATABASE_URL"], poolclass=sa.pool.NullPool)
    published = sa.text("SELECT count(*) FROM outbox WHERE event_type = 'visit_task_created' "
                        "AND published_at IS NOT NULL")
    with welfare.connect() as connection:
        before = connection.execute(published).scalar_one()
    today = dt.date.today()
    envelopes = [events.to_message(events.new_event("member_hospitalized", {
        "member_id": member["id"], "date": today, "hospital": "市第一人民医院",
        "birth_date": dt.date.fromisoformat(member["birth_date"]), "hardship": member["hardship"],
        "lives_alone": member["lives_alone"], "branch_id": member["branch_id"],
    }, source="members")) for member in members]
    return published_rate(amqp_uri, "members.events", "member_hospitalized", envelopes, welfare, published, before)


@contextlib.contextmanager
def pipeline_probe(amqp_uri):
    """bench/pipeline_probe.py running as a Wuji process does, on a fresh PostgreSQL database;
    yields the database's URL."""
    from wuji_infra.run import NAMEKO_CONFIG
    from wuji_infra.tables import metadata

    with testing.fresh_databases(["bench_pipe"], prefix="wuji_bench") as urls, \
            tempfile.TemporaryFile() as log:
        engine = sa.create_engine(urls["bench_pipe"], poolclass=sa.pool.NullPool)
        metadata.create_all(engine)
        engine.dispose()
        env = dict(os.environ, AMQP_URI=amqp_uri, BENCH_PIPE_DATABASE_URL=urls["bench_pipe"], LOG_FORMAT="json")
        process = subprocess.Popen([sys.executable, "-m", "wuji_infra.nameko_cli", "run", "--config", NAMEKO_CONFIG,
                                    "pipeline_probe:PipelineProbe"], cwd=os.path.join(ROOT, "bench"), env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(3)
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError("the pipeline probe did not start:\n" + log.read().decode(errors="replace"))
            yield urls["bench_pipe"]
        finally:
            process.terminate()
            process.wait(timeout=30)


def probe_rate(amqp_uri, url, count):
    """``bench_ping`` published back to back; a second until every ``bench_pong`` is published."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    published = sa.text("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
    with engine.connect() as connection:
        before = connection.execute(published).scalar_one()
    pings = [events.to_message(events.new_event("bench_ping", {"n": n})) for n in range(count)]
    return published_rate(amqp_uri, "bench_source.events", "bench_ping", pings, engine, published, before)


def published_rate(amqp_uri, exchange, routing_key, envelopes, engine, published, before):
    """Publish ``envelopes`` back to back; events a second from the first publish until the
    count ``published`` (a query on ``engine``) has grown by as many (or 300 s have passed)."""
    sent = limits.publish_events(amqp_uri, exchange, routing_key, envelopes)
    done, deadline = before, time.monotonic() + 300
    while done < before + len(envelopes) and time.monotonic() < deadline:
        time.sleep(0.02)
        with engine.connect() as connection:
            done = connection.execute(published).scalar_one()
    finished = time.time()
    engine.dispose()
    return {"per_second": (done - before) / (finished - sent[0]), "handled": done - before}


def verdict(met):
    return "met" if met else "NOT MET"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=600, help="members for the pipeline's events")
    parser.add_argument("--rate", type=int, default=20, help="hospitalizations a second for goal 1")
    parser.add_argument("--seconds", type=int, default=10, help="how long each load is held")
    args = parser.parse_args()

    with testing.fresh_vhost("wuji-bench") as amqp_uri, \
            testing.running_system(ROOT, amqp_uri, PASSWORD, prefix="wuji_bench") as system, \
            limits.BareNameko(amqp_uri) as bare, pipeline_probe(amqp_uri) as probe_url:
        api = testing.Api(system.base_url).login("admin", PASSWORD)
        token = api.session.headers["Authorization"].split()[1]
        branch = api.post("/branches", {"name": "基准测试支部", "unit": "市住建局"}).json()
        needed = args.rate * args.seconds + 20
        print(f"registering {needed + args.members} members ...", flush=True)
        member_ids = register_members(api, branch["id"], needed + args.members)
        wait_until_queues_drain(amqp_uri)

        print("limits of this run ...", flush=True)
        postgres_url = limits.scratch_postgres_url()
        commit = commit_p99(postgres_url)
        http = bare.http_request()
        http_rpc = bare.http_request("/bare/members/{n}")
        hop = bare.event_hop()
        bare_events = bare.event_rate(count=args.members)
        print(f"  PostgreSQL commit p99 {commit:.2f} ms; bare nameko: HTTP p99 {http['p99_ms']:.2f} ms, "
              f"HTTP and one RPC p99 {http_rpc['p99_ms']:.2f} ms, event hop p99 {hop['p99_ms']:.2f} ms, "
              f"{bare_events['per_second']:.0f} events/s", flush=True)

        # 1. a hospitalization, HTTP to visit_task_created
        listener = TaskEvents(amqp_uri)
        listener.start()
        listener.ready.wait(10)
        run_rate(system, listener, member_ids, 10, 2, token)  # warm the pools
        latency = run_rate(system, listener, member_ids, args.rate, args.seconds, token)
        listener.stopping = True
        parts = http_rpc["p99_ms"] + 2 * commit + hop["p99_ms"]
        first = latency["p99"] / parts

        # 3. GET /api/v1/members/{id} at 16 connections (before the pipeline fills welfare's queues)
        ids = member_ids[:200] or [1]
        window = 3.0
        both = limits.alternating({
            "bare": lambda: bare.http_rpc_rate(clients=16, seconds=window),
            "reads": lambda: limits.http_load(system.base_url + "/api/v1/members/{n}", 16, window,
                                              {"Authorization": "Bearer " + token}, ids=ids),
        }, rounds=max(2, round(args.seconds * 2 / window)))
        reads, bare_http_rpc = both["reads"], both["bare"]
        third = reads["per_second"] / bare_http_rpc["per_second"]

        # 2. the pipeline, then welfare's real work alone on member events
        probe_rate(amqp_uri, probe_url, 100)  # warm its pool
        probe = probe_rate(amqp_uri, probe_url, args.members)
        second = probe["per_second"] / bare_events["per_second"]
        for name in CONSUMERS_BESIDE_WELFARE:
            system.stop(name)
        chosen = [api.get(f"/members/{member_id}").json() for member_id in member_ids[-args.members:]]
        welfare = pipeline_rate(system, amqp_uri, chosen)

    print()
    print(f"{'goal':<66} {'figure':>12} {'limit':>12} {'ratio':>7}  verdict")
    print(f"{'1. hospitalization HTTP -> visit_task_created, p99 (<= 5x)':<66} {latency['p99']:>9.1f} ms "
          f"{parts:>9.1f} ms {first:>6.1f}x  {verdict(first <= 5)}")
    print(f"   at {latency['achieved_rate']:.0f}/s, {latency['arrived']}/{latency['sent']} arrived; limit = HTTP+RPC "
          f"{http_rpc['p99_ms']:.1f} + 2 commits {2 * commit:.1f} + event hop {hop['p99_ms']:.1f} ms (p99 each)")
    print(f"{'2. events with inbox and outbox, a second (>= 0.5x bare nameko)':<66} {probe['per_second']:>10.0f}/s "
          f"{bare_events['per_second']:>10.0f}/s {second:>6.2f}x  {verdict(second >= 0.5)}")
    print(f"   {probe['handled']} bench_ping -> inbox, outbox -> bench_pong published; welfare's real work: "
          f"{welfare['per_second']:.0f} member_hospitalized/s to visit_task_created published "
          f"({welfare['per_second'] / bare_events['per_second']:.2f}x bare)")
    print(f"{'3. GET /api/v1/members/{id} at 16 connections (>= 0.9x bare)':<66} {reads['per_second']:>10.0f}/s "
          f"{bare_http_rpc['per_second']:>10.0f}/s {third:>6.2f}x  {verdict(third >= 0.9)}")
    print(f"   p50 {reads['p50_ms']:.1f} ms, p99 {reads['p99_ms']:.1f} ms, {reads['errors']} errors; bare: p50 "
          f"{bare_http_rpc['p50_ms']:.1f} ms, p99 {bare_http_rpc['p99_ms']:.1f} ms; each held "
          f"{reads['seconds']:.0f} s in alternating 3 s windows")


if __name__ == "__main__":
    main()

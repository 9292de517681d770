"""Does the members service answer while it imports a roster? Ping latency with and without an import.

    .venv/bin/python bench/import_ping.py                 # a 20,000-row workbook
    .venv/bin/python bench/import_ping.py --rows 5000

Starts the members process from its Procfile line (a fresh PostgreSQL database
and RabbitMQ vhost, as the tests make them), pings it for a few seconds with
nothing else to do, then uploads the workbook (start_import reads its headings)
and pings it again, one ping after another, until the import job is done.
Prints the latencies of both, and their ratio: reading the workbook runs in a
thread (eventlet.tpool) and the rows are imported in chunks that yield, so the
ratio should stay small.
"""
import argparse
import base64
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from wuji_infra.testing import signed_context
from nameko.standalone.rpc import ServiceRpcClient

from roster_import import BRANCHES, generate  # bench/ is on the path when this runs
from wuji_infra import config, migrations, testing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ping_ms(rpc):
    started = time.perf_counter()
    rpc.ping()
    return (time.perf_counter() - started) * 1000


def summary(latencies):
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def line(label, latencies):
    p50, p99, worst = summary(latencies)
    print(f"{label:26s} {len(latencies):6d} pings   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   max {worst:7.1f} ms")
    return p50, p99, worst


def members_process(amqp_uri, url, var_dir):
    config.share_context_secret()
    env = dict(os.environ, AMQP_URI=amqp_uri, MEMBERS_DATABASE_URL=url, WUJI_VAR_DIR=var_dir)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    with open(os.path.join(var_dir, "members.log"), "wb") as log:
        return subprocess.Popen(shlex.split(testing.procfile(ROOT)["members"]), cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def measure(amqp_uri, content, idle_seconds):
    with ServiceRpcClient("members", uri=amqp_uri, timeout=120, context_data=signed_context()) as rpc:
        testing.wait_until(lambda: _answers(rpc), "the members process to answer", seconds=60, interval=0.5)
        for name in BRANCHES:
            rpc.create_branch({"name": name, "unit": "市住房和城乡建设局"})
        idle = []
        until = time.monotonic() + idle_seconds
        while time.monotonic() < until:
            idle.append(ping_ms(rpc))

        uploaded = {}

        def upload():  # on a client of its own: this one keeps pinging meanwhile
            with ServiceRpcClient("members", uri=amqp_uri, timeout=120, context_data=signed_context()) as uploader:
                started = time.perf_counter()
                uploaded["job"] = uploader.start_import(content, "bench.xlsx", "bench")
                uploaded["seconds"] = time.perf_counter() - started

        thread = threading.Thread(target=upload)
        started = time.perf_counter()
        thread.start()
        busy = []
        while thread.is_alive() or len(busy) % 50 or rpc.get_import(uploaded["job"]["id"])["status"] in (
                "queued", "running"):  # the job is looked at every 50 pings
            busy.append(ping_ms(rpc))
        job = rpc.get_import(uploaded["job"]["id"])
        took = time.perf_counter() - started
    print(f"upload (start_import) {uploaded['seconds']:.2f} s; job {job['status']}: {job['total_rows']} rows, "
          f"created {job['created']}, refused {job['rejected']}, {took:.1f} s from upload to done")
    return idle, busy


def _answers(rpc):
    try:
        return rpc.ping()
    except Exception:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--idle-seconds", type=float, default=5)
    args = parser.parse_args()
    content = base64.b64encode(generate(args.rows)).decode("ascii")
    with testing.fresh_databases(["members"], prefix="wuji_bench") as urls, \
            testing.fresh_vhost("wuji-bench") as amqp_uri, tempfile.TemporaryDirectory() as var_dir:
        migrations.upgrade("members", urls["members"])
        process = members_process(amqp_uri, urls["members"], var_dir)
        try:
            idle, busy = measure(amqp_uri, content, args.idle_seconds)
        finally:
            process.terminate()
            process.wait(timeout=20)
    idle_p50, idle_p99, _ = line("ping, no import", idle)
    busy_p50, busy_p99, _ = line("ping, during the import", busy)
    print(f"ratio during/no import: p50 {busy_p50 / idle_p50:.1f}x, p99 {busy_p99 / idle_p99:.1f}x")


if __name__ == "__main__":
    main()

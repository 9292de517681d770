"""What the infrastructure itself manages on this machine, measured in the same run as a
benchmark, so that each figure is printed beside its limit and the ratio means
something when the machine is three times faster or slower than last week.

- ``postgres_commits``: commits of a one-row INSERT on ``clients`` connections at once,
  each commit a round trip and a WAL flush: the most units of work PostgreSQL can take.
- ``broker_round_trip``: a message published with confirms to a queue and consumed back,
  one after another: one hop through RabbitMQ, the least an event or an RPC costs.
- ``BareNameko``: nameko itself, without Wuji's layers (bench/bare_nameko.py), in two
  processes: one RPC, one HTTP request, one event hop, the most events a second one service
  takes, and the most HTTP requests a second that each make one RPC.

    .venv/bin/python bench/limits.py          # all of them, printed
"""
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_threads(target, arguments):
    """``target(*args)`` on a thread for each ``args`` of ``arguments``, all at once; returns the
    seconds until the last ended."""
    threads = [threading.Thread(target=target, args=args) for args in arguments]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def postgres_commits(url, clients=1, seconds=3.0):
    """``{"per_second", "p50_ms", "p99_ms"}`` of single-row INSERT + COMMIT on ``clients`` connections."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, pool_size=clients, max_overflow=0)
    table = f"bench_limit_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE TABLE {table} (id serial PRIMARY KEY, note text)"))
    latencies, lock = [], threading.Lock()
    stop_at = time.perf_counter() + seconds

    def work():
        mine = []
        with engine.connect() as connection:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                connection.execute(sa.text(f"INSERT INTO {table} (note) VALUES ('x')"))
                connection.commit()
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    took = run_threads(work, [()] * clients)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {table}"))
    engine.dispose()
    return {"per_second": len(latencies) / took, "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99)}


def broker_round_trip(amqp_uri, count=500):
    """``{"p50_ms", "p99_ms"}`` of one message published (with confirms) and consumed back."""
    from kombu import Connection, Exchange, Producer, Queue

    queue = Queue(f"bench-limit-{uuid.uuid4().hex[:8]}", Exchange("", type="direct"),
                  routing_key=None, auto_delete=True)
    latencies = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        queue = queue(channel)
        queue.declare()
        producer = Producer(channel)
        for _ in range(count):
            started = time.perf_counter()
            producer.publish({"n": 1}, exchange="", routing_key=queue.name, serializer="json")
            message = None
            while message is None:
                message = queue.get(no_ack=True)
            latencies.append((time.perf_counter() - started) * 1000)
        queue.delete()
    return {"p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}


def http_load(url, clients=16, seconds=5.0, headers=None, ids=None):
    """``{"per_second", "p50_ms", "p99_ms", "errors"}`` of GETs of ``url`` by ``clients`` threads,
    each on its own keep-alive connection, for ``seconds``. ``{n}`` in the URL is a counter, or
    the counter's turn through ``ids``."""
    import requests

    latencies, errors, lock = [], [0], threading.Lock()
    stop_at = time.perf_counter() + seconds

    def work(offset):
        session = requests.Session()
        session.headers.update(headers or {})
        mine, failed, n = [], 0, offset
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            response = session.get(url.format(n=ids[n % len(ids)] if ids else n), timeout=30)
            if response.status_code == 200:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
            n += clients
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    took = run_threads(work, [(i,) for i in range(clients)])
    return {"per_second": len(latencies) / took, "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99), "errors": errors[0], "latencies": latencies, "seconds": took}


def alternating(loads, rounds=5):
    """``{name: http_load's figures}`` of each load (``{name: run()}``, ``run`` returning what
    http_load does) held in turn for ``rounds`` rounds, the order reversed every other round
    (A B, B A, ...), the windows of each load pooled. A machine shared with others changes speed
    by a quarter within a minute; a figure and its limit measured in alternating short windows
    see the same machine, one measured after the other may not."""
    windows = {name: [] for name in loads}
    names = list(loads)
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            windows[name].append(loads[name]())
    pooled = {}
    for name, figures in windows.items():
        latencies = [latency for window in figures for latency in window["latencies"]]
        pooled[name] = {"per_second": len(latencies) / sum(window["seconds"] for window in figures),
                        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                        "errors": sum(window["errors"] for window in figures), "latencies": latencies,
                        "seconds": sum(window["seconds"] for window in figures)}
    return pooled


def publish_events(amqp_uri, exchange_name, routing_key, payloads, spacing=0.0):
    """Publish each payload with confirms, as a nameko dispatcher and Wuji's relay do; returns
    when each was sent (time.time())."""
    from kombu import Connection, Exchange, Producer

    exchange = Exchange(exchange_name, type="topic", durable=True)
    sent = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel(), exchange=exchange)
        for payload in payloads:
            payload = payload() if callable(payload) else payload
            sent.append(time.time())
            producer.publish(payload, routing_key=routing_key, serializer="json", delivery_mode=2)
            if spacing:
                time.sleep(spacing)
    return sent


class BareNameko:
    """bench/bare_nameko.py's two services, started on ``amqp_uri`` for the length of a ``with``."""

    def __init__(self, amqp_uri):
        self.amqp_uri = amqp_uri
        self.port = None
        self.processes = []

    def __enter__(self):
        from wuji_infra.testing import free_port

        self.port = free_port()
        self.folder = tempfile.TemporaryDirectory(prefix="bare-nameko-")
        config_file = os.path.join(self.folder.name, "nameko.yaml")
        with open(config_file, "w") as file:   # Wuji's nameko.yaml, less its logging and retries
            json.dump({"AMQP_URI": self.amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{self.port}",
                       "serializer": "json", "max_workers": 20, "PREFETCH_COUNT": 20, "HEARTBEAT": 30}, file)
        for service in ("BareMembers", "BareGateway"):
            log = open(os.path.join(self.folder.name, service + ".log"), "wb")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "wuji_infra.nameko_cli", "run", "--config", config_file,
                 f"bare_nameko:{service}"], cwd=os.path.dirname(os.path.abspath(__file__)),
                stdout=log, stderr=subprocess.STDOUT))
        self._wait_until_up()
        return self

    def _wait_until_up(self, seconds=60):
        import requests

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/bare/members/1", timeout=5).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError("bare nameko services did not start: see " + self.folder.name)

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)
        self.folder.cleanup()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def http_request(self, path="/bare/ping", count=500):
        """``{"p50_ms", "p99_ms"}`` of GETs of ``path``, one after another on one connection:
        ``/bare/ping`` is HTTP alone, ``/bare/members/{n}`` HTTP and one RPC made from inside
        nameko, as the gateway makes them (a standalone client's RPC costs several ms more)."""
        import requests

        session = requests.Session()
        latencies = []
        for n in range(count):
            started = time.perf_counter()
            session.get(self.url + path.format(n=n), timeout=10).raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
        return {"p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}

    def _arrivals(self, count, seconds=120):
        from nameko.standalone.rpc import ClusterRpcClient

        arrivals = []
        deadline = time.monotonic() + seconds
        with ClusterRpcClient(uri=self.amqp_uri) as client:
            while len(arrivals) < count and time.monotonic() < deadline:
                arrivals.extend(client.bare_members.take_arrivals())
                time.sleep(0.01)
        return arrivals

    def event_hop(self, count=300):
        """``{"p50_ms", "p99_ms"}`` from publishing an event to its handler starting, one at a time."""
        publish_events(self.amqp_uri, "bare_source.events", "bare_event",
                       [lambda: {"sent_at": time.time()}] * count, spacing=0.005)
        latencies = [(arrived - sent) * 1000 for sent, arrived in self._arrivals(count)]
        return {"p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}

    def event_rate(self, count=1000):
        """Events a second one service handles, published back to back: from the first publish
        to the last handled."""
        sent = publish_events(self.amqp_uri, "bare_source.events", "bare_event",
                              [lambda: {"sent_at": time.time()}] * count)
        arrivals = self._arrivals(count)
        return {"per_second": len(arrivals) / (max(arrived for _, arrived in arrivals) - sent[0])}

    def http_rpc_rate(self, clients=16, seconds=5.0):
        """``http_load`` of ``GET /bare/members/{n}``: HTTP and one RPC, nothing else."""
        return http_load(self.url + "/bare/members/{n}", clients, seconds)


def describe(amqp_uri, postgres_url, clients=8):
    """The limits as one printable block, and the figures themselves."""
    one = postgres_commits(postgres_url, clients=1)
    many = postgres_commits(postgres_url, clients=clients)
    broker = broker_round_trip(amqp_uri)
    text = (f"infrastructure limits (same run): PostgreSQL {one['per_second']:.0f} commits/s on one connection "
            f"(p50 {one['p50_ms']:.2f} ms), {many['per_second']:.0f}/s on {clients}; "
            f"RabbitMQ one hop (publish with confirm, consume) p50 {broker['p50_ms']:.2f} ms, "
            f"p99 {broker['p99_ms']:.2f} ms")
    return text, {"postgres_one": one, "postgres_many": many, "broker": broker}


def postgres_limit():
    """One connection's commits of the scratch server, for a benchmark that needs only that limit:
    ``(text, figures)``."""
    one = postgres_commits(scratch_postgres_url(), clients=1)
    return (f"limit (same run): PostgreSQL {one['per_second']:.0f} one-row commits/s on one connection "
            f"(p50 {one['p50_ms']:.2f} ms)"), one


def scratch_postgres_url():
    """A PostgreSQL URL for the measurement: the test server's maintenance database."""
    from wuji_infra.config import env

    return env("WUJI_TEST_POSTGRES_URL")


if __name__ == "__main__":
    from wuji_infra import config, testing

    print(describe(config.amqp_uri(), scratch_postgres_url())[0])
    with testing.fresh_vhost("wuji-bench") as vhost_uri, BareNameko(vhost_uri) as bare:
        http, rpc, hop = bare.http_request(), bare.http_request("/bare/members/{n}"), bare.event_hop()
        print(f"bare nameko: HTTP p50 {http['p50_ms']:.2f} ms p99 {http['p99_ms']:.2f} ms; "
              f"HTTP and one RPC p50 {rpc['p50_ms']:.2f} ms p99 {rpc['p99_ms']:.2f} ms; "
              f"event hop p50 {hop['p50_ms']:.2f} ms p99 {hop['p99_ms']:.2f} ms; "
              f"events {bare.event_rate()['per_second']:.0f}/s; "
              f"HTTP+RPC {bare.http_rpc_rate()['per_second']:.0f}/s at 16 connections")

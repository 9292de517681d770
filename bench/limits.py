"""What the infrastructure itself manages on this machine, measured in the same run as a
benchmark, so that each figure is printed beside its limit and the ratio means
something when the machine is three times faster or slower than last week.

- ``postgres_commits``: commits of a one-row INSERT on ``clients`` connections at once,
  each commit a round trip and a WAL flush: the most units of work PostgreSQL can take.
- ``broker_round_trip``: a message published with confirms to a queue and consumed back,
  one after another: one hop through RabbitMQ, the least an event or an RPC costs.

    .venv/bin/python bench/limits.py          # both, printed
"""
import os
import sys
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


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

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
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


def scratch_postgres_url():
    """A PostgreSQL URL for the measurement: the test server's maintenance database."""
    from wuji_infra.config import env

    return env("WUJI_TEST_POSTGRES_URL")


if __name__ == "__main__":
    from wuji_infra import config

    print(describe(config.amqp_uri(), scratch_postgres_url())[0])

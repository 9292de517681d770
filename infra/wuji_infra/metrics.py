"""Prometheus metrics of every Wuji process, with the official client (prometheus_client).

- ``wuji_entrypoint_seconds{service, entrypoint, kind, outcome}``: a histogram of every worker:
  RPCs, HTTP routes (the gateway's entrypoints are its routes), event handlers and timers;
  ``outcome`` ``ok`` or ``error``.
- ``wuji_events_total{service, handler, outcome}``: events handled ``ok``, ``retried`` or
  ``dead_lettered`` (wuji_infra.handlers).
- ``wuji_outbox_waiting{service}`` and ``wuji_outbox_oldest_seconds{service}``: events committed
  and not yet published, and how long the oldest has waited (read at each scrape).
- ``wuji_dead_letters{service}``: messages parked in ``<service>.dead-letters`` (read at each scrape).

The gateway answers ``GET /metrics``; a service serves them on ``METRICS_PORT`` when it is set
(``Metrics`` below starts the server with the service).
"""
import datetime as dt
import logging
import time

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily

from wuji_infra import config, tables

log = logging.getLogger(__name__)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ENTRYPOINT_SECONDS = Histogram(
    "wuji_entrypoint_seconds", "Time a worker took: RPC, HTTP route, event handler or timer",
    ["service", "entrypoint", "kind", "outcome"], buckets=BUCKETS)
EVENTS = Counter("wuji_events", "Events handled, retried or dead-lettered, by handler",
                 ["service", "handler", "outcome"])


def count_event(service, handler, outcome):
    EVENTS.labels(service=service, handler=handler, outcome=outcome).inc()


def kind_of(entrypoint):
    """rpc, http, event or timer: what kind of entrypoint ran a worker."""
    name = type(entrypoint).__name__
    if "Rpc" in name:
        return "rpc"
    if "Event" in name:
        return "event"
    if "Timer" in name:
        return "timer"
    return "http"


class QueueStates:
    """Read at each scrape, for each service this process runs: the outbox of its database and its
    dead-letter queue (one collector for all, so that their series never collide)."""

    def __init__(self):
        self.services = {}  # service -> (sessions, amqp_uri)

    def watch(self, service, sessions, amqp_uri):
        self.services[service] = (sessions, amqp_uri)

    def collect(self):
        waiting = GaugeMetricFamily("wuji_outbox_waiting", "Events committed, not yet published", labels=["service"])
        oldest = GaugeMetricFamily("wuji_outbox_oldest_seconds", "Age of the oldest event not yet published",
                                   labels=["service"])
        parked = GaugeMetricFamily("wuji_dead_letters", "Messages in the service's dead-letter queue",
                                   labels=["service"])
        for service, (sessions, amqp_uri) in sorted(self.services.items()):
            try:
                with sessions() as session:
                    count, first = session.execute(
                        sa.select(sa.func.count(), sa.func.min(tables.outbox.c.created_at))
                        .where(tables.outbox.c.published_at.is_(None))).one()
                age = (dt.datetime.now(dt.timezone.utc) - first).total_seconds() if first else 0.0
                waiting.add_metric([service], count)
                oldest.add_metric([service], age)
            except Exception as exc:  # a scrape never fails for want of the database: the gauge is left out
                log.warning("metrics: outbox of %s not read: %s", service, exc)
            try:
                parked.add_metric([service], dead_letter_depth(service, amqp_uri))
            except Exception as exc:
                log.warning("metrics: dead letters of %s not read: %s", service, exc)
        yield waiting
        yield oldest
        yield parked


def dead_letter_depth(service, amqp_uri):
    from kombu import Connection

    from wuji_infra.handlers import dead_letter_queue

    with Connection(amqp_uri, connect_timeout=2) as connection:
        queue = dead_letter_queue(service)(connection.default_channel)
        return queue.queue_declare(passive=True).message_count


class Metrics(DependencyProvider):
    """Times every worker of the service; with ``METRICS_PORT`` set, serves /metrics there."""

    def setup(self):
        self.service = self.container.service_name
        self.started = {}
        self.server = None

    def start(self):
        port = config.env("METRICS_PORT")
        if port:
            self.server, _ = start_http_server(int(port), registry=REGISTRY)
            log.info("%s: metrics on port %s", self.service, port)

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    kill = stop

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx.call_id] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx.call_id, None)
        if started is None:
            return
        seconds = time.perf_counter() - started
        kind, name = kind_of(worker_ctx.entrypoint), worker_ctx.entrypoint.method_name
        outcome = "ok" if exc_info is None else "error"
        ENTRYPOINT_SECONDS.labels(service=self.service, entrypoint=name, kind=kind, outcome=outcome).observe(seconds)
        if kind == "rpc":  # one line a call, with its request id (wuji_infra.logs); HTTP's: the gateway's web.py
            log.info("%s %s %s in %.1f ms", kind, name, outcome, seconds * 1000)

    def get_dependency(self, worker_ctx):
        return None


QUEUES = QueueStates()
REGISTRY.register(QUEUES)


def watch_queues(service, sessions, amqp_uri):
    """Report the service's outbox and dead letters at each scrape: of the database and broker its
    newest container uses (one per process when it runs; the tests start several in turn)."""
    QUEUES.watch(service, sessions, amqp_uri)


def text(registry=REGISTRY):
    """The Prometheus text format of everything this process measured."""
    return generate_latest(registry)


__all__ = ["CollectorRegistry", "Metrics", "count_event", "text", "watch_queues"]

"""What every Wuji service has: its database, its clock, its caller and a health probe."""
import gc

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from wuji_infra.rpc import Caller, rpc

from wuji_infra import migrations
from wuji_infra.clock import ServiceClock
from wuji_infra.db import Database
from wuji_infra.errors import EXPECTED
from wuji_infra.logs import RequestLog
from wuji_infra.metrics import Metrics


class LongLived(DependencyProvider):
    """Once the service has started, what it loaded (modules, schemas, routes, engines: 120,000
    to 160,000 objects) leaves the garbage collector's sight (``gc.freeze``): its full
    collections, 80 ms each in the gateway, then walk only what the work itself made."""

    def start(self):
        gc.collect()
        gc.freeze()


class ServiceBase:
    long_lived = LongLived()
    db = Database()
    clock = ServiceClock()
    metrics = Metrics()  # times every worker; /metrics on METRICS_PORT (wuji_infra.metrics)
    request_log = RequestLog()  # each worker's log lines name the request that caused it (wuji_infra.logs)
    caller = Caller()  # who calls an RPC, as the gateway signed it (wuji_infra.access)

    @rpc
    def ping(self):
        """Answers "ok" when the service runs (the broker brought the call), its database answers
        and is at the newest migration: ready for work; "behind" when it is not migrated yet."""
        with self.db.read() as session:
            session.execute(sa.text("SELECT 1"))
            ready = migrations.at_head(self.name, session)
        return {"status": "ok" if ready else "behind"}


class ReportEntrypoints:
    """The two RPCs the gateway asks every service for the yearly report and the scorecard
    (wuji_infra.reports); ``report_figures`` is the service's module that answers them:
    ``annual_figures(session, query, access=)`` and ``scorecard_items(session, query, access=)``."""
    report_figures = None

    @rpc(expected_exceptions=EXPECTED)
    def annual_figures(self, query):
        """The service's part of the yearly report: ``{"year", "as_of"}``."""
        with self.db.read() as session:
            return self.report_figures.annual_figures(session, query, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def scorecard_items(self, query):
        """The service's items of the scorecard: ``{"year", "as_of", "branch_ids"}``."""
        with self.db.read() as session:
            return self.report_figures.scorecard_items(session, query, access=self.caller)


class Setting(DependencyProvider):
    """A setting read and checked when the service starts, so a bad value stops
    the service there, not at the first event. ``read`` raises ValueError."""

    def __init__(self, read):
        self.read = read

    def setup(self):
        self.value = self.read()

    def get_dependency(self, worker_ctx):
        return self.value

"""Wuji's event pipeline with no business in it, for bench/goals.py: a service built as every
Wuji service is (wuji_infra's ServiceBase, its event handler, its database on PostgreSQL) whose
handler claims each ``bench_ping`` in its inbox and emits one ``bench_pong`` through its
outbox. Beside bench/bare_nameko.py's handler, which does nothing, it measures what the
envelope's checks, the inbox, the outbox and its relay, the logs and the metrics cost.

The two event types are described here, for the benchmark only: no Wuji service knows them.
"""
from marshmallow import Schema, fields

from wuji_infra import events
from wuji_infra.handlers import event_handler
from wuji_infra.service import ServiceBase


class Numbered(Schema):
    n = fields.Integer(required=True)


events.describe("bench_ping", "bench_source", Numbered)
events.describe("bench_pong", "bench_pipe", Numbered)


class PipelineProbe(ServiceBase):
    name = "bench_pipe"

    @event_handler("bench_source", "bench_ping")
    def on_ping(self, tx, event):
        tx.emit("bench_pong", {"n": event.data["n"]})

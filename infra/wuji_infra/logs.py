"""Structured logs (one JSON object a line) with the request id that caused each line.

The id a request is known by (its Idempotency-Key, or one the gateway makes) goes with it:
the gateway puts it in every RPC's context (``wuji_request_id``), a service's worker takes it
from there, every event a worker emits carries it in its envelope (``request_id``, optional),
and the worker that handles that event takes it again. So one hospitalization can be followed
through the gateway, members, welfare, funding and notifications by one id:

    grep '"request_id": "6f1c…"' var/log/*.log     # or the log store's query

``LOG_FORMAT=text`` gives plain lines for a person at a terminal.
"""
import contextvars
import datetime as dt
import json
import logging

from nameko.extensions import DependencyProvider

from wuji_infra import config

CONTEXT_KEY = "wuji_request_id"
_REQUEST_ID = contextvars.ContextVar(CONTEXT_KEY, default=None)  # per green thread


def request_id():
    """The id of the request this worker is doing, or None (a timer's own work)."""
    return _REQUEST_ID.get()


def use_request_id(value):
    """This green thread works for request ``value`` from now on."""
    _REQUEST_ID.set(value)


class JsonFormatter(logging.Formatter):
    def __init__(self, process):
        super().__init__()
        self.process = process

    def format(self, record):
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "process": self.process, "logger": record.name,
            "request_id": _REQUEST_ID.get(), "message": record.getMessage(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record):
        text = super().format(record)
        return f"{text} [request {_REQUEST_ID.get()}]" if _REQUEST_ID.get() else text


def formatter(process=None):
    """The formatter of a process's log lines (nameko.yaml's LOGGING names it): JSON lines, or
    plain ones with ``LOG_FORMAT=text``. The process is named by the service nameko runs."""
    if config.env("LOG_FORMAT") == "text":
        return TextFormatter()
    return JsonFormatter(process or process_name())


def process_name(argv=None):
    """"welfare" from ``nameko run … welfare.service:WelfareService``; else the program's name."""
    import sys
    for arg in sys.argv if argv is None else argv:
        if ".service:" in arg:
            return arg.split(".service:", 1)[0]
    return "wuji"


def configure(process):
    """Logging of a process that nameko does not configure (wuji_infra.run before it starts one)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(process))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


class RequestLog(DependencyProvider):
    """Each worker of a service works for the request that caused it: from the RPC's context, or
    from the event it handles (whose envelope carries the request id of the worker that emitted it)."""

    def worker_setup(self, worker_ctx):
        value = worker_ctx.context_data.get(CONTEXT_KEY)
        if value is None and worker_ctx.args:
            value = getattr(worker_ctx.args[0], "request_id", None)  # an events.Event
        _REQUEST_ID.set(value if isinstance(value, str) else None)

    def worker_teardown(self, worker_ctx):
        _REQUEST_ID.set(None)

    def get_dependency(self, worker_ctx):
        return None

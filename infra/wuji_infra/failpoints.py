"""Fault injection for the fault tests: ``WUJI_FAILPOINTS=after_commit``.

- ``after_commit``: any transaction of the process has committed (its events not yet published);
- ``after_handling:<event type>``: an event handler's effect has committed, the message is not
  yet acknowledged;
- ``after_push`` (notifications): a push answered by its channel, not yet recorded.

A named failpoint that is switched on ends the process at once, as a power
cut would (no cleanup, no ack, no reply). Off, it costs one set lookup.
"""
import logging
import os

from wuji_infra.config import env

log = logging.getLogger(__name__)


def enabled():
    return {name.strip() for name in env("WUJI_FAILPOINTS").split(",") if name.strip()}


def hit(name):
    if name in enabled():
        log.critical("failpoint %s: killing the process", name)
        os._exit(86)

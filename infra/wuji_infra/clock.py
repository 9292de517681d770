"""The one clock every service asks for "today" and "now".

A service reads it as ``self.clock`` (``ServiceBase.clock``) and hands
``today`` or ``now`` to its handlers as plain arguments, so a handler never
reads the time itself and a test fixes it by passing a ``FixedClock``:

    worker_factory(WelfareService, clock=FixedClock(dt.date(2026, 3, 1)))

"Today" is the office's day: processes run in the office's time zone
(``TZ``, China Standard Time by default, set by ``wuji_infra.run``), so the
local date is the date in Beijing even on a server kept in UTC. Moments
("now") are aware and in UTC, as every timestamp column stores them.
"""
import datetime as dt

from nameko.extensions import DependencyProvider

from wuji_infra.types import utc_now


class Clock:
    """The real time."""

    def today(self):
        return dt.date.today()

    def now(self):
        return utc_now()


class FixedClock(Clock):
    """A clock that stands still (tests): ``today`` and ``now`` as given.

    ``now`` defaults to noon of ``today`` in the office's zone, so the two agree.
    """

    def __init__(self, today, now=None):
        self._today = today
        self._now = now or dt.datetime.combine(today, dt.time(12)).astimezone().astimezone(dt.timezone.utc)

    def today(self):
        return self._today

    def now(self):
        return self._now


class ServiceClock(DependencyProvider):
    """``self.clock`` of a service: the real ``Clock``."""

    clock = Clock()

    def get_dependency(self, worker_ctx):
        return self.clock

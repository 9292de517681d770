"""The notifications unit tests' store and service: in memory, on a fixed day, no channels."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory

from notifications import channels
from notifications.models import Base
from notifications.service import NotificationsService
from wuji_infra import access
from wuji_infra.clock import FixedClock
from wuji_infra.testing import in_memory_store

TODAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in the office


@pytest.fixture
def store():
    return in_memory_store("notifications", Base.metadata)


@pytest.fixture
def clock():
    return FixedClock(TODAY, NOW)


@pytest.fixture
def service(store, clock):
    return worker_factory(NotificationsService, db=store, clock=clock, caller=access.SYSTEM,
                          channel_settings=channels.settings_from_env())


@pytest.fixture
def as_caller(store, clock):
    """The service as an account calls it: ``as_caller("staff")``, ``as_caller("secretary", branches=[2])``."""
    def make(role, user=None, branches=None):
        caller = access.Access(user or f"{role}-1", role, branches)
        return worker_factory(NotificationsService, db=store, clock=clock, caller=caller,
                              channel_settings=channels.settings_from_env())
    return make

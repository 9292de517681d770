"""The activities unit tests' store and service: in memory, on the test module's TODAY."""
import pytest
from nameko.testing.services import worker_factory

from activities.models import Base
from activities.service import ActivitiesService
from wuji_infra.access import SYSTEM
from wuji_infra.clock import FixedClock
from wuji_infra.testing import in_memory_store


@pytest.fixture
def store():
    return in_memory_store("activities", Base.metadata)


@pytest.fixture
def service(store, request):
    return worker_factory(ActivitiesService, db=store, clock=FixedClock(request.module.TODAY), caller=SYSTEM)

"""The funding unit tests' store and service: in memory, on the test module's TODAY and POLICY.

The service is called as ``access.SYSTEM`` (every branch); a test calls it as someone
else by setting ``service.caller`` (an ``access.Access``)."""
import pytest
from nameko.testing.services import worker_factory

from funding.models import Base
from funding.service import FundingService
from wuji_infra import access
from wuji_infra.clock import FixedClock
from wuji_infra.testing import in_memory_store


@pytest.fixture
def store():
    return in_memory_store("funding", Base.metadata)


@pytest.fixture
def service(store, request):
    module = request.module
    return worker_factory(FundingService, clock=FixedClock(module.TODAY), db=store, subsidy_settings=module.POLICY,
                          caller=access.SYSTEM)

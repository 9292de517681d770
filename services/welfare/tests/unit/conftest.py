"""The welfare unit tests' store and service: in memory, on the test module's TODAY."""
import pytest
from nameko.testing.services import worker_factory

from welfare.models import Base
from welfare.service import WelfareService
from wuji_infra import access
from wuji_infra.clock import FixedClock
from wuji_infra.testing import in_memory_store

RULE_DUE_DAYS = {"discharged": 7, "serious_illness": 3, "deceased": 2}


@pytest.fixture
def store():
    return in_memory_store("welfare", Base.metadata)


@pytest.fixture
def service(store, request):
    return worker_factory(WelfareService, db=store, hospital_visit_due_days=3, rule_due_days=RULE_DUE_DAYS,
                          clock=FixedClock(request.module.TODAY), caller=access.SYSTEM)

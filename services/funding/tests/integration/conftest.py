"""The funding service in a container of the test process, on a fresh PostgreSQL database."""
import pytest

from funding.service import FundingService
from wuji_infra.testing import start_service


@pytest.fixture
def funding(container_factory, nameko_config, service_db, amqp_uri):
    """(the started container, its database URL)"""
    url = service_db("funding")
    return start_service(container_factory, FundingService, nameko_config, amqp_uri), url

"""The whole system as a front end sees it: the Procfile processes, driven over HTTP.

Each run gets its own RabbitMQ vhost, its own PostgreSQL databases and its own
gateway port; processes are started from the Procfile lines themselves, so
this also tests what `make run` starts.
"""
import os
import time

import pytest

from wuji_infra.testing import Api, fresh_vhost, running_system

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADMIN_PASSWORD = "e2e-Admin-pass-1"


@pytest.fixture(scope="module")
def system():
    # a vhost of its own: durable queues left by the integration tests (or by
    # another e2e module, whose ids restart from 1) must not feed this system
    with fresh_vhost("wuji-e2e") as amqp_uri, running_system(ROOT, amqp_uri, ADMIN_PASSWORD) as running:
        yield running


@pytest.fixture
def api(system):
    return Api(system.base_url).login("admin", ADMIN_PASSWORD)


@pytest.fixture
def wait_for():
    def wait(fetch, condition=bool, seconds=20, interval=0.1):
        """Poll ``fetch()`` until ``condition(result)``; returns the last result."""
        deadline = time.monotonic() + seconds
        while True:
            result = fetch()
            if condition(result) or time.monotonic() > deadline:
                return result
            time.sleep(interval)
    return wait

"""Fixtures shared by every test folder.

Unit tests need none of these. Integration and e2e tests ask for
``amqp_uri`` (a fresh vhost for the whole run) and ``database_urls`` (fresh
PostgreSQL databases for one test), so runs never see each other's messages
or rows.
"""
import contextlib
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Eventlet is deprecated": nameko 3 still runs on it
    import eventlet

eventlet.monkey_patch()  # nameko containers in the test process need it

import pytest  # noqa: E402

from wuji_infra import config, testing  # noqa: E402

# the tests' "today" is the office's, as in every process they start
config.use_office_time_zone()


@pytest.fixture(scope="session")
def amqp_uri():
    with testing.fresh_vhost() as uri:
        yield uri


@pytest.fixture
def database_urls():
    """A factory: ``database_urls("members", "welfare")`` -> {name: url} of new databases."""
    with contextlib.ExitStack() as stack:
        def make(*names):
            return stack.enter_context(testing.fresh_databases(names))
        yield make


@pytest.fixture
def service_db(database_urls, monkeypatch):
    """A factory: ``service_db("welfare")`` makes a fresh PostgreSQL database,
    migrates it to head and points ``WELFARE_DATABASE_URL`` at it."""
    from wuji_infra import migrations

    def make(service):
        url = database_urls(service)[service]
        migrations.upgrade(service, url)
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", url)
        return url
    return make


@pytest.fixture
def nameko_config(amqp_uri):
    """nameko config for containers under test: this run's vhost, quick retries."""
    return {
        "AMQP_URI": amqp_uri,
        "serializer": "json",
        "max_workers": 10,
        "EVENT_RETRY_DELAYS": [0.05, 0.1],
    }

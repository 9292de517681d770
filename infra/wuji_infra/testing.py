"""Test helpers: a fresh RabbitMQ vhost and fresh PostgreSQL databases per test run.

Integration and e2e tests use the real broker and the real PostgreSQL
(``WUJI_TEST_AMQP_URI``, ``WUJI_TEST_POSTGRES_URL``) and never see another run's
messages or rows: each run gets its own vhost and its own databases, removed
at the end.
"""
import contextlib
import subprocess
import urllib.parse
import uuid

import sqlalchemy as sa

from wuji_infra.config import env


def run_id():
    return uuid.uuid4().hex[:10]


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def amqp_uri_with_vhost(base_uri, vhost):
    parts = urllib.parse.urlsplit(base_uri)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


@contextlib.contextmanager
def fresh_vhost(prefix="wuji-test"):
    """Yield the AMQP URI of a new vhost (made with rabbitmqctl), deleted afterwards."""
    vhost = f"{prefix}-{run_id()}"
    base = env("WUJI_TEST_AMQP_URI")
    user = urllib.parse.urlsplit(base).username or "guest"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield amqp_uri_with_vhost(base, vhost)
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def fresh_databases(names, prefix="wuji_test"):
    """Yield ``{name: url}`` of new PostgreSQL databases, dropped afterwards."""
    admin_url = env("WUJI_TEST_POSTGRES_URL")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    tag = run_id()
    created = {}
    try:
        with admin.connect() as connection:
            for name in names:
                database = f"{prefix}_{tag}_{name}"
                connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
                created[name] = sa.engine.make_url(admin_url).set(database=database).render_as_string(hide_password=False)
        yield created
    finally:
        with admin.connect() as connection:
            for url in created.values():
                database = sa.engine.make_url(url).database
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def in_memory_store(source, metadata):
    """For unit tests: the real Store on an in-memory SQLite database, no broker.

        store = in_memory_store("welfare", Base.metadata)
        with store.transaction() as tx:
            handlers.create_task(tx, ...)
        assert [e.event_type for e in emitted_events(store)] == ["visit_task_created"]
    """
    from sqlalchemy.orm import sessionmaker

    from wuji_infra import tables
    from wuji_infra.db import Store

    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool,
                              connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    tables.metadata.create_all(engine)
    return Store(sessionmaker(engine, expire_on_commit=False), source, on_commit=lambda: None)


def emitted_events(store):
    """The events a store's transactions committed to its outbox, oldest first."""
    import json

    from wuji_infra import events
    from wuji_infra.tables import outbox

    with store.read() as session:
        rows = session.execute(sa.select(outbox.c.payload).order_by(outbox.c.id)).scalars().all()
    return [events.from_message(json.loads(payload)) for payload in rows]

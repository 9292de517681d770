"""The database dependency of every service: engine, transactions, outbox, inbox.

    class WelfareService:
        name = "welfare"
        db = Database()

        @rpc
        def complete_visit(self, ...):
            with self.db.transaction() as tx:
                ...                      # tx.session is a SQLAlchemy Session
                tx.emit("visit_completed", {...})

A transaction commits when its block ends without error and rolls back
otherwise; either way it ends before the entrypoint returns, so a message is
never acked before its effect is durable. Emitted events go to the outbox in
the same commit (wuji_infra.outbox).
"""
import contextlib
import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from sqlalchemy.orm import sessionmaker

from wuji_infra import config as settings
from wuji_infra import events, failpoints
from wuji_infra.outbox import OutboxRelay, outbox_row
from wuji_infra.tables import inbox, outbox

log = logging.getLogger(__name__)


def make_engine(url):
    if url.startswith("postgresql"):
        # psycopg2 blocks the eventlet hub unless made cooperative
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
        return sa.create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Transaction:
    """One unit of work: a session, the events it emits, the events it handles."""

    def __init__(self, session, source):
        self.session = session
        self.source = source
        self.emitted = []

    def emit(self, event_type, data):
        """Queue an event in the outbox; it is published only if this commits."""
        event = events.new_event(event_type, data, source=self.source)
        self.session.execute(sa.insert(outbox).values(**outbox_row(event)))
        self.emitted.append(event)
        return event

    def emit_many(self, event_type, datas):
        """``emit`` for many events of one type, in one batched insert (bulk imports)."""
        emitted = [events.new_event(event_type, data, source=self.source) for data in datas]
        if emitted:
            self.session.execute(sa.insert(outbox), [outbox_row(event) for event in emitted])
            self.emitted.extend(emitted)
        return emitted

    def claim(self, event, handler):
        """True the first time ``handler`` sees ``event``; False for a redelivery.

        The inbox row commits with the handler's effect, so a handler that
        fails leaves no row and the retry acts; one that succeeded never acts
        again. Of two concurrent deliveries, the second waits for the first's
        transaction and then finds the row.
        """
        dialect = self.session.get_bind().dialect.name
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        claimed = self.session.execute(
            insert(inbox)
            .values(handler=handler, event_id=event.event_id, handled_at=dt.datetime.now(dt.timezone.utc))
            .on_conflict_do_nothing()
        ).rowcount
        if not claimed:
            log.info("%s: event %s already handled, skipped", handler, event.event_id)
        return bool(claimed)


class Store:
    """What a worker gets: transactions, and plain reads."""

    def __init__(self, sessions, source, on_commit):
        self._sessions = sessions
        self._source = source
        self._on_commit = on_commit

    @contextlib.contextmanager
    def transaction(self):
        session = self._sessions()
        tx = Transaction(session, self._source)
        try:
            yield tx
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        failpoints.hit("after_commit")
        if tx.emitted:
            self._on_commit()

    @contextlib.contextmanager
    def read(self):
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


class Database(DependencyProvider):
    """SQLAlchemy 2 on ``<SERVICE>_DATABASE_URL``, with the service's outbox relay."""

    def __init__(self, poll_interval=1.0, publishes=True):
        """``publishes=False`` for a database with no outbox: no relay runs."""
        self.poll_interval = poll_interval
        self.publishes = publishes

    def setup(self):
        service = self.container.service_name
        self.engine = make_engine(settings.database_url(service))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        exchange = get_event_exchange(service)
        publisher = Publisher(
            config.get(AMQP_URI_CONFIG_KEY, settings.amqp_uri()),
            exchange=exchange, declare=[exchange], use_confirms=True,
        )

        def publish(message, routing_key):
            publisher.publish(message, routing_key=routing_key)

        self.relay = OutboxRelay(self.sessions, publish, poll_interval=self.poll_interval)

    def start(self):
        if self.publishes:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        self.relay.stop()
        self.engine.dispose()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        return Store(self.sessions, self.container.service_name, self.relay.wake)

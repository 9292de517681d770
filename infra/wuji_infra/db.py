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
import functools
import logging
import time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from sqlalchemy.orm import sessionmaker

from wuji_infra import config as settings
from wuji_infra import events, failpoints, idempotency, logs, metrics
from wuji_infra.errors import DatabaseUnavailable, NotFound, no_such
from wuji_infra.outbox import ConfirmedPublisher, OutboxRelay, outbox_row
from wuji_infra.tables import inbox, outbox
from wuji_infra.validation import as_id

log = logging.getLogger(__name__)


def make_engine(url, autocommit=False):
    """The engine of a process's database; ``autocommit`` for one that only reads (each statement
    commits by itself: no BEGIN, no ROLLBACK, and no switching a connection in and out of it)."""
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if url.startswith("postgresql"):
        # psycopg2 blocks the eventlet hub unless made cooperative
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
        # every connection kept once opened: a pool that closes what it opened for a burst
        # opens it again at the next, and under steady load spends more on that than on work
        engine = sa.create_engine(url, pool_size=settings.database_pool_size(), max_overflow=0, **options)
        _ping_after_idle(engine)
        return engine
    engine = sa.create_engine(url, connect_args={"timeout": 30}, **options)

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


# A connection idle for longer than this is pinged before use: the server may have
# closed it (a restart, an idle timeout, an operator). One in steady use is not:
# a ping per checkout would be one more round trip for every unit of work.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_after_idle(engine):
    """SQLAlchemy's pessimistic disconnect handling, only for connections that sat idle."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            raise sa.exc.DisconnectionError("connection closed while idle") from None  # the pool takes another


# Statements built once: a statement object caches its SQL, so executing it with
# parameters skips building and keying a new one for every event.
_INSERT_OUTBOX = sa.insert(outbox)
# As text, because SQLAlchemy 2.0 compiles a PostgreSQL INSERT ... ON CONFLICT anew at every
# execution (it is never cached); this one runs once per event handled. Same SQL on SQLite.
_CLAIM = sa.text(
    "INSERT INTO inbox (handler, event_id, handled_at) VALUES (:handler, :event_id, :handled_at) "
    "ON CONFLICT DO NOTHING"
).bindparams(sa.bindparam("handled_at", type_=inbox.c.handled_at.type))


# a read on a store without an engine of its own for reads (a test's, a tool's): autocommit too
_READ_ONLY = {"isolation_level": "AUTOCOMMIT"}


def get_or_404(session, model, key, what, lock=False):
    """The row of ``model`` whose primary key is ``key``, else NotFound.

    ``what`` names the row for the office, Chinese then English:
    ``("走访任务", "visit task")`` answers "走访任务 7 不存在 (no such visit task)".
    A key that cannot be an id (not a whole number, out of range) is not found
    either. ``lock`` takes the row ``FOR UPDATE``.
    """
    number = as_id(key)
    found = None if number is None else session.get(model, number, with_for_update=lock or None)
    if found is None:
        raise no_such(what, key)
    return found


def row_or_404(session, table, key, what):
    """The row of ``table`` whose ``id`` is ``key``, as a mapping, else NotFound as for get_or_404.
    For a read that only answers (no change, no relationship to follow): a plain statement,
    compiled once, costs half of what loading an ORM object does."""
    number = as_id(key)
    found = None if number is None else session.execute(_by_id(table), {"id": number}).mappings().one_or_none()
    if found is None:
        raise no_such(what, key)
    return found


@functools.cache
def _by_id(table):
    return sa.select(table).where(table.c.id == sa.bindparam("id"))


def where_chosen(query, model, chosen, equal=(), period=None):
    """A list's filters on a select(): each name in ``equal`` that was chosen must match its
    column; ``period`` = ``(column, from_key, to_key)`` keeps rows from..to, both inclusive."""
    for name in equal:
        if name in chosen:
            query = query.where(getattr(model, name) == chosen[name])
    if period is not None:
        column, from_key, to_key = period
        if chosen.get(from_key) is not None:
            query = query.where(column >= chosen[from_key])
        if chosen.get(to_key) is not None:
            query = query.where(column <= chosen[to_key])
    return query


def dialect_insert(session, table):
    """The INSERT of the session's database (PostgreSQL or SQLite), which knows ``ON CONFLICT``."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    return insert(table)


def insert_unless_present(session, table):
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``table``, for ``session.execute(statement, values)``;
    its rowcount is 1 when the row was inserted, 0 when its key was there."""
    return dialect_insert(session, table).on_conflict_do_nothing()


class Transaction:
    """One unit of work: a session, the events it emits, the events it handles."""

    def __init__(self, session, source):
        self.session = session
        self.source = source
        self.emitted = []

    def emit(self, event_type, data):
        """Queue an event in the outbox; it is published only if this commits."""
        event = events.new_event(event_type, data, source=self.source, request_id=logs.request_id())
        self.session.execute(_INSERT_OUTBOX, outbox_row(event))
        self.emitted.append(event)
        return event

    def emit_many(self, event_type, datas):
        """``emit`` for many events of one type in one statement (batches of thousands)."""
        batch = [events.new_event(event_type, data, source=self.source, request_id=logs.request_id())
                 for data in datas]
        if batch:
            self.session.execute(_INSERT_OUTBOX, [outbox_row(event) for event in batch])
            self.emitted.extend(batch)
        return batch

    def claim(self, event, handler):
        """True the first time ``handler`` sees ``event``; False for a redelivery.

        The inbox row commits with the handler's effect, so a handler that
        fails leaves no row and the retry acts; one that succeeded never acts
        again. Of two concurrent deliveries, the second waits for the first's
        transaction and then finds the row.
        """
        claimed = self.session.execute(
            _CLAIM, {"handler": handler, "event_id": event.event_id, "handled_at": dt.datetime.now(dt.timezone.utc)},
        ).rowcount
        if not claimed:
            log.info("%s: event %s already handled, skipped", handler, event.event_id)
        return bool(claimed)


def _unavailable(exc):
    log.warning("database unavailable: %s", exc.orig if exc.orig is not None else exc)
    return DatabaseUnavailable("数据库暂不可用, 请稍后重试 (the database is unavailable, try again later)")


class Store:
    """What a worker gets: transactions, and plain reads."""

    def __init__(self, sessions, source, on_commit=None, request=None, reads=None):
        """``on_commit(events)``: called after a commit with the events it emitted.
        ``request``: the worker's idempotency.Request, claimed by its first transaction.
        ``reads``: sessions of an autocommit engine (make_engine) for ``read()``; else reads
        switch a connection of ``sessions`` to autocommit and back, a round trip more."""
        self._sessions = sessions
        self._reads = reads
        self._source = source
        self._on_commit = on_commit
        self.request = request
        self._claimed = False

    def for_request(self, request):
        """This store for a worker that does ``request`` (the gateway's own writes)."""
        return Store(self._sessions, self._source, self._on_commit, request, self._reads)

    @contextlib.contextmanager
    def transaction(self):
        """One unit of work. The first that commits for a request claims its key with it,
        or raises Conflict or idempotency.Answered before the body runs."""
        session = self._sessions()
        tx = Transaction(session, self._source)
        try:
            if self.request is not None and not self._claimed:
                idempotency.claim(session, self.request)
            yield tx
            session.commit()
            self._claimed = self.request is not None
        except sa.exc.OperationalError as exc:
            session.rollback()
            raise _unavailable(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        failpoints.hit("after_commit")
        if tx.emitted and self._on_commit is not None:
            self._on_commit(tx.emitted)

    def store_answer(self, answer):
        """After the method returned: keep its answer for the claimed key. The effect has
        committed, so a failure here is logged, not raised: the caller still gets its answer."""
        if not self._claimed:
            return
        try:
            with self._sessions.begin() as session:
                idempotency.store_answer(session, self.request, answer)
        except (sa.exc.SQLAlchemyError, TypeError) as exc:
            log.warning("answer of request key %s not stored: %s", self.request.key, exc)

    def once(self, run):
        """``run()`` (which opens this store's transactions), or the answer kept for the request."""
        try:
            answer = run()
        except idempotency.Answered as answered:
            return answered.answer
        self.store_answer(answer)
        return answer

    @contextlib.contextmanager
    def read(self):
        """A session for reading only, outside any transaction: each statement sees what was
        committed when it ran (as it would in a READ COMMITTED transaction), and the database
        is asked once per statement, not also to BEGIN and ROLLBACK. Nothing written here is kept:
        write in ``transaction()``."""
        session = (self._reads or self._sessions)()
        try:
            if self._reads is None:
                session.connection(execution_options=_READ_ONLY)
            yield session
        except sa.exc.OperationalError as exc:
            raise _unavailable(exc) from exc
        finally:
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
        # reads on a pool of their own, its connections always in autocommit: one round trip
        # a statement (on the pool of transactions, each read would switch a connection there and back)
        self.read_engine = make_engine(settings.database_url(service), autocommit=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.reads = sessionmaker(self.read_engine)
        self.publisher = ConfirmedPublisher(config.get(AMQP_URI_CONFIG_KEY, settings.amqp_uri()),
                                            get_event_exchange(service))
        self.relay = OutboxRelay(self.sessions, self.publisher.publish, poll_interval=self.poll_interval)
        if self.publishes:
            metrics.watch_queues(service, self.sessions, config.get(AMQP_URI_CONFIG_KEY, settings.amqp_uri()))

    def start(self):
        if self.publishes:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        self.relay.stop()
        self.publisher.close()
        self.engine.dispose()
        self.read_engine.dispose()

    def kill(self):
        self.relay.stop()
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        return Store(self.sessions, self.container.service_name, self.relay.committed,
                     idempotency.from_worker(worker_ctx), self.reads)

"""DATABASE_POOL_SIZE bounds the connections one process opens to PostgreSQL."""
import pytest
import sqlalchemy as sa

from wuji_infra.db import make_engine

pytestmark = pytest.mark.integration


def test_a_process_opens_no_more_connections_than_its_pool_size(monkeypatch, database_urls):
    url = database_urls("funding")["funding"]
    monkeypatch.setenv("DATABASE_POOL_SIZE", "4")
    engine = make_engine(url)
    engine.pool._timeout = 0.5  # a fifth checkout waits this long, then gives up
    held = [engine.connect() for _ in range(4)]
    try:
        with pytest.raises(sa.exc.TimeoutError):
            engine.connect()
        database = sa.engine.make_url(url).database
        opened = held[0].execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                                 {"name": database}).scalar_one()
        assert opened == 4
    finally:
        for connection in held:
            connection.close()
        engine.dispose()


def test_reads_have_a_pool_of_their_own_always_in_autocommit(monkeypatch, database_urls):
    """A read is one round trip a statement: its connection never leaves autocommit, while the
    transactions' pool keeps its connections out of it (a read sees what others committed)."""
    from sqlalchemy.orm import sessionmaker

    from wuji_infra.db import Store
    from wuji_infra.tables import metadata

    url = database_urls("welfare")["welfare"]
    monkeypatch.setenv("DATABASE_POOL_SIZE", "2")
    writes, reads = make_engine(url), make_engine(url, autocommit=True)
    metadata.create_all(writes)
    store = Store(sessionmaker(writes, expire_on_commit=False), "welfare", reads=sessionmaker(reads))
    try:
        with store.transaction() as tx:
            assert not tx.session.connection().connection.dbapi_connection.autocommit
            tx.session.execute(sa.text("INSERT INTO inbox (handler, event_id, handled_at) VALUES ('h', 'e', now())"))
        with store.read() as session:
            assert session.connection().connection.dbapi_connection.autocommit
            assert session.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one() == 1
        assert reads.pool.checkedin() == 1 and writes.pool.checkedin() == 1
    finally:
        writes.dispose()
        reads.dispose()

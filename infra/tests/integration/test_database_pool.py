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

"""Each process's migrations build exactly the tables its models describe."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wuji_infra import config, migrations, tables


def models_of(process):
    module = __import__(f"{process}.models", fromlist=["Base"])
    return module.Base.metadata


@pytest.mark.parametrize("process", config.PROCESSES)
def test_migrations_match_the_models(process, tmp_path):
    url = f"sqlite:///{tmp_path}/{process}.sqlite3"
    migrations.upgrade(process, url)
    target = [models_of(process)] + ([tables.metadata] if process != "gateway" else [])
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), target)
    engine.dispose()
    assert differences == []

import datetime as dt

import pytest
import sqlalchemy as sa

from wuji_infra.types import UtcDateTime

metadata = sa.MetaData()
moments = sa.Table("moments", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UtcDateTime))


@pytest.fixture
def engine():
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    return engine


def test_a_moment_comes_back_aware_and_in_utc(engine):
    beijing = dt.timezone(dt.timedelta(hours=8))
    with engine.begin() as connection:
        connection.execute(moments.insert().values(id=1, at=dt.datetime(2026, 11, 26, 9, 30, tzinfo=beijing)))
        at = connection.execute(sa.select(moments.c.at)).scalar_one()
    assert at == dt.datetime(2026, 11, 26, 1, 30, tzinfo=dt.timezone.utc)
    assert at.tzinfo is not None


def test_a_naive_moment_is_refused(engine):
    with pytest.raises(sa.exc.StatementError, match="naive"):
        with engine.begin() as connection:
            connection.execute(moments.insert().values(id=2, at=dt.datetime(2026, 11, 26, 9, 30)))

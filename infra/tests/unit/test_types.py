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



@pytest.fixture
def server_time_zone():
    """Set the server's own TZ for a test; the process's zone is restored afterwards."""
    import os
    import time

    before = os.environ.get("TZ")

    def set_to(zone):
        if zone is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = zone
        time.tzset()

    yield set_to
    set_to(before)


def test_the_office_day_is_china_time_whatever_the_server_keeps(server_time_zone):
    import datetime as dt

    from wuji_infra import config

    server_time_zone(None)       # a server in UTC, no TZ set
    config.use_office_time_zone()  # the default: China Standard Time
    now = dt.datetime.now(dt.timezone.utc)
    assert dt.date.today() == (now + dt.timedelta(hours=8)).date()


def test_a_moment_falls_on_the_office_day(server_time_zone):
    import datetime as dt

    from wuji_infra.types import office_date

    server_time_zone("CST-8")
    # 23:30 UTC on 31 March is 07:30 on 1 April in Beijing: a registration then is April's
    assert office_date(dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.timezone.utc)) == dt.date(2026, 4, 1)
    assert office_date(dt.datetime(2026, 4, 1, 15, 59, tzinfo=dt.timezone.utc)) == dt.date(2026, 4, 1)

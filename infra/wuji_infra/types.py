"""Column types shared by the services."""
import datetime as dt

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator):
    """A moment in time, stored with its zone and always read back as aware UTC.

    PostgreSQL keeps the zone; SQLite does not, and would hand back naive
    datetimes that serialize without an offset. Naive values are refused on
    the way in, so nothing ambiguous is ever stored.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r}")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value


def utc_now():
    """Now, aware, in UTC: the default of every UtcDateTime column."""
    return dt.datetime.now(dt.timezone.utc)


def office_date(moment):
    """The office's day of an aware moment: its date in local time (config.use_office_time_zone)."""
    return moment.astimezone().date()

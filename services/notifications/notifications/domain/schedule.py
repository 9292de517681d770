"""When a push goes: outside quiet hours, the digest at its hour, retries after their waits. No I/O.

Quiet hours and the digest's hour are the office's local time (the process's TZ, China time by
default); moments are kept in UTC.
"""
import datetime as dt

from notifications.domain.policy import parse_clock


def quiet_until(moment, quiet_hours):
    """The end of the quiet hours when ``moment`` falls inside them, else ``moment``.
    A span may cross midnight (21:00–07:30); None or start == end: no quiet hours."""
    if not quiet_hours:
        return moment
    start, end = parse_clock(quiet_hours["start"]), parse_clock(quiet_hours["end"])
    if start == end:
        return moment
    local = moment.astimezone()
    clock, day = local.time(), local.date()
    if start < end:
        inside, end_day = start <= clock < end, day
    else:
        inside = clock >= start or clock < end
        end_day = day + dt.timedelta(days=1) if clock >= start else day
    if not inside:
        return moment
    return dt.datetime.combine(end_day, end).astimezone().astimezone(dt.timezone.utc)


def digest_day(moment, digest_hour):
    """The office's day whose digest is due at ``moment`` (None before the day's hour)."""
    local = moment.astimezone()
    return local.date() if local.hour >= digest_hour else None


def next_attempt(moment, attempts, retry_seconds):
    """When to try again after ``attempts`` failed attempts; None: no more (the push failed)."""
    if attempts > len(retry_seconds):
        return None
    return moment + dt.timedelta(seconds=retry_seconds[attempts - 1])


def lease_seconds(timeout):
    """How long a sender holds a push: past one attempt's longest time (connect and read), with room."""
    return 2 * timeout + 5

"""Errors that cross RPC boundaries with their type and fields intact.

A service raises them from an RPC method (listed in ``expected_exceptions``);
nameko serializes their args, and because they are registered with
``deserialize_to_instance`` the gateway receives the same class back and maps
it to an HTTP status in one table (gateway/errors.py).
"""
from nameko.exceptions import deserialize_to_instance


class WujiError(Exception):
    code = "error"

    def __init__(self, message, fields=None):
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or {}

    def __str__(self):
        return self.message


@deserialize_to_instance
class InvalidInput(WujiError):
    """Bad input: ``fields`` maps each field to a list of reasons."""
    code = "invalid_input"


@deserialize_to_instance
class NotFound(WujiError):
    code = "not_found"


def no_such(what, key):
    """The NotFound of record ``key``; ``what`` names it, Chinese then English:
    ``("走访任务", "visit task")`` → "走访任务 7 不存在 (no such visit task)"."""
    chinese, english = what
    return NotFound(f"{chinese} {key} 不存在 (no such {english})")


@deserialize_to_instance
class Forbidden(WujiError):
    """The caller's role or branches do not allow this (403); also a call without a
    context the gateway signed (wuji_infra.access)."""
    code = "forbidden"


@deserialize_to_instance
class Conflict(WujiError):
    """The request conflicts with the current state (a duplicate, a second completion)."""
    code = "conflict"


@deserialize_to_instance
class DatabaseUnavailable(WujiError):
    """The service's database could not be reached, or dropped the connection mid-work.
    Nothing was committed; trying again later is safe. Not EXPECTED: an event handler retries it."""
    code = "service_unavailable"


EXPECTED = (InvalidInput, NotFound, Forbidden, Conflict)

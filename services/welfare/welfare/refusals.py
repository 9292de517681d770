"""How a handler says no: the problem a domain rule found, as the error naming its field."""
from wuji_infra.errors import Conflict, InvalidInput


def refuse(problem, field, error=InvalidInput):
    """Raise ``error`` with ``problem`` on ``field`` when a rule found one; nothing when it found none."""
    if problem:
        raise error(problem, {field: [problem]})


def conflict(problem, field):
    """``refuse`` as a Conflict: the request is fine, the state of the record forbids it."""
    refuse(problem, field, Conflict)

"""The one rule for the dates the office types (started, ended, talked, opened, closed)."""


def date_problem(day, earliest, today, what):
    """Why a date is impossible, or None: not in the future, not before ``earliest``."""
    if day > today:
        return f"{what}不能晚于今天 (in the future)"
    if earliest is not None and day < earliest:
        return f"{what}不能早于 {earliest.isoformat()} (before {earliest.isoformat()})"
    return None

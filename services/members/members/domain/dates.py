"""The one rule on dates the office enters (health events, transfers, engagements)."""


def future_date_problem(day, today):
    """Why ``day`` cannot be recorded, or None: what is recorded has happened, so not after ``today``."""
    if day > today:
        return "日期不能晚于今天 (the date is in the future)"
    return None

"""The one rule on the days the office records: none is in the future."""


def future_date_problem(day, today):
    """Why ``day`` may not be recorded on ``today`` (it has not come yet), or None."""
    if day > today:
        return "日期不能晚于今天 (the date is in the future)"
    return None

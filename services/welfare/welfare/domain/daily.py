"""What the daily timer decides: milestone-birthday visits and the reminders of open tasks."""
import datetime as dt

from welfare.domain.tasks import PlannedVisit

# ages whose birthday gets a visit: 80, 85, 90, 95, then every year from 100
MILESTONE_AGES = (80, 85, 90, 95)
EVERY_YEAR_FROM = 100

# the reminders the daily timer sends, each once per task
REMINDERS = ("due_soon", "overdue")
DUE_SOON_DAYS = 1  # visit_task_due_soon goes out this many days before the due date


def birthday_in(birth_date, year):
    """The day a birthday falls on in ``year``; 29 February on 28 February in other years."""
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def is_milestone(age):
    return age in MILESTONE_AGES or age >= EVERY_YEAR_FROM


def week_start(day):
    """The Monday of the week ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def birthday_visit(member_id, birth_date, today, branch_id=None):
    """The milestone-birthday visit whose week has come by ``today``, or None.

    The task appears on the Monday of the birthday's week (or on the first
    day the timer runs after it, up to the birthday itself) and is due on the
    birthday. One per member and age.
    """
    for year in (today.year, today.year + 1):  # a January birthday's week may start in December
        birthday = birthday_in(birth_date, year)
        age = year - birth_date.year
        if week_start(birthday) <= today <= birthday and is_milestone(age):
            return PlannedVisit(
                member_id=member_id, cause="birthday", cause_date=birthday,
                cause_key=f"birthday:{member_id}:{age}",
                reason=f"{age}岁生日看望（{birthday.isoformat()}）",
                due_date=birthday, branch_id=branch_id,
            )
    return None


def milestone_birth_ranges(today):
    """Ranges (first, last) of birth dates that may have a milestone birthday
    within a week of ``today``: a cheap filter before ``birthday_visit``."""
    ranges = []
    for year in (today.year, today.year + 1):
        ranges += [(dt.date(year - age, 1, 1), dt.date(year - age, 12, 31)) for age in MILESTONE_AGES]
    ranges.append((dt.date(1, 1, 1), dt.date(today.year + 1 - EVERY_YEAR_FROM, 12, 31)))
    return ranges


def reminder_window(kind, today):
    """(first, last) due dates of the open tasks that get ``kind`` today; None: no bound."""
    if kind == "overdue":
        return None, today - dt.timedelta(days=1)
    return today, today + dt.timedelta(days=DUE_SOON_DAYS)


"""Festival visits (春节, 重阳节): when each festival falls, who a policy
selects, and how a batch of visits is spread over the visitors. No SQL.

Both festivals fall on lunar dates (正月初一, 九月初九); their Gregorian day
comes from the ``lunardate`` library's tables, never from dates typed here.
"""
import dataclasses
import datetime as dt
import heapq

from lunardate import LunarDate

# festival -> (Chinese name, lunar month, lunar day)
FESTIVALS = {
    "spring_festival": ("春节", 1, 1),
    "double_ninth": ("重阳节", 9, 9),
}


def festival_date(festival, year):
    """The Gregorian day of ``festival`` in lunar year ``year`` (which, for
    both festivals, is in Gregorian year ``year`` too)."""
    _, month, day = FESTIVALS[festival]
    return LunarDate(year, month, day).to_solar_date()


# the years whose festivals can be dated: the lunar calendar library's tables cover 1900-2099,
# and a festival early in lunar 1900 fell in the Gregorian year before
FIRST_YEAR, LAST_YEAR = 1901, 2099


@dataclasses.dataclass(frozen=True)
class Policy:
    """Who a festival batch visits: active members aged ``min_age`` or more
    on the festival, OR living alone, OR in hardship, OR with children away,
    as each is chosen. ``lead_days``: how long before the festival the daily
    timer makes the batch."""
    min_age: int | None = 80
    lives_alone: bool = True
    hardship: bool = True
    children_away: bool = False
    lead_days: int = 14

    def selects_anyone(self):
        return self.min_age is not None or self.lives_alone or self.hardship or self.children_away


def born_on_or_before(festival_day, min_age):
    """The latest birth date of a member aged ``min_age`` or more on ``festival_day``."""
    try:
        return festival_day.replace(year=festival_day.year - min_age)
    except ValueError:  # 29 February
        return dt.date(festival_day.year - min_age, 2, 28)


def batch_window(festival, year, lead_days):
    """(first day, festival day): the days on which the timer makes the batch."""
    day = festival_date(festival, year)
    return day - dt.timedelta(days=lead_days), day


def cause_key(festival, year, member_id):
    return f"festival:{festival}:{year}:{member_id}"


def reason(festival, day):
    return f"{FESTIVALS[festival][0]}走访慰问（{day.isoformat()}）"


def spread(member_ids, visitors, loads=None):
    """Assign each member to the visitor with the fewest tasks so far (ties:
    the lower id), so no one gets more than one task more than another.

    ``visitors`` are (id, name); ``loads`` {visitor id: tasks already given in
    this batch}. Returns [(member_id, visitor id or None)].
    """
    if not visitors:
        return [(member_id, None) for member_id in member_ids]
    loads = loads or {}
    heap = [(loads.get(visitor_id, 0), visitor_id) for visitor_id, _ in visitors]
    heapq.heapify(heap)
    assigned = []
    for member_id in member_ids:
        load, visitor_id = heapq.heappop(heap)
        assigned.append((member_id, visitor_id))
        heapq.heappush(heap, (load + 1, visitor_id))
    return assigned


def festival_problem(festival):
    """Why ``festival`` names no festival, or None."""
    if festival not in FESTIVALS:
        return f"节日应为 {', '.join(sorted(FESTIVALS))} 之一 (unknown festival)"
    return None


def batch_years(today):
    """The festival years whose batch may be due ``today``: this one and the next
    (a Spring Festival's lead days may begin in December)."""
    return (today.year, today.year + 1)

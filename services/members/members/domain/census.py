"""Who was on the roster on a given day, and the yearly statistics sheet (离退休干部基本情况统计表):
members by retirement kind, gender, organizational relation and age band."""
import dataclasses
import datetime as dt

from members.domain.roster import age_on

# (key, youngest, oldest) in whole years
AGE_BANDS = (("under_60", None, 59), ("60_69", 60, 69), ("70_79", 70, 79), ("80_89", 80, 89), ("90_plus", 90, None))
COUNTS = ("total", "lixiu", "tuixiu", "male", "female", "unit", "community", *(key for key, _, _ in AGE_BANDS))


@dataclasses.dataclass(frozen=True)
class Life:
    """A member's time on the roster: from ``counts_from`` until ``left_on`` (died or transferred
    out; None while on it), with the relation they had before each change (``moves``:
    ``[(day, relation before)]``, by day)."""
    member_id: int
    branch_id: int
    name: str
    birth_date: dt.date
    gender: str
    retirement_kind: str
    org_relation: str
    counts_from: dt.date
    left_on: dt.date | None = None
    left_by: str | None = None  # "deceased" or "transferred_out"
    moves: tuple = ()


def on_roster(life, day):
    return life.counts_from <= day and (life.left_on is None or life.left_on > day)


def relation_on(life, day):
    """The organizational relation on ``day``: the one before the first change after it, else today's."""
    for moved_on, before in life.moves:
        if moved_on > day:
            return before
    return life.org_relation


def age_band(age):
    for key, youngest, oldest in AGE_BANDS:
        if (youngest is None or age >= youngest) and (oldest is None or age <= oldest):
            return key
    raise ValueError(age)


def counts(lives, day):
    """The sheet's counts of the members on the roster on ``day``."""
    tally = dict.fromkeys(COUNTS, 0)
    for life in lives:
        if not on_roster(life, day):
            continue
        tally["total"] += 1
        tally[life.retirement_kind] += 1
        tally[life.gender] += 1
        tally[relation_on(life, day)] += 1
        tally[age_band(age_on(life.birth_date, day))] += 1
    return tally


def changes(lives, year, day):
    """Joined (counted from), deceased and transferred out in ``year`` up to ``day``."""
    def within(value):
        return value is not None and value.year == year and value <= day
    return {
        "joined": sum(1 for life in lives if within(life.counts_from)),
        "deceased": sum(1 for life in lives if within(life.left_on) and life.left_by == "deceased"),
        "transferred_out": sum(1 for life in lives if within(life.left_on) and life.left_by == "transferred_out"),
    }


def years_before(day, years):
    """The same day ``years`` earlier (28 February for a 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def band_cutoffs(day):
    """``[(band, latest birth date in it)]`` from the oldest band: a member is in the first band
    whose latest birth date is on or after theirs (the last band, under 60, takes the rest)."""
    return [(key, years_before(day, youngest)) for key, youngest, _ in reversed(AGE_BANDS) if youngest is not None]


def average_of_ages(ages):
    """``ages``: {age: how many}; the mean to one decimal, or None for nobody."""
    from decimal import ROUND_HALF_UP, Decimal
    people = sum(ages.values())
    if not people:
        return None
    return (Decimal(sum(age * count for age, count in ages.items())) / people).quantize(Decimal("0.1"), ROUND_HALF_UP)

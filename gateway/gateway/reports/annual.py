"""The yearly work report (年度工作汇报): which day it is counted at, and its figures
put together from the four services' parts. Plain functions, no RPC."""
import datetime as dt
from decimal import ROUND_DOWN, Decimal

from wuji_infra.errors import InvalidInput

FOUNDING_YEAR = 1921  # the Party's founding, for 庆祝建党X周年
FIRST_YEAR = 2000
CENTS = Decimal("0.01")
WAN = Decimal(10000)

# which service counts each figure of the contract (CONTRACT "Reports")
FIGURES = {
    "members": ("members_total", "in_communities", "in_unit", "average_age", "branches", "committees"),
    "activities": ("study_sessions", "bulletin_issues", "bulletin_items", "contacts", "review_meetings",
                   "experts_engaged", "volunteer_hours"),
    "welfare": ("help_cases_solved", "visits", "members_visited", "condolence_cash", "condolence_goods"),
}


def as_of(year, today):
    """The day a year's report is counted at: its last day, or today for the current year.
    A year still to come has nothing to report (400)."""
    if year > today.year or year < FIRST_YEAR:
        raise InvalidInput(f"年度应在 {FIRST_YEAR}–{today.year} 之间 (year is {FIRST_YEAR} to {today.year})",
                           {"year": [f"应在 {FIRST_YEAR}–{today.year} 之间 (between {FIRST_YEAR} and {today.year})"]})
    return today if year == today.year else dt.date(year, 12, 31)


def wan(*amounts):
    """Yuan in 万元, two decimals, cut (not rounded) as the report says "X万余元": 2,345 yuan is "0.23"."""
    total = sum((Decimal(amount) for amount in amounts), Decimal(0))
    return str((total / WAN).quantize(CENTS, rounding=ROUND_DOWN))


def compose(year, day, parts):
    """The report from the services' answers, ``parts``: ``{"members", "activities", "welfare"}``
    and ``"funding"`` (absent for a secretary: money is the office's, not a branch's)."""
    members, activities, welfare = parts["members"], parts["activities"], parts["welfare"]
    figures = {key: parts[service][key] for service, keys in FIGURES.items() for key in keys}
    figures["condolence_wan"] = wan(welfare["condolence_cash"], welfare["condolence_goods"])
    figures["party_anniversary"] = year - FOUNDING_YEAR
    return {
        "year": year,
        "as_of": day.isoformat(),
        "figures": figures,
        "honorees": members["honorees"],
        "branches": members["branch_list"],
        "census": members["census"],
        "activities_by_kind": activities["activities_by_kind"],
        "study_by_branch": study_by_branch(members["branch_list"], activities["study_by_branch"]),
        "review_meetings": activities["review_meeting_list"],
        "visits_by_cause": welfare["visits_by_cause"],
        "money": parts.get("funding"),
    }


def study_by_branch(branches, rows):
    """Study sessions per month of every branch, those without any included (twelve zeros)."""
    counted = {row["branch_id"]: row for row in rows}
    return [{"branch_id": branch["branch_id"], "name": branch["name"],
             "months": list(counted.get(branch["branch_id"], {}).get("months") or [0] * 12),
             "total": counted.get(branch["branch_id"], {}).get("total", 0)}
            for branch in branches]

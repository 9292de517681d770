"""The funding policy: which sources pay each category (in order), the share of
collected dues that comes back, and the subsidy settings a version may set."""
from decimal import Decimal

from funding.domain.ledger import CATEGORIES, SOURCES

DEFAULT_DUES_REBATE_RATIO = Decimal("0.50")

# the subsidy settings as a policy version names them: field -> what it is
SUBSIDY_FIELDS = {"subsidy_min_age": "min_age", "subsidy_amount": "amount", "subsidy_yearly_cap": "yearly_cap"}

DEFAULT_ALLOCATION = {
    "education_training": ["special_fund", "dues_rebate", "public_fund"],
    "newspapers": ["public_fund", "special_fund"],
    "study_tours": ["special_fund", "unit_subsidy"],
    "activities": ["special_fund", "dues_rebate", "public_fund"],
    "facilities": ["special_fund", "public_fund"],
    "visits_condolences": ["dues_rebate", "special_fund", "unit_subsidy"],
    "hardship_subsidy": ["dues_rebate", "special_fund", "unit_subsidy"],
}


def allocation_problems(allocation):
    """What is wrong with an allocation policy, as {field: [reasons]}; empty when it is good.

    Every category must be named, each with one or more known sources, none twice.
    """
    if not isinstance(allocation, dict):
        return {"allocation": ["应为对象：类别 → 经费来源列表 (must map each category to a list of sources)"]}
    problems = {}
    for category in CATEGORIES:
        if category not in allocation:
            problems[f"allocation.{category}"] = [f"缺少类别「{CATEGORIES[category]}」 (missing category)"]
    for category, sources in allocation.items():
        field = f"allocation.{category}"
        if category not in CATEGORIES:
            problems[field] = ["未知的支出类别 (unknown category)"]
        elif not isinstance(sources, list) or not sources:
            problems[field] = ["应为至少一个经费来源的列表 (must be a list of one or more sources)"]
        elif any(not isinstance(s, str) or s not in SOURCES for s in sources):
            problems[field] = [f"经费来源只能是 {', '.join(SOURCES)} (unknown source)"]
        elif len(set(sources)) != len(sources):
            problems[field] = ["经费来源不能重复 (a source is named twice)"]
    return problems


def rebate_ratio_problem(ratio):
    if not isinstance(ratio, Decimal) or not ratio.is_finite() or not 0 <= ratio <= 1 or ratio != ratio.quantize(Decimal("0.0001")):
        return "返还比例应在0到1之间，最多四位小数 (a ratio from 0 to 1, at most four decimals)"
    return None

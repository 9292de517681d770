"""The standardization scorecard (标准化规范化达标情况): the office's point policy and how
a branch's items are weighed into a score out of 100 and a star rating.

The services judge each item (met, what is missing, how many misses); the policy
says which items are in force, their points and what one miss costs. Its default
follows the published checklists (national 2022 "six goods" mapped to the five
basics, and the local 100-point, five-star checklists): see docs/reports.md.
"""
from decimal import Decimal

from wuji_infra.errors import InvalidInput

BASICS = ("organization", "team", "activities", "rules", "support")
BASIC_TITLES = {"organization": "基本组织", "team": "基本队伍", "activities": "基本活动",
                "rules": "基本制度", "support": "基本保障"}
TOTAL = Decimal(100)
STARS = (5, 4, 3, 2)  # a score at or above each threshold of the policy, in order; below all: 1 star

# key -> (basic, the service that judges it, default title, points, points lost per miss or None)
CHECKLIST = {
    "committee_complete": ("organization", "members", "支部班子健全（书记在任，7名以上党员的支部班子3–5人）", 10, None),
    "term_current": ("organization", "members", "按期换届，任期未逾期", 10, None),
    "seat_vacancy": ("organization", "members", "班子成员空缺不超过3个月", 4, 2),
    "contacts_quarterly": ("team", "activities", "三个联系：每名党员近三个月内至少联系一次", 10, 1),
    "visits_twice_yearly": ("team", "welfare", "每名离退休党员每年至少走访两次", 5, 1),
    "study_monthly": ("activities", "activities", "每月组织一次集体学习", 15, Decimal("1.5")),
    "theme_day_monthly": ("activities", "activities", "每月开展主题党日", 10, 1),
    "bulletin_weekly": ("activities", "activities", "每周发布一期学习园地", 5, Decimal("0.5")),
    "organization_life_meeting": ("rules", "activities", "每年至少召开一次组织生活会", 5, None),
    "democratic_review": ("rules", "activities", "每年开展一次民主评议党员", 5, None),
    "dues_paid": ("rules", "funding", "按时足额交纳党费", 4, 1),
    "visits_on_time": ("support", "welfare", "住院、重病、逝世走访按时完成（100%）", 4, 1),
    "festival_visits": ("support", "welfare", "春节等节日走访全覆盖（100%）", 4, 1),
    "budget_not_overdrawn": ("support", "funding", "经费不超支", 4, None),
    "funds_assured": ("support", "funding", "活动经费有保障（无因经费不足未入账的支出）", 4, None),
    "venue": ("support", "activities", "有固定的活动场所", 1, None),
}
# the items every scorecard has (CONTRACT "Reports"): a policy cannot leave them out
REQUIRED = ("committee_complete", "term_current", "study_monthly", "contacts_quarterly", "visits_on_time",
            "budget_not_overdrawn")
DEFAULT_STAR_THRESHOLDS = (90, 80, 70, 60)

DEFAULT_POLICY = {
    "version": 0,
    "items": [{"key": key, "title": title, "max_points": Decimal(points),
               "per_miss": None if per_miss is None else Decimal(per_miss), "enabled": True}
              for key, (_basic, _service, title, points, per_miss) in CHECKLIST.items()],
    "star_thresholds": [Decimal(points) for points in DEFAULT_STAR_THRESHOLDS],
    "note": "默认评分标准（依据2022年中办意见与地方百分制星级评定细则）(the default, after the checklists)",
    "set_by": None, "set_at": None,
}


def policy_problems(items, thresholds):
    """What is wrong with a policy (field -> [texts]); empty when it may be put in force."""
    problems = {}
    keys = [item["key"] for item in items]
    unknown = [key for key in keys if key not in CHECKLIST]
    if unknown:
        problems["items"] = [f"未知的评分项目 {'、'.join(unknown)} (unknown items)"]
    elif len(set(keys)) != len(keys):
        problems["items"] = ["评分项目重复 (an item is listed twice)"]
    else:
        enabled = {item["key"] for item in items if item["enabled"]}
        left_out = [key for key in REQUIRED if key not in enabled]
        if left_out:
            problems["items"] = [f"必备项目不能停用或缺少：{'、'.join(left_out)} (required items)"]
        total = sum((item["max_points"] for item in items if item["enabled"]), Decimal(0))
        if total != TOTAL:
            problems.setdefault("items", []).append(f"启用项目的分值合计应为 100 分，现为 {total} 分 (points add up to 100)")
        for item in items:
            if item["per_miss"] is not None and item["per_miss"] > item["max_points"]:
                problems.setdefault("items", []).append(
                    f"{item['key']}：每项扣分不能超过该项分值 (per_miss is at most max_points)")
    if len(thresholds) != len(STARS) or list(thresholds) != sorted(thresholds, reverse=True) \
            or len(set(thresholds)) != len(thresholds) or not all(0 < t <= TOTAL for t in thresholds):
        problems["star_thresholds"] = ["应为 4 个从高到低、互不相同、在 0–100 之间的分数线（五星、四星、三星、二星）"
                                       " (four descending scores for 5, 4, 3 and 2 stars)"]
    return problems


def points_of(item, judged):
    """Points a branch gets for one item: all when met; when not, none, or the points
    less ``per_miss`` for each miss (never below zero)."""
    if judged["met"]:
        return item["max_points"]
    if item["per_miss"] is None:
        return Decimal(0)
    return max(Decimal(0), item["max_points"] - item["per_miss"] * judged.get("misses", 1))


def stars_of(score, thresholds):
    for stars, threshold in zip(STARS, thresholds):
        if score >= threshold:
            return stars
    return 1


# an item in force that no service judged for the branch: not met, no points, and it says why
NOT_JUDGED = {"met": False, "missing": ["未能评定：没有服务给出该项的评定 (no service judged this item)"], "misses": 0}


def weigh(branch, judged, policy):
    """One branch's scorecard: ``judged`` is ``{key: {"met", "missing", "misses"}}`` from the
    services; every item in force is listed, in the policy's order."""
    items, score = [], Decimal(0)
    for item in policy["items"]:
        if not item["enabled"]:
            continue
        verdict = judged.get(item["key"], NOT_JUDGED)
        points = Decimal(0) if verdict is NOT_JUDGED else points_of(item, verdict)
        score += points
        items.append({
            "basic": CHECKLIST[item["key"]][0], "key": item["key"], "title": item["title"],
            "met": verdict["met"], "points": number(points), "max_points": number(item["max_points"]),
            "missing": [] if verdict["met"] else list(verdict["missing"]),
        })
    return {"branch_id": branch["branch_id"], "name": branch["name"], "score": number(score),
            "max_score": number(TOTAL), "stars": stars_of(score, policy["star_thresholds"]), "items": items}


def number(value):
    """Points as a JSON number: whole when whole, else one or two decimals."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value.quantize(Decimal("0.01")).normalize())


def judged_by_branch(answers):
    """``{branch_id: {key: verdict}}`` from the services' scorecard_items answers; an
    ``office`` item (funding's) counts for every branch."""
    judged, office = {}, {}
    for answer in answers:
        for item in answer.get("office", ()):
            office[item["key"]] = item
        for branch in answer["branches"]:
            for item in branch["items"]:
                judged.setdefault(branch["branch_id"], {})[item["key"]] = item
    return judged, office


def scorecard(branches, answers, policy):
    """Every branch of ``branches`` (members' frame: id and name) weighed by ``policy``."""
    judged, office = judged_by_branch(answers)
    return [weigh(branch, {**office, **judged.get(branch["branch_id"], {})}, policy) for branch in branches]

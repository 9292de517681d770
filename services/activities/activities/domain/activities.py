"""Branch activities (活动): their kinds, and what their cost is paid from."""
from decimal import Decimal

ACTIVITY_KINDS = (
    "themed_practice",     # 主题实践
    "online_party_lesson", # 云党课
    "exhibition",          # 视频、图片展
    "red_education_visit", # 红色教育基地参观
    "city_project_inspection",  # 重点项目考察
    "culture_show",        # 书法、摄影、绘画展
    "sports_contest",      # 乒乓球、棋类比赛
    "anniversary_event",   # 纪念庆祝活动
    "volunteer_service",   # 志愿服务
)
ACTIVITY_LABELS = {
    "themed_practice": "主题实践", "online_party_lesson": "云党课", "exhibition": "视频、图片展",
    "red_education_visit": "红色教育基地参观", "city_project_inspection": "重点项目考察",
    "culture_show": "书法、摄影、绘画展", "sports_contest": "乒乓球、棋类比赛",
    "anniversary_event": "纪念庆祝活动", "volunteer_service": "志愿服务",
}
# funding's expense categories (CONTRACT enum) an activity's cost may be paid from
EXPENSE_CATEGORIES = (
    "education_training", "newspapers", "study_tours", "activities",
    "facilities", "visits_condolences", "hardship_subsidy",
)
DEFAULT_EXPENSE_CATEGORY = "activities"

NO_COST = Decimal("0.00")
NO_HOURS = Decimal("0.0")


# what became of an activity's cost in funding: nothing to book, not heard back yet, booked,
# or refused for want of money (staff book it again once the money is there)
COST_STATUSES = ("none", "pending", "booked", "refused")
COST_STATUS_LABELS = {"none": "无费用", "pending": "待入账", "booked": "已入账", "refused": "经费不足未入账"}


def first_cost_status(cost):
    return "none" if cost == NO_COST else "pending"


def cost_of(values):
    """An activity's (cost, volunteer_hours): none given is none spent."""
    cost, hours = values["cost"], values["volunteer_hours"]
    return (NO_COST if cost is None else cost), (NO_HOURS if hours is None else hours)

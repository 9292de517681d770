"""Rules of basic activities and basic rules (基本活动, 基本制度). No nameko, no SQL.

Who is expected: the active members of a branch on a day. A member counts
from the day activities first heard of them (``registered_on``); deceased
and transferred-out members count no more.
"""
import calendar
import dataclasses
import datetime as dt

MEMBER_STATUSES = ("active", "deceased", "transferred_out")

# three contacts (三个联系): who contacts whom
CONTACT_LEVELS = (
    "staff_committee",     # 老干部工作人员 -> 支部班子
    "committee_member",    # 支部班子 -> 党员
    "member_member",       # 党员 -> 党员/其他离退休干部
)
CONTACT_CHANNELS = ("visit", "phone", "wechat", "meeting")
# what a contact learned about (思想、学习、生活、意见建议)
LEARNED_TOPICS = ("thoughts", "study", "life", "opinions")

CATCH_UP_METHODS = (
    "self_study",          # 自学
    "home_delivery",       # 送学上门 (housebound members)
    "make_up_session",     # 补课
    "online",              # 线上学习
)

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
# funding's expense categories (CONTRACT enum) an activity's cost may be paid from
EXPENSE_CATEGORIES = (
    "education_training", "newspapers", "study_tours", "activities",
    "facilities", "visits_condolences", "hardship_subsidy",
)
DEFAULT_EXPENSE_CATEGORY = "activities"

BULLETIN_ITEM_KINDS = ("article", "video", "audio", "picture", "policy", "notice")

REVIEW_MEETING_KINDS = ("lunzheng", "yantao")   # 论证会, 研讨会

COVERAGE_MONTHS = 3  # "the last quarter": the three months up to the day asked about


@dataclasses.dataclass(frozen=True)
class MemberFacts:
    member_id: int
    branch_id: int
    status: str
    registered_on: dt.date
    name: str = ""
    mobility_limited: bool = False


def is_expected(member, day):
    """Whether ``member`` belongs to the expected members of its branch on ``day``."""
    return member.status == "active" and member.registered_on <= day


def absentees(branch_members, attendee_ids, day):
    """The members expected on ``day`` who did not attend, by id."""
    attendees = set(attendee_ids)
    return [m for m in branch_members if is_expected(m, day) and m.member_id not in attendees]


def participant_problems(branch_id, member_ids, known):
    """Why each participant may not take part: ``{member_id: reason}``.

    ``known`` maps member id -> MemberFacts. A participant must be an active
    member of ``branch_id``.
    """
    problems = {}
    for member_id in member_ids:
        member = known.get(member_id)
        if member is None:
            problems[member_id] = f"党员 {member_id} 不存在 (no such member)"
        elif member.branch_id != branch_id:
            problems[member_id] = f"党员 {member_id} 不属于该支部 (not a member of branch {branch_id})"
        elif member.status != "active":
            problems[member_id] = f"党员 {member_id} 不是在册党员 (status {member.status})"
    return problems


def months_back(day, months):
    """The same day ``months`` earlier (clamped to the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def coverage_window(as_of):
    """(first, last): the days, both included, a contact must fall on to
    count as "in the last quarter": from the day after the same day three
    months before ``as_of``, up to ``as_of``."""
    return months_back(as_of, COVERAGE_MONTHS) + dt.timedelta(days=1), as_of


def month_status(year, month, held, first_member_on, today):
    """A branch's compliance for one month: ``held`` when it had a session,
    ``not_due`` for a month that has not ended yet without one (still time),
    ``future`` for a month not yet begun, ``no_members`` before the branch had
    a member, and ``missing`` otherwise."""
    first_day = dt.date(year, month, 1)
    last_day = dt.date(year, month, calendar.monthrange(year, month)[1])
    if held:
        return "held"
    if first_day > today:
        return "future"
    if first_member_on is None or first_member_on > last_day:
        return "no_members"
    if last_day >= today:
        return "not_due"
    return "missing"


def iso_weeks(year):
    """The ISO weeks of ``year`` as (monday, sunday) pairs, week 1 first."""
    weeks = []
    monday = dt.date.fromisocalendar(year, 1, 1)
    while monday.isocalendar()[0] == year:
        weeks.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks


def weeks_without_issue(year, issue_dates, first_member_on, today):
    """The ISO weeks of ``year`` that have ended (by ``today``) with no
    bulletin issue, from the week the branch had its first member."""
    covered = {d.isocalendar()[:2] for d in issue_dates}
    missing = []
    for number, (monday, sunday) in enumerate(iso_weeks(year), 1):
        if sunday >= today or first_member_on is None or first_member_on > sunday:
            continue
        if (year, number) not in covered:
            missing.append({"week": number, "monday": monday, "sunday": sunday})
    return missing

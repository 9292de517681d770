"""The study bulletin (学习园地): numbered per branch and year, one an ISO week."""
import datetime as dt

BULLETIN_ITEM_KINDS = ("article", "video", "audio", "picture", "policy", "notice")
BULLETIN_ITEM_LABELS = {"article": "文章", "video": "视频", "audio": "音频", "picture": "图片", "policy": "政策文件",
                        "notice": "通知"}

NUMBER_TAKEN = "该支部本年度已有此期号 (this number is taken for the branch and year)"


def number_problem(taken):
    """An issue's number is unique per branch and year: the problem when ``taken``, else None."""
    return NUMBER_TAKEN if taken else None


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

"""The three contacts (三个联系): who contacts whom, and who was not contacted in the last quarter."""
import calendar
import datetime as dt

CONTACT_LEVELS = (
    "staff_committee",     # 老干部工作人员 -> 支部班子
    "committee_member",    # 支部班子 -> 党员
    "member_member",       # 党员 -> 党员/其他离退休干部
)
CONTACT_CHANNELS = ("visit", "phone", "wechat", "meeting")
# what a contact learned of the member, topic by topic (its ``learned`` fields)
LEARNED_LABELS = {"thoughts": "思想", "study": "学习", "life": "生活", "opinions": "意见建议"}
CONTACT_LEVEL_LABELS = {"staff_committee": "工作人员联系支部班子", "committee_member": "支部班子联系党员",
                        "member_member": "党员联系离退休干部"}
CONTACT_CHANNEL_LABELS = {"visit": "走访", "phone": "电话", "wechat": "微信", "meeting": "会面"}
# what a contact learns of a member's life tells of their health (illness, a stay in hospital):
# masked for whoever may not read health facts
HEALTH_TOPICS = ("life",)

COVERAGE_MONTHS = 3  # "the last quarter": the three months up to the day asked about


def learned_of(learned):
    """What a contact learned, as kept: the topics with some text, trimmed."""
    return {topic: text.strip() for topic, text in learned.items() if (text or "").strip()}


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

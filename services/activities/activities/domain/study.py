"""Monthly collective study (集体学习): who was absent, how they caught up, which months had one."""
import calendar
import datetime as dt

from activities.domain.member_facts import is_expected

CATCH_UP_METHODS = (
    "self_study",          # 自学
    "home_delivery",       # 送学上门 (housebound members)
    "make_up_session",     # 补课
    "online",              # 线上学习
)
CATCH_UP_LABELS = {"self_study": "自学", "home_delivery": "送学上门", "make_up_session": "补课", "online": "线上学习"}

SESSION_TAKEN = "该支部当天已有集体学习记录 (the branch already has a study session that day)"


def absentees(branch_members, attendee_ids, day):
    """The members expected on ``day`` who did not attend, by id."""
    attendees = set(attendee_ids)
    return [m for m in branch_members if is_expected(m, day) and m.member_id not in attendees]


def session_day_problem(taken):
    """A branch holds one session a day: the problem when the day is ``taken``, else None."""
    return SESSION_TAKEN if taken else None


def catch_up_problems(attended, session_date, values):
    """Why this catch-up cannot be recorded: ``(field, reason)``, or None.

    ``attended``: whether the member attended the session (None: not expected
    at it); ``values``: the loaded catch-up.
    """
    if attended is None or attended:
        return "member_id", "该党员不是本次学习的缺席者 (the member was not absent from this session)"
    if values["date"] < session_date:
        return "date", "补学日期不能早于学习日期 (the catch-up is before the session)"
    if values["method"] == "home_delivery" and not values.get("by"):
        return "by", "送学上门须填写送学人 (who took the material to the member)"
    return None


def caught_up_problem(stored_method):
    """An absentee catches up once: the problem when one is recorded (``stored_method``), else None."""
    if stored_method is not None:
        return "该党员已有补学记录 (the member has already caught up)"
    return None


MONTH_STATUSES = ("held", "not_due", "future", "no_members", "missing")  # what month_status answers
MONTH_STATUS_LABELS = {"held": "已学习", "not_due": "本月未学", "future": "未到", "no_members": "尚无党员",
                       "missing": "缺学习"}


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

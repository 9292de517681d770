"""What a to-do item says, and where it stands for one account. No SQL.

Titles are plain words with ids and names, never a diagnosis, a hospital or an ID number:
the same words go to the office's group chat, where anyone in the group reads them.
"""
import datetime as dt

OPEN, SNOOZED, DONE, CLOSED = "open", "snoozed", "done", "closed"
STATUSES = (OPEN, SNOOZED, DONE, CLOSED)
STATUS_LABELS = {OPEN: "待办", SNOOZED: "暂缓", DONE: "已标记完成", CLOSED: "已办结"}

FESTIVALS = {"spring_festival": "春节", "double_ninth": "重阳节"}


def day(date):
    """12月5日: short, for a line in a chat."""
    return f"{date.month}月{date.day}日"


def who(name, member_id):
    return f"{name}（党员 #{member_id}）" if name else f"党员 #{member_id}"


def visit_title(kind, task_id, member, due_date, today):
    """The title of a visit task's item (assigned, due soon, overdue)."""
    if kind == "visit_due_soon":
        when = "明天到期" if due_date == today + dt.timedelta(days=1) else f"{day(due_date)}到期"
        return f"走访任务 #{task_id}：看望{member}，{when}"
    if kind == "visit_overdue":
        return f"走访任务 #{task_id}：看望{member}，已逾期（应于{day(due_date)}前完成）"
    return f"走访任务 #{task_id}：看望{member}，请于{day(due_date)}前完成"


def hospitalized_title(member, due_date):
    return f"请尽快安排看望{member}" + (f"（{day(due_date)}前）" if due_date else "")


def birthday_title(task_id, member, birthday):
    return f"{member}寿辰（{day(birthday)}），请安排看望（走访任务 #{task_id}）"


def festival_title(festival, festival_date, tasks_created):
    name = FESTIVALS.get(festival, festival)
    return f"{name}慰问（{festival_date.year}年{day(festival_date)}）：已生成 {tasks_created} 项走访任务，请分派落实"


def subsidy_title(check_id, member):
    return f"补助核查 #{check_id}：{member}的困难补助待审批"


def term_title(kind, branch, ends_on, reminder):
    if kind == "term_overdue":
        return f"{branch}任期已于{ends_on.year}年{day(ends_on)}届满，尚未换届"
    months = {"6_months": "六个月", "3_months": "三个月"}.get(reminder)
    ahead = f"，距届满不足{months}" if months else ""
    return f"{branch}任期将于{ends_on.year}年{day(ends_on)}届满{ahead}，请筹备换届"


def branch_words(name, branch_id):
    return name or f"党支部 #{branch_id}"


def help_case_title(case_id, member, opened_on):
    return f"帮扶事项 #{case_id}（{member}）自{opened_on.year}年{day(opened_on)}办理至今，尚未办结"


def expense_title(amount, reason):
    return f"支出 {amount} 元未能入账：{reason}"


def import_title(status, filename, created, updated, rejected):
    if status == "failed":
        return f"名册导入失败：{filename}"
    return f"名册导入完成：{filename}，新增 {created} 人，更新 {updated} 人" + (
        f"，{rejected} 行有误待改" if rejected else "")


def status_for(closed_at, mark_state, snoozed_until, today):
    """Where an item stands for one account: closed (the work was done) over the account's own
    mark; a snooze ends on its day."""
    if closed_at is not None:
        return CLOSED
    if mark_state == DONE:
        return DONE
    if mark_state == SNOOZED and snoozed_until is not None and snoozed_until > today:
        return SNOOZED
    return OPEN


def snooze_problem(until, today, latest_days=90):
    """Why an item cannot be snoozed until ``until`` (None when it can)."""
    if until <= today:
        return "暂缓日期应晚于今天 (the day must be after today)"
    if until > today + dt.timedelta(days=latest_days):
        return f"最多暂缓 {latest_days} 天 (at most {latest_days} days)"
    return None

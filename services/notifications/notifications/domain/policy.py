"""Who receives which to-do item, and which are pushed: the policy the admin can change. No SQL.

A to-do item (待办) has a ``kind``. For each kind the policy says whether it is made at
all, who receives it, and how the office's channels hear of it:

- receivers: roles (``admin``, ``staff``, ``approver``, ``viewer``, ``secretary``: the
  secretaries of the item's branch only), ``assignee`` (the account whose username or
  display name is the task's assignee) and ``requester`` (the account that started the
  work, e.g. an import);
- push: ``immediate`` (at once, outside quiet hours), ``digest`` (in the daily digest)
  or ``none`` (the to-do lists only).

Receivers are applied when a list is read, so a change of policy reaches the open
items at once. Kinds that tell of health (a hospitalization, a subsidy for one) go only
to roles that may read health facts, never to ``viewer``.
"""
import dataclasses
import datetime as dt

from wuji_infra.access import ADMIN, APPROVER, HEALTH, SEES, SECRETARY, STAFF, VIEWER

ASSIGNEE, REQUESTER = "assignee", "requester"
ROLE_RECEIVERS = (ADMIN, STAFF, APPROVER, VIEWER, SECRETARY)
RECEIVERS = ROLE_RECEIVERS + (ASSIGNEE, REQUESTER)
RECEIVER_LABELS = {ADMIN: "管理员", STAFF: "老干部科工作人员", APPROVER: "审批人", VIEWER: "领导查阅",
                   SECRETARY: "本支部书记", ASSIGNEE: "任务承办人", REQUESTER: "发起人"}

IMMEDIATE, DIGEST, NONE = "immediate", "digest", "none"
PUSHES = (IMMEDIATE, DIGEST, NONE)
PUSH_LABELS = {IMMEDIATE: "立即推送", DIGEST: "每日汇总", NONE: "不推送"}
CHANNEL_LABELS = {"webhook": "群机器人", "email": "电子邮件"}
DELIVERY_STATUS_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


@dataclasses.dataclass(frozen=True)
class Kind:
    label: str
    receivers: tuple
    push: str
    health: bool = False  # tells of a member's health: never to roles that may not read it


KINDS = {
    "visit_assigned": Kind("走访任务已指派", (ASSIGNEE,), NONE),
    "visit_due_soon": Kind("走访任务明日到期", (ASSIGNEE, SECRETARY), DIGEST),
    "visit_overdue": Kind("走访任务已逾期", (ASSIGNEE, SECRETARY, STAFF), IMMEDIATE),
    "member_hospitalized": Kind("尽快探望", (SECRETARY, STAFF), IMMEDIATE, health=True),
    "birthday_visit": Kind("寿辰看望", (SECRETARY, STAFF), DIGEST),
    "festival_batch": Kind("节日慰问任务已生成", (STAFF,), DIGEST),
    "subsidy_pending": Kind("困难补助待审批", (STAFF, APPROVER), DIGEST, health=True),
    "term_expiring": Kind("支部任期将满", (SECRETARY, STAFF), DIGEST),
    "term_overdue": Kind("支部逾期未换届", (SECRETARY, STAFF), DIGEST),
    "help_case_stale": Kind("帮扶事项久未办结", (ASSIGNEE, SECRETARY, STAFF), DIGEST),
    "expense_refused": Kind("支出未能入账", (STAFF,), DIGEST),
    "import_finished": Kind("名册导入完成", (REQUESTER,), NONE),
    "import_failed": Kind("名册导入失败", (REQUESTER,), NONE),
}

HELP_CASE_OPEN_DAYS = 30  # a help case open this long gets a to-do item
DIGEST_HOUR = 8
QUIET_HOURS = ("21:00", "07:30")  # immediate pushes wait for their end


def default_policy():
    return {
        "kinds": {kind: {"enabled": True, "receivers": list(rule.receivers), "push": rule.push}
                  for kind, rule in KINDS.items()},
        "help_case_open_days": HELP_CASE_OPEN_DAYS,
        "digest_hour": DIGEST_HOUR,
        "quiet_hours": {"start": QUIET_HOURS[0], "end": QUIET_HOURS[1]},
    }


def merged(stored):
    """The policy in force: what the admin set over the defaults (a kind added since keeps its default)."""
    policy = default_policy()
    if stored:
        policy.update({key: value for key, value in stored.items() if key != "kinds"})
        for kind, rule in (stored.get("kinds") or {}).items():
            if kind in policy["kinds"]:
                policy["kinds"][kind].update(rule)
    return policy


def receiver_problems(kind, receivers):
    """Why ``receivers`` cannot receive ``kind`` (a list of reasons, empty when they can)."""
    problems = [f"未知的接收人 {name} (unknown receiver)" for name in receivers if name not in RECEIVERS]
    if KINDS[kind].health:
        problems += [f"{RECEIVER_LABELS[name]}不能查看健康信息，不能接收此类待办 ({name} may not read health facts)"
                     for name in receivers if name in ROLE_RECEIVERS and name not in SEES[HEALTH]]
    return problems


def parse_clock(text):
    """"21:00" → time(21, 0); ValueError for anything else."""
    hours, _, minutes = text.partition(":")
    if len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(text)
    return dt.time(int(hours), int(minutes))


def kinds_for(policy, receiver):
    """The kinds (enabled) that ``receiver`` receives under ``policy``."""
    return sorted(kind for kind, rule in policy["kinds"].items() if rule["enabled"] and receiver in rule["receivers"])


def push_of(policy, kind):
    rule = policy["kinds"][kind]
    return rule["push"] if rule["enabled"] else NONE

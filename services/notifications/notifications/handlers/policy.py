"""The notification policy: read (the newest version over the defaults) and set by the admin."""
import sqlalchemy as sa

from notifications.domain import policy as rules
from notifications.models import PolicyVersion
from notifications.schemas import PolicyIn, PolicyOut
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load

# the channels the admin may set over the environment's (None: the environment's)
NO_CHANNEL_OVERRIDES = {"webhook_url": None, "webhook_kind": None, "email_to": None}


def policy_in_force(session):
    """The policy as a dict: ``domain.policy.default_policy()``'s keys, and ``channels``."""
    newest = session.scalar(sa.select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1))
    stored = newest.settings if newest else {}
    policy = rules.merged(stored)
    policy["channels"] = {**NO_CHANNEL_OVERRIDES, **(stored.get("channels") or {})}
    policy["version"] = newest.id if newest else 0
    policy["set_by"] = newest.set_by if newest else None
    policy["set_at"] = newest.set_at if newest else None
    return policy


def get_policy(session):
    return PolicyOut().dump(policy_in_force(session))


def set_policy(tx, data, actor=None, *, now):
    """A new version from what the admin sent: the kinds named change, the others keep theirs."""
    values = load(PolicyIn(), data)
    current = policy_in_force(tx.session)
    problems = {}
    for kind, rule in values.get("kinds", {}).items():
        if kind not in rules.KINDS:
            problems[f"kinds.{kind}"] = ["未知的待办类别 (unknown kind)"]
            continue
        receivers = rule.get("receivers", current["kinds"][kind]["receivers"])
        reasons = rules.receiver_problems(kind, receivers)
        if reasons:
            problems[f"kinds.{kind}.receivers"] = reasons
    if problems:
        raise InvalidInput("通知设置有误 (the policy is not valid)", problems)
    settings = {
        "kinds": {kind: {**current["kinds"][kind], **values.get("kinds", {}).get(kind, {})} for kind in rules.KINDS},
        "help_case_open_days": values.get("help_case_open_days", current["help_case_open_days"]),
        "digest_hour": values.get("digest_hour", current["digest_hour"]),
        "quiet_hours": values.get("quiet_hours", current["quiet_hours"]),
        "channels": {**current["channels"], **values.get("channels", {})},
    }
    tx.session.add(PolicyVersion(settings=settings, set_by=actor, set_at=now))
    tx.session.flush()
    return PolicyOut().dump(policy_in_force(tx.session))

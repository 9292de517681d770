"""The office's scorecard policy in the gateway's database: a new version each time it is
set, the newest in force; while none was set, the default (version 0, the checklist)."""
from decimal import Decimal

import sqlalchemy as sa

from gateway.models import ScorecardPolicy
from gateway.reports import scorecard
from gateway.schemas import ScorecardPolicyIn, ScorecardPolicyOut
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load, page_of

_OUT = ScorecardPolicyOut()


def _decimal(value):
    return None if value is None else Decimal(str(value))


def _version(row):
    """A stored version as the rules read it (points as Decimal)."""
    return {
        "version": row.id, "note": row.note, "set_by": row.set_by, "set_at": row.set_at,
        "items": [dict(item, max_points=_decimal(item["max_points"]), per_miss=_decimal(item["per_miss"]))
                  for item in row.items],
        "star_thresholds": [_decimal(points) for points in row.star_thresholds],
    }


def in_force(session):
    row = session.scalar(sa.select(ScorecardPolicy).order_by(ScorecardPolicy.id.desc()).limit(1))
    return scorecard.DEFAULT_POLICY if row is None else _version(row)


def dump(policy):
    return _OUT.dump(dict(policy, items=[dict(item, basic=scorecard.CHECKLIST[item["key"]][0])
                                         for item in policy["items"]]))


def get_policy(session):
    return dump(in_force(session))


def set_policy(session, data, actor, now):
    chosen = load(ScorecardPolicyIn(), data)
    items = [{"key": item["key"], "title": item.get("title") or scorecard.CHECKLIST[item["key"]][2],
              "max_points": item["max_points"], "per_miss": item["per_miss"], "enabled": item["enabled"]}
             for item in chosen["items"]]
    problems = scorecard.policy_problems(items, chosen["star_thresholds"])
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], problems)
    row = ScorecardPolicy(
        items=[dict(item, max_points=str(item["max_points"]),
                    per_miss=None if item["per_miss"] is None else str(item["per_miss"])) for item in items],
        star_thresholds=[str(points) for points in chosen["star_thresholds"]],
        note=chosen.get("note"), set_by=actor, set_at=now)
    session.add(row)
    session.flush()
    return dump(_version(row))


def history(session, page, page_size):
    """Every version set, newest first (the default, never stored, is not listed)."""
    query = sa.select(ScorecardPolicy).order_by(ScorecardPolicy.id.desc())
    return page_of(session, query, lambda row: dump(_version(row)), page, page_size)

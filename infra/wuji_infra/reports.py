"""What the gateway asks every service for the yearly report and the scorecard, and the
shape of a scorecard item every service answers (the gateway weighs them by the office's
policy: gateway/gateway/reports/)."""
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wuji_infra.validation import Id


class ReportQuery(Schema):
    """What the gateway asks every service for the yearly report and the scorecard: the year,
    the day it is counted at (its last day, or today), and for the scorecard the branches
    (None: every branch the caller sees)."""
    year = fields.Integer(required=True, strict=True, error_messages={"required": "必填 (required)"},
                          validate=validate.Range(min=2000, max=2100, error="年份应在2000到2100之间 (2000 to 2100)"))
    as_of = fields.Date(required=True, error_messages={"required": "必填 (required)"})
    branch_ids = fields.List(Id(), allow_none=True, load_default=None)

    @validates_schema
    def _as_of_in_the_year(self, data, **kwargs):
        if "year" in data and "as_of" in data and data["as_of"].year != data["year"]:
            raise ValidationError("统计日期应在该年度内 (as_of is within the year)", "as_of")


# what one item lists at most: a branch of a thousand members with half of them not contacted
# is told the first of them and how many more (the full list is the item's own list: contact
# coverage, dues arrears, visit tasks), so the scorecard stays a page a branch
MOST_LISTED = 30
CENTS = Decimal("0.01")


def money(amount):
    """An amount as the report answers carry money: a string with two decimals, "1234.50"."""
    return str(Decimal(amount).quantize(CENTS))


def scorecard_item(key, missing, misses=None, unlisted=0):
    """An item judged for a branch: met when nothing is missing; ``misses`` the separate
    misses the policy deducts for (default: one a text); ``unlisted``: misses the service
    did not write out (it read only the first MOST_LISTED)."""
    missing = list(missing)
    more = unlisted + max(0, len(missing) - MOST_LISTED)
    listed = missing[:MOST_LISTED] + ([f"……另有 {more} 项未列出（完整名单见相应列表）"] if more else [])
    return {"key": key, "met": not listed, "missing": listed,
            "misses": len(missing) + unlisted if misses is None else misses}

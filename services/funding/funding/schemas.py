"""marshmallow schemas at the funding service's boundary: what comes in, what goes out."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from funding.domain import dues, subsidy
from funding.domain.ledger import CATEGORIES, MAX_YEAR, MIN_YEAR, SOURCES
from wuji_infra import access
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import Id, Money, keyed_schema


def whole_id(value, field):
    """An id given as an RPC argument: a whole number (not "1", 1.0 or True), else InvalidInput
    naming ``field``. Whether a row has it is ``wuji_infra.db.get_or_404``'s to say."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} 应为整数 ({field} must be a whole number)",
                           {field: ["应为整数 (must be a whole number)"]})
    return value


class SubsidyCheckOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    cause = fields.String()
    eligible = fields.Boolean()
    amount = fields.Decimal(places=2, as_string=True)
    # the decision's grounds: hardship, age, and the hospitalization or illness
    reason = fields.String(metadata={"sensitive": access.HEALTH})
    status = fields.String(metadata={"enum": list(subsidy.STATUSES)})
    event_date = fields.Date()
    decided_at = fields.AwareDateTime()
    policy_version = fields.Integer()
    reviewed_by = fields.String()
    reviewed_at = fields.AwareDateTime()
    # why staff rejected it: may tell of the illness or other help received
    review_note = fields.String(metadata={"sensitive": access.HEALTH})
    expense_id = fields.Integer()


class SubsidyCheckFilters(Schema):
    """Query-string filters: every value arrives as a string."""

    member_id = Id(error_messages={"invalid": "应为整数 (must be a whole number)"})
    status = fields.String(validate=validate.OneOf(
        subsidy.STATUSES, error=f"状态只能是 {', '.join(subsidy.STATUSES)} (unknown status)"))


# -- budgets, expenses, the ledger, the policy --------------------------------------

_YEAR = dict(
    validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR, error=f"年份应在{MIN_YEAR}到{MAX_YEAR}之间 (a year from {MIN_YEAR} to {MAX_YEAR})"),
    error_messages={"invalid": "年份应为整数 (year must be a whole number)", "required": "必填 (required)"},
)
_SOURCE = dict(
    validate=validate.OneOf(list(SOURCES), error=f"经费来源只能是 {', '.join(SOURCES)} (unknown source)"),
    error_messages={"required": "必填 (required)"},
)
_CATEGORY = dict(
    validate=validate.OneOf(list(CATEGORIES), error=f"支出类别只能是 {', '.join(CATEGORIES)} (unknown category)"),
    error_messages={"required": "必填 (required)"},
)
_ID = dict(error_messages={"invalid": "应为整数 (must be a whole number)"})
_TEXT = dict(validate=validate.Length(max=300, error="最多300字 (at most 300 characters)"))
_DATE = dict(error_messages={"invalid": "日期格式应为 YYYY-MM-DD (a date like 2026-03-10)"})


class BudgetIn(Schema):
    year = fields.Integer(required=True, strict=True, **_YEAR)
    source = fields.String(required=True, **_SOURCE)
    amount = Money(positive=True, required=True, error_messages={"required": "必填 (required)"})
    note = fields.String(load_default="", **_TEXT)


class BudgetFilters(Schema):
    """Query-string filters: every value arrives as a string."""
    year = fields.Integer(**_YEAR)
    source = fields.String(**_SOURCE)


class ExpenseIn(Schema):
    year = fields.Integer(required=True, strict=True, **_YEAR)
    category = fields.String(required=True, **_CATEGORY)
    amount = Money(positive=True, required=True, error_messages={"required": "必填 (required)"})
    description = fields.String(required=True, validate=validate.Length(
        min=1, max=300, error="应为1到300字 (1 to 300 characters)"), error_messages={"required": "必填 (required)"})
    date = fields.Date(load_default=None, **_DATE)
    member_id = Id(load_default=None, allow_none=True, strict=True, **_ID)

    @validates_schema
    def _date_in_year(self, data, **kwargs):
        if data.get("date") and "year" in data and data["date"].year != data["year"]:
            raise ValidationError({"date": [f"日期应在{data['year']}年内 (the date must fall in the year)"]})


class LedgerEntryOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    source = fields.String()
    kind = fields.String()
    amount = fields.Decimal(places=2, as_string=True)
    # null where the entry is no expense (a budget, a rebate) or names no member or reference
    category = fields.String(allow_none=True)
    expense_id = fields.Integer(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    description = fields.String()
    entry_date = fields.Date()
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class AllocationOut(Schema):
    source = fields.String()
    amount = fields.Decimal(places=2, as_string=True)


class ExpenseOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    category = fields.String()
    amount = fields.Decimal(places=2, as_string=True)
    description = fields.String()
    member_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    date = fields.Date(attribute="expense_date")
    booked_by = fields.String(allow_none=True)
    booked_at = fields.AwareDateTime()
    allocations = fields.List(fields.Nested(AllocationOut), attribute="entries")


class BalancesQuery(Schema):
    year = fields.Integer(required=True, **_YEAR)


class RefusedExpenseOut(Schema):
    """An expense of a cause (an activity, a visit) refused for want of money, and whether it
    was booked since."""
    id = fields.Integer()
    reference = fields.String()
    year = fields.Integer()
    category = fields.String()
    amount = fields.Decimal(places=2, as_string=True)
    description = fields.String()
    member_id = fields.Integer(allow_none=True)
    date = fields.Date(attribute="expense_date")
    reason = fields.String()
    refused_at = fields.AwareDateTime()
    status = fields.String(metadata={"enum": ["refused", "booked"]})
    expense_id = fields.Integer(allow_none=True)
    booked_by = fields.String(allow_none=True)
    booked_at = fields.AwareDateTime(allow_none=True)


class RefusedFilters(Schema):
    year = fields.Integer(**_YEAR)
    status = fields.String(validate=validate.OneOf(["refused", "booked"], error="状态只能是 refused 或 booked"))


class LedgerFilters(Schema):
    """Query-string filters: every value arrives as a string."""
    year = fields.Integer(**_YEAR)
    source = fields.String(**_SOURCE)
    category = fields.String(**_CATEGORY)
    member_id = Id(**_ID)
    date_from = fields.Date(**_DATE)
    date_to = fields.Date(**_DATE)


class PolicyIn(Schema):
    allocation = fields.Dict(required=True, error_messages={"required": "必填 (required)",
                                                            "invalid": "应为对象 (must be an object)"})
    # absent: the ratio in force stays
    dues_rebate_ratio = fields.Decimal(as_string=True, error_messages={"invalid": "应为数字字符串，如 \"0.5\" (a number like \"0.5\")"})
    # absent: the subsidy policy in force stays (the settings', while no version set it)
    subsidy_min_age = fields.Integer(strict=True, error_messages={"invalid": "应为整数周岁 (a whole number of years)"})
    subsidy_amount = Money(positive=True)
    subsidy_yearly_cap = Money(positive=True)
    # absent: as in force (off while no version set it)
    separation_of_duties = fields.Boolean(error_messages={"invalid": "应为 true 或 false (true or false)"})
    note = fields.String(load_default="", **_TEXT)


class PolicyHistoryFilters(Schema):
    """The history has no filters (yet): any given is unknown."""


class PolicyOut(Schema):
    version = fields.Integer(attribute="id")
    allocation = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    dues_rebate_ratio = fields.Decimal(places=4, as_string=True)
    note = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)   # null: the default policy, never set
    created_at = fields.AwareDateTime(allow_none=True)
    subsidy_min_age = fields.Integer()
    subsidy_amount = fields.Decimal(places=2, as_string=True)
    subsidy_yearly_cap = fields.Decimal(places=2, as_string=True)
    subsidy_from_settings = fields.Boolean()
    # only an approver reviews subsidies and reverses budget entries and expenses, never their own
    separation_of_duties = fields.Boolean()


class RejectionIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=300, error="应为1到300字 (1 to 300 characters)"), error_messages={"required": "必填 (required)"})


# -- dues -----------------------------------------------------------------------

_MONTH = dict(validate=validate.Range(min=1, max=12, error="月份应为1到12 (a month from 1 to 12)"),
              error_messages={"invalid": "月份应为整数 (month must be a whole number)", "required": "必填 (required)"})
_MEMBER = dict(error_messages={"invalid": "应为整数 (must be a whole number)", "required": "必填 (required)"})


class FixDuesIn(Schema):
    year = fields.Integer(required=True, strict=True, **_YEAR)
    # absent: each member from January, or from the month they came on the roster that year
    from_month = fields.Integer(load_default=None, strict=True, **{**_MONTH, "error_messages": {
        "invalid": "月份应为整数 (month must be a whole number)"}})


class DuesAdjustmentIn(Schema):
    member_id = Id(required=True, strict=True, **_MEMBER)
    year = fields.Integer(required=True, strict=True, **_YEAR)
    from_month = fields.Integer(required=True, strict=True, **_MONTH)
    monthly_amount = Money(required=True, error_messages={"required": "必填 (required)"})
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=300, error="应为1到300字 (1 to 300 characters)"), error_messages={"required": "必填 (required)"})


class DuesPaymentIn(Schema):
    member_id = Id(required=True, strict=True, **_MEMBER)
    year = fields.Integer(required=True, strict=True, **_YEAR)
    month = fields.Integer(required=True, strict=True, **_MONTH)
    paid_by = fields.String(required=True, validate=validate.OneOf(
        ["member", "relative"], error="缴纳人只能是 member 或 relative (member or relative)"),
        error_messages={"required": "必填 (required)"})
    payer_name = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(min=1, max=100, error="应为1到100字 (1 to 100 characters)"))
    paid_on = fields.Date(load_default=None, **_DATE)

    @validates_schema
    def _relative_named(self, data, **kwargs):
        if data.get("paid_by") == "relative" and not data.get("payer_name"):
            raise ValidationError({"payer_name": ["亲属代缴时必填代缴人姓名 (required when a relative pays)"]})


class DuesRateOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    year = fields.Integer()
    from_month = fields.Integer()
    monthly_amount = fields.Decimal(places=2, as_string=True)
    # the pension the rate was fixed from; null for an adjustment
    pension_basis = fields.Decimal(places=2, as_string=True, allow_none=True, metadata={"sensitive": access.PENSION})
    kind = fields.String()
    # a fixed rate's reason names the pension ("按月基本养老金 4800.00 元核定")
    reason = fields.String(metadata={"sensitive": access.PENSION})
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class DuesPaymentOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    year = fields.Integer()
    month = fields.Integer()
    amount = fields.Decimal(places=2, as_string=True)
    paid_by = fields.String()
    # the relative who paid for the member (null: the member)
    payer_name = fields.String(allow_none=True, metadata={"sensitive": access.CONTACT})
    paid_on = fields.Date()
    rebate = fields.Decimal(places=2, as_string=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class DuesCollectionIn(Schema):
    """A branch's dues of one month, collected at once: the members who paid, by themselves."""
    branch_id = Id(required=True, strict=True, error_messages={"required": "必填 (required)"})
    year = fields.Integer(required=True, strict=True, **_YEAR)
    month = fields.Integer(required=True, strict=True, **_MONTH)
    member_ids = fields.List(Id(strict=True), required=True, error_messages={"required": "必填 (required)"},
                             validate=[validate.Length(min=1, max=2000, error="应列出1到2000名党员 (1 to 2000 members)"),
                                       lambda ids: len(set(ids)) == len(ids) or _repeated()])
    paid_on = fields.Date(load_default=None, **_DATE)


def _repeated():
    raise ValidationError("党员重复 (a member is listed twice)")


class DuesCollectionOut(Schema):
    branch_id = fields.Integer()
    year = fields.Integer()
    month = fields.Integer()
    paid = fields.List(fields.Nested(DuesPaymentOut))
    already_paid = fields.List(fields.Integer(), metadata={"description": "paid that month before: left as they were"})
    waived = fields.List(fields.Integer(), metadata={"description": "no dues that month (免缴)"})
    total = fields.Decimal(places=2, as_string=True)


class _MemberDuesOfMonth(Schema):
    member_id = fields.Integer()
    name = fields.String()
    status = fields.String(metadata={"enum": list(dues.MONTH_STATE_LABELS)})
    amount_due = fields.Decimal(places=2, as_string=True, allow_none=True)
    amount_paid = fields.Decimal(places=2, as_string=True, allow_none=True)
    paid_on = fields.Date(allow_none=True)


class DuesMonthOut(Schema):
    """A branch's dues of one month, member by member."""
    branch_id = fields.Integer()
    year = fields.Integer()
    month = fields.Integer()
    members = fields.List(fields.Nested(_MemberDuesOfMonth))
    due_total = fields.Decimal(places=2, as_string=True, metadata={"description": "still to collect"})
    paid_total = fields.Decimal(places=2, as_string=True)


class DuesSheetQuery(Schema):
    """The dues sheet to download: a branch's year, or one month of it (query strings)."""
    branch_id = Id(required=True, error_messages={"invalid": "应为整数 (must be a whole number)",
                                                  "required": "必填 (required)"})
    year = fields.Integer(required=True, **_YEAR)
    month = fields.Integer(**_MONTH)


class DuesMonthQuery(DuesSheetQuery):
    """A branch's dues of one month (the collection screen)."""
    month = fields.Integer(required=True, **_MONTH)


class DuesSheetMonthOut(Schema):
    month = fields.Integer()
    recorded = fields.Integer(metadata={"description": "payments recorded from the sheet"})
    already_paid = fields.Integer(metadata={"description": "members' months paid before: left as they were"})
    waived = fields.Integer(metadata={"description": "members' months with no dues (免缴)"})
    total = fields.Decimal(places=2, as_string=True)


class DuesSheetCellOut(Schema):
    row = fields.Integer(metadata={"description": "the Excel row number"})
    member_id = fields.Integer()
    month = fields.Integer()


class DuesSheetRecordedOut(Schema):
    """What an uploaded dues sheet recorded (all of it in one transaction)."""
    year = fields.Integer()
    members = fields.Integer(metadata={"description": "member rows read"})
    recorded = fields.Integer()
    already_paid = fields.Integer()
    waived = fields.Integer()
    total = fields.Decimal(places=2, as_string=True)
    by_month = fields.List(fields.Nested(DuesSheetMonthOut))
    already_paid_cells = fields.List(fields.Nested(DuesSheetCellOut), metadata={
        "description": "cells with an amount whose month was paid before: named, left as they were"})


class ArrearsQuery(Schema):
    year = fields.Integer(required=True, **_YEAR)
    member_id = Id(**_ID)


class StatementQuery(Schema):
    year = fields.Integer(required=True, **_YEAR)


# -- answers the handlers build (dumped through these, so the document cannot drift) --------

_MONEY = dict(places=2, as_string=True)


class BudgetAddedOut(Schema):
    """add_budget's answer: the entry, its note, and the source's budget for the year so far."""
    id = fields.Integer()
    year = fields.Integer()
    source = fields.String()
    amount = fields.Decimal(**_MONEY)
    note = fields.String()
    budget_total = fields.Decimal(**_MONEY)


class BudgetReversalOut(Schema):
    reason = fields.String()
    reversed_by = fields.String(allow_none=True)
    reversed_at = fields.AwareDateTime()
    entry_id = fields.Integer(attribute="reversal_entry_id")


class BudgetOut(Schema):
    """A budget entry as listed and as reversed: with its reversal, or null."""
    id = fields.Integer()
    year = fields.Integer()
    source = fields.String()
    amount = fields.Decimal(**_MONEY)
    description = fields.String()
    date = fields.Date(attribute="entry_date")
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()
    reversal = fields.Nested(BudgetReversalOut, allow_none=True)


class ExpenseReversalOut(Schema):
    reason = fields.String()
    reversed_by = fields.String(allow_none=True)
    reversed_at = fields.AwareDateTime()


class ExpenseDetailOut(ExpenseOut):
    """An expense as read and as reversed: with its reversal, or null."""
    reversal = fields.Nested(ExpenseReversalOut, allow_none=True)


class SourceBalanceOut(Schema):
    budget = fields.Decimal(**_MONEY)
    spent = fields.Decimal(**_MONEY)
    balance = fields.Decimal(**_MONEY)


SourceBalancesOut = keyed_schema("SourceBalancesOut", __name__, SOURCES, lambda: fields.Nested(SourceBalanceOut))


class BalancesOut(Schema):
    year = fields.Integer()
    sources = fields.Nested(SourceBalancesOut)


class SourceIncomeOut(Schema):
    budget = fields.Decimal(**_MONEY)
    dues_rebate = fields.Decimal(**_MONEY)
    total = fields.Decimal(**_MONEY)


CategorySpendingOut = keyed_schema("CategorySpendingOut", __name__, ("total", *SOURCES), lambda: fields.Decimal(**_MONEY))


class StatementOut(Schema):
    year = fields.Integer()
    income = fields.Nested(keyed_schema("IncomeBySourceOut", __name__, SOURCES, lambda: fields.Nested(SourceIncomeOut)))
    spending_by_category = fields.Nested(keyed_schema("SpendingByCategoryOut", __name__, CATEGORIES,
                                                lambda: fields.Nested(CategorySpendingOut)))
    spending_by_source = fields.Nested(keyed_schema("SpendingBySourceOut", __name__, SOURCES, lambda: fields.Decimal(**_MONEY)))
    balances = fields.Nested(SourceBalancesOut)


class JoinedDuringYearOut(Schema):
    member_id = fields.Integer()
    from_month = fields.Integer()


class DuesFixedOut(Schema):
    """fix_dues's answer: how many were fixed this run, and who was not, and why."""
    year = fields.Integer()
    fixed = fields.Integer()
    already_fixed = fields.Integer()
    from_month = fields.Integer(allow_none=True)
    without_pension = fields.List(fields.Integer())
    joined_during_year = fields.List(fields.Nested(JoinedDuringYearOut))
    registered_after_year = fields.List(fields.Integer())


class MonthDueOut(Schema):
    month = fields.Integer()
    amount = fields.Decimal(**_MONEY)


class ArrearsOut(Schema):
    """One member's arrears in a year: the months due so far and unpaid."""
    member_id = fields.Integer()
    name = fields.String(allow_none=True)
    months = fields.List(fields.Nested(MonthDueOut))
    total = fields.Decimal(**_MONEY)

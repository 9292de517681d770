"""The hardship subsidy (困难党员补助): when a member is hospitalized or falls
seriously ill, is a subsidy due, how much, and why; and its review by staff."""
import dataclasses
from decimal import Decimal, InvalidOperation

from funding.domain.ledger import CENTS

# -- subsidy checks -------------------------------------------------------------

# cause of a check -> how the reason names it
SUBSIDY_CAUSES = {"hospitalized": "住院", "serious_illness": "重病"}

# an eligible check waits for approval by staff, then is approved (and booked) or rejected
PENDING_APPROVAL = "pending_approval"
NOT_ELIGIBLE = "not_eligible"
APPROVED = "approved"
REJECTED = "rejected"
# a pending check of a member withdrawn as entered in error: closed by the system, nothing booked
CLOSED = "closed"
STATUSES = (PENDING_APPROVAL, NOT_ELIGIBLE, APPROVED, REJECTED, CLOSED)
STATUS_LABELS = {PENDING_APPROVAL: "待审批", NOT_ELIGIBLE: "不符合条件", APPROVED: "已批准", REJECTED: "已驳回",
                 CLOSED: "已关闭（登记有误）"}
WITHDRAWN_NOTE = "登记有误，已撤销"  # the review note of a check closed so
# what counts against the yearly cap: granted, or waiting to be
COUNTS_AGAINST_CAP = (PENDING_APPROVAL, APPROVED)

MAX_MIN_AGE = 150
MAX_SUBSIDY_AMOUNT = Decimal("1000000000.00")


@dataclasses.dataclass(frozen=True)
class SubsidyPolicy:
    """Who gets a subsidy: members in hardship, or aged ``min_age`` or more on the day;
    ``amount`` a time, at most ``yearly_cap`` a member in a year."""
    min_age: int
    amount: Decimal
    yearly_cap: Decimal = Decimal("2000.00")


@dataclasses.dataclass(frozen=True)
class SubsidyDecision:
    eligible: bool
    amount: Decimal
    reason: str
    age: int


def subsidy_policy(min_age, amount, yearly_cap="2000.00"):
    """A policy from the raw settings SUBSIDY_MIN_AGE, SUBSIDY_AMOUNT and SUBSIDY_YEARLY_CAP.

    Raises ValueError naming the setting, so a bad value stops the service at
    start rather than at the first event.
    """
    text = str(min_age).strip()
    if isinstance(min_age, (bool, float)) or not text.isdigit() or not 1 <= int(text) <= MAX_MIN_AGE:
        raise ValueError(f"SUBSIDY_MIN_AGE must be a whole number of years from 1 to {MAX_MIN_AGE}, not {min_age!r}")
    return SubsidyPolicy(min_age=int(text), amount=_subsidy_amount(amount),
                         yearly_cap=_subsidy_amount(yearly_cap, "SUBSIDY_YEARLY_CAP"))


def _subsidy_amount(raw, setting="SUBSIDY_AMOUNT"):
    problem = f"{setting} must be yuan with at most two decimals, more than 0, like \"500.00\", not {raw!r}"
    if isinstance(raw, (bool, float)):
        raise ValueError(problem)
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(problem) from None
    if not amount.is_finite() or amount != amount.quantize(CENTS) or not 0 < amount <= MAX_SUBSIDY_AMOUNT:
        raise ValueError(problem)
    return amount.quantize(CENTS)


def subsidy_policy_problems(policy):
    """What is wrong with a subsidy policy set by an admin, as {field: [reasons]}; empty when it is good.

    The same bounds as the settings, and one more: a single grant is not more
    than the yearly cap (it could never be granted whole).
    """
    problems = {}
    if not 1 <= policy.min_age <= MAX_MIN_AGE:
        problems["subsidy_min_age"] = [f"年龄应为1到{MAX_MIN_AGE}周岁 (a whole number of years from 1 to {MAX_MIN_AGE})"]
    for field, amount in (("subsidy_amount", policy.amount), ("subsidy_yearly_cap", policy.yearly_cap)):
        if not 0 < amount <= MAX_SUBSIDY_AMOUNT:
            problems[field] = ["金额应大于零且不超过1,000,000,000.00元 (more than 0, at most 1,000,000,000.00)"]
    if not problems and policy.amount > policy.yearly_cap:
        problems["subsidy_amount"] = [f"每次补助 {policy.amount} 元不能超过每人每年上限 {policy.yearly_cap} 元"
                                      f" (a grant may not be more than the yearly cap)"]
    return problems


def age_on(birth_date, day):
    """Full years (周岁) on ``day``. Born on 29 February: a year older on 1 March in common years."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def decide_subsidy(policy, cause, *, birth_date, hardship, on, received=Decimal("0.00")):
    """Whether a subsidy is due for ``cause`` on the date ``on``, how much, and why (in Chinese).

    ``received``: what the member got (or waits to get) this year; the grant
    is what is left under the yearly cap, at most ``policy.amount``.
    """
    label = SUBSIDY_CAUSES[cause]
    age = age_on(birth_date, on)
    grounds = []
    if hardship:
        grounds.append("生活困难党员")
    if age >= policy.min_age:
        grounds.append(f"年满{policy.min_age}周岁（{age}岁）")
    if not grounds:
        reason = f"不符合条件：非生活困难党员，且未满{policy.min_age}周岁（{age}岁）"
        return SubsidyDecision(eligible=False, amount=Decimal("0.00"), reason=reason, age=age)
    left = policy.yearly_cap - received
    if left <= 0:
        reason = "，".join(grounds) + f"，但本年已获补助 {received} 元，已达每人每年上限 {policy.yearly_cap} 元"
        return SubsidyDecision(eligible=False, amount=Decimal("0.00"), reason=reason, age=age)
    amount = min(policy.amount, left)
    reason = "，".join(grounds) + f"，{label}补助 {amount} 元"
    if received > 0:
        reason += f"（本年已获补助 {received} 元，每人每年上限 {policy.yearly_cap} 元）"
    return SubsidyDecision(eligible=True, amount=amount, reason=reason, age=age)


def subsidy_cause_key(cause, member_id, on):
    """What makes two events one cause: one check per member, cause and day."""
    if cause not in SUBSIDY_CAUSES:
        raise ValueError(f"unknown subsidy cause {cause!r}")
    return f"{cause}:{member_id}:{on.isoformat()}"


def status_of_decision(decision):
    return PENDING_APPROVAL if decision.eligible else NOT_ELIGIBLE


def review_problem(check_id, status):
    """Why a check cannot be approved or rejected (only a pending one can), as
    (message, {field: [reason]}), or None."""
    if status == PENDING_APPROVAL:
        return None
    return (f"补助核查 {check_id} 状态为「{STATUS_LABELS[status]}」，不能再审批"
            f" (the check is {status}, not pending approval)", {"status": [status]})


def approval_expense_date(event_date, today):
    """The day an approved subsidy is booked on: the day of approval, unless the
    cause was in another year (then the cause's own day, so it counts in its year)."""
    return today if today.year == event_date.year else event_date

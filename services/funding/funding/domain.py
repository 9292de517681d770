"""Funding rules. No nameko, no SQL.

For now only the subsidy policy: when a member is hospitalized, is a hardship
subsidy (困难党员补助) due, how much, and why. Budgets, the four-source ledger,
allocation and dues come later.
"""
import dataclasses
from decimal import Decimal, InvalidOperation

# -- subsidy checks -------------------------------------------------------------

# cause of a check -> how the reason names it
SUBSIDY_CAUSES = {"hospitalized": "住院"}

# an eligible check waits for approval (a later step adds "approved", "rejected")
PENDING_APPROVAL = "pending_approval"
NOT_ELIGIBLE = "not_eligible"

MAX_MIN_AGE = 150
MAX_SUBSIDY_AMOUNT = Decimal("1000000000.00")
_CENTS = Decimal("0.01")


@dataclasses.dataclass(frozen=True)
class SubsidyPolicy:
    """Who gets a subsidy: members in hardship, or aged ``min_age`` or more on the day."""
    min_age: int
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class SubsidyDecision:
    eligible: bool
    amount: Decimal
    reason: str
    age: int


def subsidy_policy(min_age, amount):
    """A policy from the raw settings SUBSIDY_MIN_AGE and SUBSIDY_AMOUNT.

    Raises ValueError naming the setting, so a bad value stops the service at
    start rather than at the first event.
    """
    text = str(min_age).strip()
    if isinstance(min_age, (bool, float)) or not text.isdigit() or not 1 <= int(text) <= MAX_MIN_AGE:
        raise ValueError(f"SUBSIDY_MIN_AGE must be a whole number of years from 1 to {MAX_MIN_AGE}, not {min_age!r}")
    return SubsidyPolicy(min_age=int(text), amount=_subsidy_amount(amount))


def _subsidy_amount(raw):
    problem = f"SUBSIDY_AMOUNT must be yuan with at most two decimals, more than 0, like \"500.00\", not {raw!r}"
    if isinstance(raw, (bool, float)):
        raise ValueError(problem)
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(problem) from None
    if not amount.is_finite() or amount != amount.quantize(_CENTS) or not 0 < amount <= MAX_SUBSIDY_AMOUNT:
        raise ValueError(problem)
    return amount.quantize(_CENTS)


def age_on(birth_date, day):
    """Full years (周岁) on ``day``. Born on 29 February: a year older on 1 March in common years."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def decide_subsidy(policy, cause, *, birth_date, hardship, on):
    """Whether a subsidy is due for ``cause`` on the date ``on``, how much, and why (in Chinese)."""
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
    reason = "，".join(grounds) + f"，{label}补助 {policy.amount} 元"
    return SubsidyDecision(eligible=True, amount=policy.amount, reason=reason, age=age)


def subsidy_cause_key(cause, member_id, on):
    """What makes two events one cause: one check per member, cause and day."""
    if cause not in SUBSIDY_CAUSES:
        raise ValueError(f"unknown subsidy cause {cause!r}")
    return f"{cause}:{member_id}:{on.isoformat()}"


def status_of_decision(decision):
    return PENDING_APPROVAL if decision.eligible else NOT_ELIGIBLE

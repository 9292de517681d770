"""Funding rules. No nameko, no SQL.

The subsidy policy: when a member is hospitalized or falls seriously ill, is
a hardship subsidy (困难党员补助) due, how much, and why. The four sources, the
spending categories, the allocation policy and how an expense is split.
"""
import dataclasses
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# -- subsidy checks -------------------------------------------------------------

# cause of a check -> how the reason names it
SUBSIDY_CAUSES = {"hospitalized": "住院", "serious_illness": "重病"}

# an eligible check waits for approval by staff, then is approved (and booked) or rejected
PENDING_APPROVAL = "pending_approval"
NOT_ELIGIBLE = "not_eligible"
APPROVED = "approved"
REJECTED = "rejected"
STATUS_LABELS = {PENDING_APPROVAL: "待审批", NOT_ELIGIBLE: "不符合条件", APPROVED: "已批准", REJECTED: "已驳回"}
# what counts against the yearly cap: granted, or waiting to be
COUNTS_AGAINST_CAP = (PENDING_APPROVAL, APPROVED)

MAX_MIN_AGE = 150
MAX_SUBSIDY_AMOUNT = Decimal("1000000000.00")
_CENTS = Decimal("0.01")


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
    if not amount.is_finite() or amount != amount.quantize(_CENTS) or not 0 < amount <= MAX_SUBSIDY_AMOUNT:
        raise ValueError(problem)
    return amount.quantize(_CENTS)


# the subsidy settings as a policy version names them: field -> what it is
SUBSIDY_FIELDS = {"subsidy_min_age": "min_age", "subsidy_amount": "amount", "subsidy_yearly_cap": "yearly_cap"}


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


# -- the four sources, the categories, the allocation policy ---------------------

SOURCES = {
    "special_fund": "专项经费",
    "dues_rebate": "党费返还",
    "public_fund": "公用经费",
    "unit_subsidy": "单位补助",
}
# the order rows are locked in, whatever order a policy pays them in: one fixed
# order for every transaction, so two expenses never wait for each other's locks
LOCK_ORDER = tuple(sorted(SOURCES))

CATEGORIES = {
    "education_training": "党员教育培训",
    "newspapers": "党报党刊征订",
    "study_tours": "学习考察",
    "activities": "组织活动",
    "facilities": "阵地建设",
    "visits_condolences": "走访慰问",
    "hardship_subsidy": "困难党员补助",
}

# ledger entry kinds: money into a source, money out of it
BUDGET = "budget"
EXPENSE = "expense"
REVERSAL = "reversal"    # an expense's entry reversed: the money goes back to its source
BUDGET_REVERSAL = "budget_reversal"   # a budget entry reversed: that income is taken back
DUES_REBATE = "dues_rebate"          # the share of collected dues that comes back (see Party dues)

SPENDING_KINDS = (EXPENSE,)
INCOME_KINDS = (BUDGET, DUES_REBATE)
# what an entry of each kind does to its source: (the total it counts in, +1 or -1);
# the totals are the income kinds (budget, dues rebate) and the spending (expense)
LEDGER_EFFECTS = {
    BUDGET: (BUDGET, 1), DUES_REBATE: (DUES_REBATE, 1), BUDGET_REVERSAL: (BUDGET, -1),
    EXPENSE: (EXPENSE, 1), REVERSAL: (EXPENSE, -1),
}


def ledger_effect(kind, amount):
    """(the total an entry counts in, its signed amount): a reversal counts against what it reverses."""
    total, sign = LEDGER_EFFECTS[kind]
    return total, amount if sign > 0 else -amount


def source_totals(sums):
    """(income, spent) of one source from its ledger sums [(kind, amount)]: the balance is their difference."""
    income = spent = ZERO
    for kind, amount in sums:
        total, signed = ledger_effect(kind, amount)
        if total in INCOME_KINDS:
            income += signed
        else:
            spent += signed
    return income, spent


def budget_reversal_refusal(source, amount, balance):
    """Why a budget entry of ``amount`` cannot be reversed while its source has
    ``balance`` (some of that money is already spent), or None when it can."""
    if amount <= balance:
        return None
    return (f"不能冲销：{SOURCES[source]}余额 {balance} 元，少于要冲销的预算 {amount} 元（已有支出）"
            f" (cannot reverse: the balance {balance} is less than the budget {amount}, some of it is spent)")

MIN_YEAR, MAX_YEAR = 2000, 2100
ZERO = Decimal("0.00")

DEFAULT_ALLOCATION = {
    "education_training": ["special_fund", "dues_rebate", "public_fund"],
    "newspapers": ["public_fund", "special_fund"],
    "study_tours": ["special_fund", "unit_subsidy"],
    "activities": ["special_fund", "dues_rebate", "public_fund"],
    "facilities": ["special_fund", "public_fund"],
    "visits_condolences": ["dues_rebate", "special_fund", "unit_subsidy"],
    "hardship_subsidy": ["dues_rebate", "special_fund", "unit_subsidy"],
}


def allocation_problems(allocation):
    """What is wrong with an allocation policy, as {field: [reasons]}; empty when it is good.

    Every category must be named, each with one or more known sources, none twice.
    """
    if not isinstance(allocation, dict):
        return {"allocation": ["应为对象：类别 → 经费来源列表 (must map each category to a list of sources)"]}
    problems = {}
    for category in CATEGORIES:
        if category not in allocation:
            problems[f"allocation.{category}"] = [f"缺少类别「{CATEGORIES[category]}」 (missing category)"]
    for category, sources in allocation.items():
        field = f"allocation.{category}"
        if category not in CATEGORIES:
            problems[field] = ["未知的支出类别 (unknown category)"]
        elif not isinstance(sources, list) or not sources:
            problems[field] = ["应为至少一个经费来源的列表 (must be a list of one or more sources)"]
        elif any(not isinstance(s, str) or s not in SOURCES for s in sources):
            problems[field] = [f"经费来源只能是 {', '.join(SOURCES)} (unknown source)"]
        elif len(set(sources)) != len(sources):
            problems[field] = ["经费来源不能重复 (a source is named twice)"]
    return problems


class NotEnoughFunds(Exception):
    """The allowed sources cannot cover an expense: ``available`` is what each has."""

    def __init__(self, category, amount, available):
        self.category = category
        self.amount = amount
        self.available = available
        super().__init__(self.reason())

    def reason(self):
        have = "，".join(f"{SOURCES[s]}余额 {a} 元" for s, a in self.available.items())
        total = sum(self.available.values(), ZERO)
        return (f"经费不足：{CATEGORIES[self.category]}支出 {self.amount} 元，可用来源合计 {total} 元（{have}）"
                f" (not enough funds: {self.amount} needed, {total} available)")


def allocate(category, amount, order, balances):
    """Split ``amount`` over the sources in ``order``, each up to its balance.

    ``balances`` maps a source to what it has (missing = 0). Returns
    [(source, part)] of the sources that pay, the parts summing to ``amount``;
    raises NotEnoughFunds, naming each allowed source's balance, when they
    cannot cover it all: then nothing is to be booked.
    """
    if amount <= 0:
        raise ValueError("an expense is more than zero")
    available = {source: max(balances.get(source, ZERO), ZERO) for source in order}
    if sum(available.values(), ZERO) < amount:
        raise NotEnoughFunds(category, amount, available)
    parts, left = [], amount
    for source in order:
        if left == 0:
            break
        part = min(left, available[source])
        if part > 0:
            parts.append((source, part))
            left -= part
    return parts


# -- Party dues (党费) ------------------------------------------------------------

DUES_THRESHOLD = Decimal("5000.00")
DUES_RATE_LOW = Decimal("0.005")    # 0.5% of the whole pension up to 5,000 yuan
DUES_RATE_HIGH = Decimal("0.01")    # 1% of the whole pension above
MAX_BACK_MONTHS = 6
DEFAULT_DUES_REBATE_RATIO = Decimal("0.50")
PAYERS = {"member": "本人", "relative": "亲属代缴"}


def monthly_dues(pension):
    """Monthly dues on the basic pension: 0.5% of the whole when 5,000 or less, 1% of the whole above."""
    rate = DUES_RATE_LOW if pension <= DUES_THRESHOLD else DUES_RATE_HIGH
    return (pension * rate).quantize(_CENTS, rounding=ROUND_HALF_UP)


def rebate_of(amount, ratio):
    """The share of collected dues that is income of the dues_rebate source."""
    return (amount * ratio).quantize(_CENTS, rounding=ROUND_HALF_UP)


def months_behind(year, month, on):
    """How many months the dues of ``year``-``month`` are paid after the month of ``on`` (0: on time)."""
    return (on.year * 12 + on.month) - (year * 12 + month)


def due_in_month(rates, month):
    """The dues of ``month`` from a year's rates [(from_month, amount)] in the order recorded; None before the first."""
    amount = None
    for from_month, monthly in sorted(rates, key=lambda r: r[0]):   # stable: later records win on a tie
        if from_month <= month:
            amount = monthly
    return amount


def rebate_ratio_problem(ratio):
    if not isinstance(ratio, Decimal) or not ratio.is_finite() or not 0 <= ratio <= 1 or ratio != ratio.quantize(Decimal("0.0001")):
        return "返还比例应在0到1之间，最多四位小数 (a ratio from 0 to 1, at most four decimals)"
    return None


LEAVING_STATUSES = ("deceased", "transferred_out")


def first_month_due(year, registered_on):
    """The first month of ``year`` whose dues a member owes: January for a member on
    the roster before the year, the month they came on it for one registered during
    the year, None for one registered after it (nothing is owed for that year).

    ``registered_on`` None: funding learned of the member before it kept that date,
    so the member counts as on the roster all along.
    """
    if registered_on is None or registered_on.year < year:
        return 1
    return registered_on.month if registered_on.year == year else None


def last_month_due(year, today, left_on=None):
    """The last month of ``year`` whose dues have fallen due by ``today`` (0: none).

    A member who died or left the system owes nothing after the month they left.
    """
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    if left_on is not None and left_on.year <= year:
        last = min(last, left_on.month if left_on.year == year else 0)
    return last


def months_due(rates, year, today, left_on=None):
    """The months of ``year`` whose dues have fallen due by ``today``, as [(month, amount)].

    The one rule of what a member owes: from the first month their rates cover
    (January, or the month they came on the roster) to the month they left, if
    they did, and not beyond ``today``; a month whose dues are 0 (waived) is not
    owed. ``rates``: the year's [(from_month, monthly_amount)] in the order recorded.
    """
    due = []
    for month in range(1, last_month_due(year, today, left_on) + 1):
        amount = due_in_month(rates, month)
        if amount:
            due.append((month, amount))
    return due

"""The ledger's rules: the four sources, the spending categories, what an entry
does to its source, how an expense is split, and when an entry may be reversed."""
from decimal import Decimal

MIN_YEAR, MAX_YEAR = 2000, 2100
ZERO = Decimal("0.00")
CENTS = Decimal("0.01")

SOURCES = {
    "special_fund": "专项经费",
    "dues_rebate": "党费返还",
    "public_fund": "公用经费",
    "unit_subsidy": "单位补助",
}

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

KIND_LABELS = {BUDGET: "预算", DUES_REBATE: "党费返还", BUDGET_REVERSAL: "冲销预算", EXPENSE: "支出",
               REVERSAL: "冲销支出"}

# an expense of a cause refused for want of money: still refused, or booked since by hand
REFUSED_STATUS_LABELS = {"refused": "未入账", "booked": "已补记"}

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


DESCRIPTION_CHARACTERS = 300  # what a ledger entry's description holds


def reversal_description(what, entry_id, reason):
    """The reversing entry's description: what it reverses and why, cut to the ledger's 300
    characters (the whole reason is kept with the reversal record)."""
    text = f"冲销{what} {entry_id}：{reason}"
    return text if len(text) <= DESCRIPTION_CHARACTERS else text[:DESCRIPTION_CHARACTERS - 1] + "…"


def reversal_problem(what, key, field, already_reversed):
    """Why a budget entry or an expense cannot be reversed again: each is reversed once.

    Returns (message, {field: [reason]}) or None; ``what`` names it ("预算", "支出").
    """
    if not already_reversed:
        return None
    return f"{what} {key} 已冲销 (already reversed)", {field: ["已冲销 (already reversed)"]}


def category_problem(category):
    """Why an event's expense category cannot be booked (outside the contract), or None."""
    if category in CATEGORIES:
        return None
    return f"未知的支出类别 {category!r} (unknown expense category)"


def date_range_problem(date_from, date_to):
    """Why a ledger date range is impossible (it ends before it starts), or None."""
    if date_from is None or date_to is None or date_from <= date_to:
        return None
    return ("日期范围有误 (date_from is after date_to)",
            {"date_from": ["不能晚于 date_to (must not be after date_to)"]})


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

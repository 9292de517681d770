"""Funding's part of the yearly report (the year's statement, with what was refused and not
booked since) and its items of the scorecard."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from funding.domain import ledger
from funding.handlers.dues import arrears
from funding.handlers.member_facts import WITHDRAWN_MEMBERS, scoped_to_members
from funding.handlers.statement import get_statement
from funding.models import DuesRate, MemberFact, RefusedExpense
from wuji_infra.access import SECRETARY, SYSTEM
from wuji_infra.errors import Forbidden
from wuji_infra.reports import ReportQuery, money, scorecard_item
from wuji_infra.validation import load


def _still_refused(year, day):
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).astimezone()
    return sa.and_(RefusedExpense.year == year, RefusedExpense.status == "refused", RefusedExpense.refused_at < end)


def annual_figures(session, query, *, access=SYSTEM):
    """The year's money by source (budget, dues rebate, income, spending, balance) and by
    category, and the causes' expenses refused and still not booked. The money is the
    office's: a secretary gets none (403)."""
    if access.role == SECRETARY:
        raise Forbidden("经费为全局数据，书记不可查看 (the money is the office's)")
    chosen = load(ReportQuery(), query or {})
    year = chosen["year"]
    statement = get_statement(session, {"year": str(year)})
    income, spent, balances = statement["income"], statement["spending_by_source"], statement["balances"]
    sources = [{"source": source, "label": label, "budget": income[source]["budget"],
                "dues_rebate": income[source]["dues_rebate"], "income": income[source]["total"],
                "spent": spent[source], "balance": balances[source]["balance"]} for source, label in ledger.SOURCES.items()]
    count, amount = session.execute(sa.select(sa.func.count(), sa.func.sum(RefusedExpense.amount))
                                    .where(_still_refused(year, chosen["as_of"]))).one()

    def total(key):
        return money(sum((Decimal(row[key]) for row in sources), Decimal(0)))
    return {
        "sources": sources,
        "categories": [{"category": category, "label": label,
                        "spent": statement["spending_by_category"][category]["total"]}
                       for category, label in ledger.CATEGORIES.items()],
        "totals": {"budget": total("budget"), "income": total("income"), "spent": total("spent"),
                   "balance": total("balance")},
        "refused": {"count": count, "amount": money(amount or 0)},
    }


def scorecard_items(session, query, *, access=SYSTEM):
    """The office's money items (the same for every branch: funding keeps no branch budgets)
    and each branch's dues paid."""
    chosen = load(ReportQuery(), query or {})
    year, day = chosen["year"], chosen["as_of"]
    statement = get_statement(session, {"year": str(year)})
    overdrawn = []
    for source, label in ledger.SOURCES.items():
        over = Decimal(statement["spending_by_source"][source]) - Decimal(statement["income"][source]["total"])
        if over > 0:
            overdrawn.append(f"{label} 支出超出预算 {money(over)} 元")
    unbooked = [f"{row.expense_date.isoformat()} {ledger.CATEGORIES.get(row.category, row.category)} "
                f"{money(row.amount)} 元未入账：{row.reason}"
                for row in session.scalars(sa.select(RefusedExpense).where(_still_refused(year, day))
                                           .order_by(RefusedExpense.expense_date, RefusedExpense.id))]
    branch_ids = access.scope_branches(chosen["branch_ids"])
    if branch_ids is None:
        branch_ids = sorted(session.scalars(sa.select(MemberFact.branch_id)
                                            .where(MemberFact.member_id.not_in(WITHDRAWN_MEMBERS)).distinct()))
    owing = {}
    rates = scoped_to_members(sa.select(DuesRate), access, DuesRate.member_id).where(
        DuesRate.member_id.in_(sa.select(MemberFact.member_id).where(MemberFact.branch_id.in_(branch_ids))))
    for member in arrears(session, rates, year, day):
        months = [m["month"] for m in member["months"]]
        owing.setdefault(member["branch_id"], []).append(
            f"{member['name']} 欠缴 {year}年{'、'.join(f'{m}月' for m in months)}党费 {money(member['total'])} 元")
    return {
        "office": [scorecard_item("budget_not_overdrawn", overdrawn), scorecard_item("funds_assured", unbooked)],
        "branches": [{"branch_id": branch_id, "items": [scorecard_item("dues_paid", owing.get(branch_id, []))]}
                     for branch_id in branch_ids],
    }

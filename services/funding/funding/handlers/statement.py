"""The yearly statement: income by source, spending by category and by source,
balances; as JSON or as an Excel workbook."""
import base64
from decimal import Decimal

import sqlalchemy as sa

from funding.domain import ledger
from funding.handlers.ledger import get_balances
from funding.models import LedgerEntry
from funding.schemas import StatementOut, StatementQuery
from funding.workbook import statement_workbook
from wuji_infra.validation import load


def get_statement(session, query=None):
    """A year's money: income by source, spending by category and by source, balances."""
    year = load(StatementQuery(), query or {})["year"]
    zero = ledger.ZERO
    income = {source: {"budget": zero, "dues_rebate": zero} for source in ledger.SOURCES}
    by_category = {category: {"total": zero, **{s: zero for s in ledger.SOURCES}} for category in ledger.CATEGORIES}
    by_source = {source: zero for source in ledger.SOURCES}
    rows = session.execute(
        sa.select(LedgerEntry.source, LedgerEntry.kind, LedgerEntry.category, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.year == year)
        .group_by(LedgerEntry.source, LedgerEntry.kind, LedgerEntry.category)
    )
    for source, kind, category, total in rows:
        counts_in, signed = ledger.ledger_effect(kind, Decimal(total).quantize(ledger.CENTS))
        if counts_in in ledger.INCOME_KINDS:
            income[source][counts_in] += signed
            continue
        by_category[category][source] += signed
        by_category[category]["total"] += signed
        by_source[source] += signed

    return StatementOut().dump({
        "year": year,
        "income": {source: {**parts, "total": parts["budget"] + parts["dues_rebate"]} for source, parts in income.items()},
        "spending_by_category": by_category,
        "spending_by_source": by_source,
        "balances": get_balances(session, {"year": str(year)})["sources"],
    })


def get_statement_xlsx(session, query=None):
    """The statement as an Excel workbook with Chinese headings, base64 for the JSON RPC."""
    data = get_statement(session, query)
    return {"filename": f"funding-statement-{data['year']}.xlsx",
            "content_base64": base64.b64encode(statement_workbook(data)).decode("ascii")}

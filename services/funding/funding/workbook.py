"""The yearly funding statement as an Excel workbook (openpyxl), headings in Chinese."""
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from funding.domain.ledger import CATEGORIES, SOURCES

MONEY_FORMAT = "#,##0.00"


def _sheet(workbook, title, headings, rows, first=False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([Decimal(v) if isinstance(v, str) and k else v for k, v in enumerate(row)])
        for cell in sheet[sheet.max_row][1:]:
            cell.number_format = MONEY_FORMAT
    sheet.column_dimensions["A"].width = 18
    return sheet


def statement_workbook(data):
    """``data`` is handlers.statement(...); returns the .xlsx bytes."""
    workbook = Workbook()
    income = data["income"]
    _sheet(workbook, "收入", ["经费来源", "预算", "党费返还", "合计"],
           [[SOURCES[s], income[s]["budget"], income[s]["dues_rebate"], income[s]["total"]] for s in SOURCES],
           first=True)
    spending = data["spending_by_category"]
    _sheet(workbook, "支出（按类别）", ["支出类别", *SOURCES.values(), "合计"],
           [[CATEGORIES[c], *(spending[c][s] for s in SOURCES), spending[c]["total"]] for c in CATEGORIES])
    _sheet(workbook, "支出（按来源）", ["经费来源", "支出"],
           [[SOURCES[s], data["spending_by_source"][s]] for s in SOURCES])
    balances = data["balances"]
    _sheet(workbook, "余额", ["经费来源", "收入", "支出", "余额"],
           [[SOURCES[s], balances[s]["budget"], balances[s]["spent"], balances[s]["balance"]] for s in SOURCES])
    for sheet in workbook.worksheets:
        sheet.insert_rows(1)
        sheet["A1"] = f"{data['year']}年度党建经费收支表"
        sheet["A1"].font = Font(bold=True, size=14)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()

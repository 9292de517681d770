"""The dues sheet (党费收缴表) as an Excel workbook: written for a branch's treasurer to fill
in, and read back when it is uploaded.

Pure functions over bytes and rows, no SQL (like members' excel.py): the handler
(handlers/dues.py) gives the rows and applies the rules (domain/dues.py) to what is read.

The sheet: a title row, a row saying how to fill it in, the headings (frozen with the
member's columns), then one row per member: 党员编号, 姓名, 每月应缴(元), a column per month
("2026年3月": the headings carry the year, so an uploaded sheet says what it is about), 备注.
A month's cell says 已缴 (paid before), 免缴 (waived) or — (not owed); an empty cell is a
month not paid, shaded when it is owed already.
"""
import datetime as dt
import decimal
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from funding.domain import dues
from wuji_infra.workbook_limits import NotAWorkbook, Refused, check_row_count, open_first_sheet

MEMBER_ID, NAME, MONTHLY, REMARK = "党员编号", "姓名", "每月应缴(元)", "备注"
MARKS = {dues.PAID: "已缴", dues.WAIVED: "免缴", dues.NOT_DUE: "—"}
WRITTEN = {"已缴": dues.WRITTEN_PAID, "免缴": dues.WRITTEN_WAIVED,
           **{dash: dues.WRITTEN_NOT_DUE for dash in ("—", "——", "-", "－", "/", "／")}}
MONEY_FORMAT = "0.00"
HEADING_ROWS_SEARCHED = 10  # the headings are the first row that has 党员编号, among the first rows
_MONTH_HEADING = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$")
_CURRENCY = ("元", "¥", "￥", ",", "，", " ")

# the sheet's look: a shaded heading row, owed months shaded for the treasurer's eye
_BOLD = Font(bold=True)
_HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
_FILLS = {dues.OWED: PatternFill("solid", fgColor="FFF2CC"), dues.PAID: PatternFill("solid", fgColor="E2EFDA"),
          dues.WAIVED: PatternFill("solid", fgColor="EDEDED"), dues.NOT_DUE: PatternFill("solid", fgColor="EDEDED")}
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center")
WIDTHS = {MEMBER_ID: 10, NAME: 12, MONTHLY: 14, REMARK: 36}
MONTH_WIDTH = 11


class BadSheet(Refused):
    """The file is no dues sheet: not an .xlsx, or without the headings it needs."""


def month_heading(year, month):
    return f"{year}年{month}月"


def remark(periods, left_on=None, status=None):
    """The 备注 of a member's row: how the monthly amount changed over the year, when
    their dues start, and the day they died or left (no dues after it)."""
    parts = []
    if len(periods) > 1:
        parts.append("；".join(f"{_months(first, last)} {'免缴' if amount == 0 else f'{amount:.2f} 元'}"
                              for first, last, amount in periods))
    elif periods and periods[0][0] > 1:
        parts.append(f"自{periods[0][0]}月起缴纳")
    if left_on is not None:
        parts.append(f"{left_on.isoformat()} {'去世' if status == 'deceased' else '转出'}，此后不需缴纳")
    return "；".join(parts) or None


def _months(first, last):
    return f"{first}月" if first == last else f"{first}—{last}月"


def write_sheet(title, note, year, months, rows):
    """The sheet as .xlsx bytes. ``months``: the month columns; ``rows``: [{"member_id",
    "name", "monthly" (Decimal or None), "states": {month: dues state}, "remark"}]."""
    headings = [MEMBER_ID, NAME, MONTHLY, *(month_heading(year, m) for m in months), REMARK]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{year}年党费收缴表"
    last_column = get_column_letter(len(headings))
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.row_dimensions[1].height = 24
    sheet.append([note])
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A2"].font = Font(color="595959")
    sheet.merge_cells(f"A2:{last_column}2")
    sheet.row_dimensions[2].height = 18 * _lines(note, sum(_width(h) for h in headings))
    sheet.append(headings)
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = _BOLD, _HEADING_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, heading in enumerate(headings, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = _width(heading)
    for row in rows:
        states = [row["states"][m] for m in months]
        monthly = MARKS[dues.WAIVED] if row["monthly"] == 0 else row["monthly"]
        sheet.append([row["member_id"], row["name"], monthly, *(MARKS.get(s) for s in states), row["remark"]])
        cells = sheet[sheet.max_row]
        cells[0].alignment = _CENTER
        cells[1].data_type = "s"  # a name is text, whatever it looks like (no formula runs from it)
        cells[2].number_format = MONEY_FORMAT
        cells[2].alignment = Alignment(horizontal="right")
        for cell, state in zip(cells[3:], states):
            cell.number_format = MONEY_FORMAT  # what the treasurer types reads as money
            cell.alignment = _CENTER
            if state in _FILLS:
                cell.fill = _FILLS[state]
        cells[-1].alignment = Alignment(wrap_text=True, vertical="center")
        for cell in cells:
            cell.border = _BORDER
    sheet.freeze_panes = "D4"  # the headings and the member's columns stay in view
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "3:3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _width(heading):
    return WIDTHS.get(heading, MONTH_WIDTH)


def _lines(text, width):
    """The lines ``text`` takes in a merged cell ``width`` characters wide (a Chinese character is two)."""
    lines = 0
    for part in text.split("\n"):
        size = sum(2 if ord(c) > 0x2E7F else 1 for c in part)
        lines += max(1, -(-size * 11 // (width * 10)))  # a little room: fonts are wider than Excel's unit
    return lines


# -- reading ------------------------------------------------------------------

def read_sheet(content):
    """``(year, months, rows)`` of an uploaded sheet: ``months`` [(month, heading)] in the
    sheet's order, ``rows`` [(row_number, {heading: value})] under the headings, blank
    rows skipped. Raises BadSheet (not an .xlsx, headings missing) and Refused (too large).
    CPU work that never yields: the service runs it in a thread (eventlet.tpool)."""
    try:
        workbook, sheet = open_first_sheet(content)
    except NotAWorkbook as exc:
        raise BadSheet(str(exc))
    try:
        rows = sheet.iter_rows(values_only=True)
        headings, number = None, 0
        for number, values in enumerate(rows, start=1):
            texts = [str(v).strip() if v is not None else "" for v in (values or ())]
            if MEMBER_ID in texts:
                headings = texts
                break
            if number >= HEADING_ROWS_SEARCHED:
                break
        if headings is None:
            raise BadSheet(f"不是党费收缴表：前{HEADING_ROWS_SEARCHED}行中没有“{MEMBER_ID}”列"
                           f" (not a dues sheet: no {MEMBER_ID} column in the first rows)")
        year, months = _months_of(headings)
        data = []
        for number, values in enumerate(rows, start=number + 1):
            check_row_count(number)  # counted as read: the sheet's declared size may lie
            if values is None or all(_blank(v) for v in values):
                continue
            data.append((number, {h: v for h, v in zip(headings, values) if h}))
        return year, months, data
    finally:
        workbook.close()


def _months_of(headings):
    found, years = [], set()
    for heading in headings:
        match = _MONTH_HEADING.match(heading)
        if match and 1 <= int(match.group(2)) <= 12:
            years.add(int(match.group(1)))
            found.append((int(match.group(2)), heading))
    if not found:
        raise BadSheet("不是党费收缴表：没有月份列，如“2026年1月” (not a dues sheet: no month columns like 2026年1月)")
    if len(years) > 1:
        raise BadSheet("月份列的年份不一致，一张表只能是一年的 (the month columns are of more than one year)")
    repeated = sorted({heading for month, heading in found if [m for m, _ in found].count(month) > 1})
    if repeated:
        raise BadSheet(f"月份列重复：{'、'.join(repeated)} (a month column is repeated)")
    return years.pop(), found


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def member_id_of(value):
    """The 党员编号 of a row; raises ValueError with the reason."""
    if _blank(value):
        raise ValueError("必填 (required)")
    if isinstance(value, bool):
        raise ValueError("应为整数 (must be a whole number)")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or not 0 < int(text) < 2 ** 31:
        raise ValueError("应为整数 (must be a whole number)")
    return int(text)


def name_of(value):
    return None if _blank(value) else str(value).strip()


def written_of(value):
    """What a month's cell says: None (empty), a mark (dues.WRITTEN_*) or an amount (Decimal, 2
    places); raises ValueError with the reason. 0 is read as 免缴."""
    if _blank(value):
        return None
    if isinstance(value, str) and value.strip() in WRITTEN:
        return WRITTEN[value.strip()]
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ValueError(_NOT_AN_AMOUNT)
    if isinstance(value, float):
        value = repr(value)  # the shortest decimal that reads back as this float
    text = str(value).strip()
    for sign in _CURRENCY:
        text = text.replace(sign, "")
    try:
        amount = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(_NOT_AN_AMOUNT)
    if not amount.is_finite() or amount < 0:
        raise ValueError(_NOT_AN_AMOUNT)
    if amount != amount.quantize(decimal.Decimal("0.01")):
        raise ValueError("金额最多两位小数 (at most 2 decimal places)")
    return dues.WRITTEN_WAIVED if amount == 0 else amount.quantize(decimal.Decimal("0.01"))


_NOT_AN_AMOUNT = "应填写实缴金额，或 已缴 / 免缴，未缴留空 (an amount, 已缴 or 免缴; empty when not paid)"

"""The roster as an Excel workbook (.xlsx): Chinese column headings, one member a row.

Pure functions over bytes and rows, no SQL: reading a workbook into raw rows,
turning a raw row into member input (or the reasons it cannot be), and
writing the template, the export and the workbook of rejected rows.
"""
import datetime as dt
import decimal
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from members.domain import roster
from wuji_infra.workbook_limits import NotAWorkbook, Refused, check_row_count, open_first_sheet


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (heading, field, kind); the order is the template's
COLUMNS = [
    ("姓名", "name", "text"),
    ("性别", "gender", "gender"),
    ("身份证号", "id_number", "id_number"),
    ("出生日期", "birth_date", "date"),
    ("党支部", "branch", "text"),
    ("离退休类别", "retirement_kind", "retirement_kind"),
    ("离退休日期", "retired_on", "date"),
    ("原单位", "former_unit", "text"),
    ("原职务", "former_post", "text"),
    ("职级", "rank", "text"),
    ("入党日期", "joined_party_on", "date"),
    ("组织关系", "org_relation", "org_relation"),
    ("所在社区", "community", "text"),
    ("联系电话", "phone", "text"),
    ("住址", "address", "text"),
    ("紧急联系人", "emergency_contact", "text"),
    ("月养老金(元)", "pension_monthly", "money"),
    ("独居", "lives_alone", "flag"),
    ("子女不在身边", "children_away", "flag"),
    ("行动不便", "mobility_limited", "flag"),
    ("生活困难", "hardship", "flag"),
    ("专长", "specialties", "list"),
    ("职称", "professional_titles", "list"),
    ("愿意发挥作用", "willing_to_serve", "flag"),
    ("入册日期", "counts_from", "date"),  # from when the member counts (go-live); empty: the day imported
]
HEADINGS = [heading for heading, _, _ in COLUMNS]
HEADING_OF = {field: heading for heading, field, _ in COLUMNS}
HEADING_OF["branch_id"] = "党支部"
# a member's fields in Chinese, also where no column holds them (a history entry's field)
FIELD_LABELS = {**HEADING_OF, "status": "状态", "withdrawn": "撤销误录"}
REQUIRED = ("name", "gender", "id_number", "birth_date", "branch", "retirement_kind")
ERRORS_HEADING = "错误原因"
YIELD_EVERY = 50  # rows between two yields to the eventlet hub (time.sleep is patched in a service)

_CHOICES = {
    "gender": {"男": "male", "女": "female"},
    "retirement_kind": {"离休": "lixiu", "退休": "tuixiu"},
    "org_relation": {"本单位": "unit", "转入社区": "community", "社区": "community"},
}
_LABELS = {"gender": roster.GENDER_LABELS, "retirement_kind": roster.RETIREMENT_KIND_LABELS,
           "org_relation": roster.ORG_RELATION_LABELS}
_FLAGS = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False}
_LIST_SEPARATORS = ("、", "，", ",", ";", "；")


class BadHeadings(Refused):
    pass


def read_rows(content):
    """``(headings, [(row_number, values)])`` of the first sheet; blank rows skipped.

    Raises BadHeadings when the file is not an .xlsx or a required heading is
    missing, Refused when it is too large (workbook_limits). CPU work of seconds
    that never yields: a service runs it in a thread (eventlet.tpool).
    """
    workbook, sheet = _open(content)
    try:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        headings = [str(h).strip() if h is not None else "" for h in header]
        _check_headings(headings)
        data = []
        for number, values in enumerate(rows, start=2):
            check_row_count(number)  # counted as read: the sheet's declared size may lie
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            data.append((number, tuple(values)))
        return headings, data
    finally:
        workbook.close()


def cell_json(value):
    """A cell's value as JSON (to keep a rejected row as it was sent)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def read_headings(content):
    """The first row's headings; raises BadHeadings and Refused as read_rows does."""
    workbook, sheet = _open(content)
    try:
        header = next(sheet.iter_rows(max_row=1, values_only=True), None) or ()
    finally:
        workbook.close()
    headings = [str(h).strip() if h is not None else "" for h in header]
    _check_headings(headings)
    return headings


def _open(content):
    """``(workbook, first sheet)``, read-only, once the file has passed the size checks."""
    try:
        return open_first_sheet(content)
    except NotAWorkbook as exc:
        raise BadHeadings(str(exc))


def _check_headings(headings):
    missing = [HEADING_OF[f] for f in REQUIRED if HEADING_OF[f] not in headings]
    if missing:
        raise BadHeadings("缺少必需的列 (missing columns): " + "、".join(missing))


def _text(value):
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _convert(kind, value):
    """A cell's value as member input; raises ValueError with the reason."""
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = _text(value).replace("/", "-").replace(".", "-")
        try:
            return dt.datetime.strptime(text, "%Y-%m-%d").date().isoformat()
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD (a date like 1945-05-06)")
    if kind == "id_number":
        if isinstance(value, (int, float)):
            raise ValueError("身份证号应以文本格式填写, 数字格式会丢失末位 (enter the ID number as text)")
        return _text(value)
    if kind == "money":
        if isinstance(value, (int, decimal.Decimal)):
            return str(value)
        if isinstance(value, float):
            return str(decimal.Decimal(repr(value)))  # the shortest decimal that reads back as this float
        return _text(value)
    if kind == "flag":
        text = _text(value) if not isinstance(value, bool) else ("1" if value else "0")
        if text.upper() not in _FLAGS:
            raise ValueError("应填 是 或 否 (yes or no: 是/否)")
        return _FLAGS[text.upper()]
    if kind == "list":
        text = _text(value)
        for separator in _LIST_SEPARATORS[1:]:
            text = text.replace(separator, _LIST_SEPARATORS[0])
        return [part.strip() for part in text.split(_LIST_SEPARATORS[0]) if part.strip()]
    if kind in _CHOICES:
        text = _text(value)
        if text in _CHOICES[kind]:
            return _CHOICES[kind][text]
        raise ValueError("应为 " + " / ".join(_CHOICES[kind]) + f" 之一 (one of {', '.join(_CHOICES[kind])})")
    return _text(value)


def row_input(headings, values):
    """``(input, problems)``: the row as member input (``branch`` by name), and
    ``{heading: [reason]}`` for the cells that cannot be read. Empty cells are left out."""
    data, problems = {}, {}
    by_heading = {heading: (field, kind) for heading, field, kind in COLUMNS}
    for heading, value in zip(headings, values):
        if heading not in by_heading or value is None or (isinstance(value, str) and not value.strip()):
            continue
        field, kind = by_heading[heading]
        try:
            data[field] = _convert(kind, value)
        except ValueError as exc:
            problems[heading] = [str(exc)]
    for field in REQUIRED:
        if field not in data and HEADING_OF[field] not in problems:
            problems[HEADING_OF[field]] = ["必填 (required)"]
    return data, problems


def heading_of(field):
    """The column heading for an input field name (``specialties.0`` -> 专长)."""
    return HEADING_OF.get(field.split(".", 1)[0], field)


# -- writing ------------------------------------------------------------------

# columns whose values are wider than their headings (in Excel's character widths; a Chinese
# character is two): an ID number or a date cut off is of no use to whoever reads the sheet
WIDTHS = {"身份证号": 22, "出生日期": 12, "离退休日期": 12, "入党日期": 12, "党支部": 24, "原单位": 24,
          "原职务": 16, "所在社区": 16, "联系电话": 16, "住址": 32, "紧急联系人": 22, "专长": 20, "职称": 16,
          ERRORS_HEADING: 60}


def _width(heading):
    return WIDTHS.get(heading, max(8, 2 * len(heading) + 2))


def _workbook(headings):
    """A write-only workbook of one sheet: bold headings that stay in view, columns wide enough."""
    from openpyxl.utils import get_column_letter
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    for number, heading in enumerate(headings, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = _width(heading)
    sheet.freeze_panes = "A2"
    # printed: landscape, at a size that can be read, the headings again on every page
    sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = "1:1"
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell
    cells = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return workbook, sheet


def _append_as_text(sheet, values):
    """A row in which every text is a text cell: openpyxl would store "=HYPERLINK(...)" typed into a
    name as a live formula, run by whoever opens the export (spreadsheet formula injection)."""
    from openpyxl.cell import WriteOnlyCell
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)


def _save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template():
    """The import template: the headings and one example row."""
    workbook, sheet = _workbook(HEADINGS)
    sheet.append(["张建国", "男", "11010519491231002X", "1949-12-31", "机关第一离退休党支部", "退休", "2009-12-31",
                  "市住房和城乡建设局", "规划处处长", "正处级", "1970-07-01", "本单位", None, "0571-87654321",
                  "杭州市西湖区北山街1号", "张明 13800000000", "6200.00", "否", "是", "否", "否",
                  "城市规划、书法", "高级工程师", "是", "2010-01-01"])
    return _save(workbook)


def member_row(member, branch_names):
    """A stored member (MemberOut) as a row under HEADINGS."""
    row = []
    for _, field, kind in COLUMNS:
        if field == "branch":
            value = branch_names.get(member["branch_id"], member["branch_id"])
        else:
            value = member.get(field)
        if value is None:
            row.append(None)
        elif kind == "flag":
            row.append("是" if value else "否")
        elif kind == "list":
            row.append("、".join(value))
        elif kind in _LABELS:
            row.append(_LABELS[kind].get(value, value))
        else:
            row.append(value)
    return row


def export(rows):
    """The roster export: HEADINGS plus 状态, one row per member (``rows`` from member_row)."""
    workbook, sheet = _workbook(HEADINGS + ["状态"])
    for row in rows:
        _append_as_text(sheet, row)
    return _save(workbook)


STATUS_LABELS = roster.MEMBER_STATUS_LABELS


def rejected(headings, bad_rows):
    """The rejected rows as they were sent, each with its row number and reasons."""
    workbook, sheet = _workbook(["原行号"] + list(headings) + [ERRORS_HEADING])
    for row_number, values, problems in bad_rows:
        reasons = "; ".join(f"{column}: {reason}" for column, reasons in problems.items() for reason in reasons)
        _append_as_text(sheet, [row_number] + list(values) + [reasons])
    return _save(workbook)

"""The yearly report and the scorecard as files an office hands in: a Word document a
secretary can edit (python-docx), organized by the five basics, and Excel workbooks
(openpyxl) with the same figures as tables, the yearly statistics sheet
(离退休干部基本情况统计表) among them. Input: the JSON the routes answer."""
import io
from decimal import Decimal

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from activities.domain.review_meetings import REVIEW_MEETING_LABELS
from members.domain.honors import HONOR_LEVEL_LABELS

from gateway.reports.scorecard import BASIC_TITLES

BODY_FONT = "仿宋"       # the font of official documents' body text
HEADING_FONT = "黑体"
MONEY_FORMAT = "#,##0.00"

# the yearly report's figures, in the words of the report (CONTRACT "Reports")
FIGURE_LABELS = {
    "members_total": "离退休干部党员（人）",
    "in_communities": "其中：党组织关系转入社区（人）",
    "in_unit": "其中：本单位党员（人）",
    "average_age": "平均年龄（岁）",
    "branches": "党支部（个）",
    "committees": "建立党支部班子（个）",
    "study_sessions": "集体学习（次）",
    "bulletin_issues": "学习园地（期）",
    "bulletin_items": "学习园地内容（条）",
    "contacts": "三个联系（次）",
    "help_cases_solved": "办实事、解难事（件）",
    "visits": "走访看望（人次）",
    "members_visited": "走访看望离退休干部（人）",
    "condolence_cash": "慰问金（元）",
    "condolence_goods": "慰问品折合（元）",
    "condolence_wan": "慰问金、慰问品合计（万元）",
    "review_meetings": "论证会、研讨会（次）",
    "experts_engaged": "参加论证会的老同志（人）",
    "volunteer_hours": "志愿服务（小时）",
    "party_anniversary": "庆祝建党（周年）",
}
CENSUS_COLUMNS = (("total", "合计"), ("lixiu", "离休"), ("tuixiu", "退休"), ("male", "男"), ("female", "女"),
                  ("unit", "本单位"), ("community", "转入社区"), ("under_60", "60岁以下"), ("60_69", "60–69岁"),
                  ("70_79", "70–79岁"), ("80_89", "80–89岁"), ("90_plus", "90岁及以上"))
CHANGES = (("joined", "本年新增"), ("deceased", "本年逝世"), ("transferred_out", "本年转出"))
MONTHS = [f"{month}月" for month in range(1, 13)]
NO_MONEY = "经费由老干部工作部门统一管理，本支部报告不含经费收支情况。"


def _yuan(value):
    return f"{Decimal(value):,.2f}"


def _policy_name(version):
    return "评分标准：默认（依据公开的评分细则）" if version == 0 else f"评分标准第{version}版"


def _stars(count):
    return "★" * count + "☆" * (5 - count)


# -- Word ------------------------------------------------------------------------

def _new_document():
    """A4 with the margins of official documents (GB/T 9704), black headings, Chinese fonts."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
        Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6))
    for name, font, size in (("Normal", BODY_FONT, 14), ("Title", HEADING_FONT, 20),
                             ("Heading 1", HEADING_FONT, 16), ("Heading 2", HEADING_FONT, 14)):
        style = document.styles[name]
        style.font.name = font
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return document


def _title(document, text, subtitle):
    heading = document.add_heading(text, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = document.add_paragraph(subtitle)
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraph(document, text):
    paragraph = document.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters, as office documents are set
    return paragraph


def _table(document, headings, rows, widths=None, size=12):
    """A grid table; ``widths`` in cm (else Word shares the page), text of ``size`` points."""
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, heading in zip(table.rows[0].cells, headings):
        cell.text = heading
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value)
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            if widths:
                cell.width = Cm(widths[index])
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
    if widths:  # Word reads the cells' widths, LibreOffice the grid's: set both
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)
    document.add_paragraph()
    return table


def _save(document):
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def annual_docx(report):
    f = report["figures"]
    document = _new_document()
    _title(document, f"{report['year']}年度离退休干部党建工作汇报",
           f"（数据截至{report['as_of']}，由系统根据登记的记录统计生成，可修改后报送）")

    document.add_heading("一、基本组织：组织健全，管理规范", level=1)
    _paragraph(document, (
        f"截至{report['as_of']}，共有离退休干部党员{f['members_total']}人，其中党组织关系转入社区"
        f"{f['in_communities']}人，本单位党员{f['in_unit']}人，平均年龄"
        f"{'—' if f['average_age'] is None else f['average_age']}岁。共有党支部{f['branches']}个，"
        f"建立了{f['committees']}个党支部班子。"))
    _table(document, ["党支部", "所属单位", "党员人数"],
           [[b["name"], b.get("unit") or "", b["members_total"]] for b in report["branches"]])
    if report["honorees"]:
        _paragraph(document, f"本年度共有{len(report['honorees'])}人次获得表彰：")
        _table(document, ["姓名", "称号", "级别"], [[h["name"], h["title"], HONOR_LEVEL_LABELS.get(h["level"], h["level"])]
                                                   for h in report["honorees"]])
    else:
        _paragraph(document, "本年度暂无表彰记录。")

    document.add_heading("二、基本队伍：发挥作用，服务大局", level=1)
    _paragraph(document, (
        f"坚持“三个联系”制度，全年记录联系{f['contacts']}次。组织{f['experts_engaged']}位老同志参加"
        f"城市建设论证会、研讨会{f['review_meetings']}次，建言献策。开展志愿服务{f['volunteer_hours']}小时。"))
    if report["review_meetings"]:
        _table(document, ["日期", "类型", "议题", "参加的老同志"],
               [[m["date"], REVIEW_MEETING_LABELS.get(m["kind"], m["kind"]), m["topic"], "、".join(m["experts"])]
                for m in report["review_meetings"]])

    document.add_heading("三、基本活动：学习教育，丰富多彩", level=1)
    _paragraph(document, (
        f"坚持每月组织一次集体学习，全年共组织集体学习{f['study_sessions']}次；通过学习园地共发布"
        f"{f['bulletin_issues']}期{f['bulletin_items']}条学习内容。围绕庆祝建党{f['party_anniversary']}周年"
        f"开展主题活动。"))
    if report["activities_by_kind"]:
        _table(document, ["活动类型", "次数", "参加人次", "志愿服务（小时）", "费用（元）"],
               [[a["label"], a["count"], a["participants"], a["volunteer_hours"], _yuan(a["cost"])]
                for a in report["activities_by_kind"]])

    document.add_heading("四、基本制度：制度坚持，规范运行", level=1)
    _paragraph(document, "各党支部每月集体学习情况如下（单位：次；表头为月份）：")
    _table(document, ["党支部", *(str(month) for month in range(1, 13)), "合计"],
           [[row["name"], *row["months"], row["total"]] for row in report["study_by_branch"]],
           widths=[2.8] + [0.9] * 12 + [1.3], size=9)

    document.add_heading("五、基本保障：关心关爱，经费保障", level=1)
    _paragraph(document, (
        f"全年走访看望离退休干部{f['members_visited']}人、{f['visits']}人次，发放慰问金"
        f"{_yuan(f['condolence_cash'])}元、慰问品折合{_yuan(f['condolence_goods'])}元，共计"
        f"{f['condolence_wan']}万元；办实事、解难事{f['help_cases_solved']}件。"))
    if report["visits_by_cause"]:
        _table(document, ["走访原因", "人次", "人数"],
               [[v["label"], v["visits"], v["members"]] for v in report["visits_by_cause"]])
    money = report["money"]
    if money is None:
        _paragraph(document, NO_MONEY)
    else:
        totals = money["totals"]
        _paragraph(document, (
            f"全年四项经费收入{_yuan(totals['income'])}元（其中预算{_yuan(totals['budget'])}元），"
            f"支出{_yuan(totals['spent'])}元，结余{_yuan(totals['balance'])}元。"))
        _table(document, ["经费来源", "预算", "党费返还", "收入合计", "支出", "结余"],
               [[s["label"], _yuan(s["budget"]), _yuan(s["dues_rebate"]), _yuan(s["income"]), _yuan(s["spent"]),
                 _yuan(s["balance"])] for s in money["sources"]])
        _table(document, ["支出类别", "支出（元）"], [[c["label"], _yuan(c["spent"])] for c in money["categories"]])
        if money["refused"]["count"]:
            _paragraph(document, (f"另有{money['refused']['count']}笔支出共{_yuan(money['refused']['amount'])}元"
                                  f"因经费不足尚未入账。"))
    return _save(document)


def scorecard_docx(card):
    document = _new_document()
    _title(document, f"{card['year']}年度离退休干部党支部标准化规范化建设达标情况",
           f"（截至{card['as_of']}，{_policy_name(card['policy_version'])}，由系统根据登记的记录评定）")
    _table(document, ["党支部", "得分", "星级"],
           [[b["name"], f"{b['score']}/{b['max_score']}", _stars(b["stars"])] for b in card["branches"]])
    for branch in card["branches"]:
        document.add_page_break()  # each branch on its own page, to hand to its secretary
        document.add_heading(f"{branch['name']}：{branch['score']}分 {_stars(branch['stars'])}", level=1)
        _table(document, ["基本", "项目", "满分", "得分", "达标", "缺项"],
               [[BASIC_TITLES[i["basic"]], i["title"], i["max_points"], i["points"], "是" if i["met"] else "否",
                 "；".join(i["missing"])] for i in branch["items"]],
               widths=[1.9, 5.4, 1.2, 1.2, 1.2, 4.7], size=10)
    return _save(document)


# -- Excel -----------------------------------------------------------------------

def _sheet(workbook, title, heading, columns, rows, money_columns=(), widths=None):
    """A sheet: its heading in row 1, the column names in row 2, then the rows; ``widths``
    (characters) by column, else 22 for the first and 12 for the others."""
    sheet = workbook.create_sheet(title)
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in rows:
        sheet.append([Decimal(value) if index in money_columns and value is not None else value
                      for index, value in enumerate(row)])
        for index in money_columns:
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = MONEY_FORMAT
    for index, _ in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = \
            widths[index - 1] if widths else (22 if index == 1 else 12)
    if widths:  # a wide text column wraps rather than running off the page
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    # printed, a sheet fits the width of a landscape page
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    return sheet


def _workbook_bytes(workbook):
    del workbook["Sheet"]  # the empty sheet openpyxl starts with
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _census_rows(census):
    rows = [[row["name"], *(row[key] for key, _ in CENSUS_COLUMNS)] for row in census["rows"]]
    totals, last = census["totals"], census["last_year"]
    rows.append(["合计", *(totals[key] for key, _ in CENSUS_COLUMNS)])
    rows.append(["上年末", *(last[key] for key, _ in CENSUS_COLUMNS)])
    rows.append(["比上年增减", *(totals[key] - last[key] for key, _ in CENSUS_COLUMNS)])
    return rows


def annual_xlsx(report):
    year, f = report["year"], report["figures"]
    money_figures = {"condolence_cash", "condolence_goods"}
    workbook = Workbook()
    _sheet(workbook, "主要数据", f"{year}年度离退休干部党建工作主要数据（截至{report['as_of']}）", ["项目", "数值"],
           [[label, Decimal(f[key]) if key in money_figures or key == "condolence_wan" else f[key]]
            for key, label in FIGURE_LABELS.items()])
    census = report["census"]
    sheet = _sheet(workbook, "基本情况统计表", f"{year}年度离退休干部基本情况统计表（截至{report['as_of']}）",
                   ["党支部", *(label for _, label in CENSUS_COLUMNS)], _census_rows(census))
    sheet.append([])
    for key, label in CHANGES:
        sheet.append([label, census["changes"][key]])
    _sheet(workbook, "表彰", f"{year}年度先进典型", ["姓名", "称号", "级别", "年度"],
           [[h["name"], h["title"], HONOR_LEVEL_LABELS.get(h["level"], h["level"]), h["year"]] for h in report["honorees"]])
    _sheet(workbook, "活动", f"{year}年度活动（按类型）", ["活动类型", "次数", "参加人次", "志愿服务（小时）", "费用（元）",
                                                    "已入账（元）", "经费不足未入账（元）"],
           [[a["label"], a["count"], a["participants"], a["volunteer_hours"], a["cost"], a["cost_booked"],
             a["cost_refused"]] for a in report["activities_by_kind"]], money_columns=(4, 5, 6))
    _sheet(workbook, "每月集体学习", f"{year}年度各党支部每月集体学习（次）", ["党支部", *MONTHS, "合计"],
           [[row["name"], *row["months"], row["total"]] for row in report["study_by_branch"]])
    _sheet(workbook, "论证会", f"{year}年度论证会、研讨会", ["日期", "类型", "议题", "参加的老同志"],
           [[m["date"], REVIEW_MEETING_LABELS.get(m["kind"], m["kind"]), m["topic"], "、".join(m["experts"])]
            for m in report["review_meetings"]])
    _sheet(workbook, "走访慰问", f"{year}年度走访慰问（按原因）", ["走访原因", "人次", "人数"],
           [[v["label"], v["visits"], v["members"]] for v in report["visits_by_cause"]])
    money = report["money"]
    if money is None:
        _sheet(workbook, "经费", f"{year}年度经费收支", [NO_MONEY], [])
    else:
        sheet = _sheet(workbook, "经费", f"{year}年度经费收支（按来源）",
                       ["经费来源", "预算", "党费返还", "收入合计", "支出", "结余"],
                       [[s["label"], s["budget"], s["dues_rebate"], s["income"], s["spent"], s["balance"]]
                        for s in money["sources"]], money_columns=(1, 2, 3, 4, 5))
        _sheet(workbook, "支出类别", f"{year}年度经费支出（按类别）", ["支出类别", "支出（元）"],
               [[c["label"], c["spent"]] for c in money["categories"]], money_columns=(1,))
    return _workbook_bytes(workbook)


def scorecard_xlsx(card):
    workbook = Workbook()
    branches = card["branches"]
    titles = [item["title"] for item in branches[0]["items"]] if branches else []
    _sheet(workbook, "达标情况", f"{card['year']}年度党支部标准化规范化建设达标情况（截至{card['as_of']}，"
                              f"{_policy_name(card['policy_version'])}）",
           ["党支部", "得分", "星级", *titles],
           [[b["name"], b["score"], _stars(b["stars"]), *(i["points"] for i in b["items"])] for b in branches])
    _sheet(workbook, "缺项明细", "未达标项目及缺项", ["党支部", "基本", "项目", "得分", "满分", "缺项"],
           [[b["name"], BASIC_TITLES[i["basic"]], i["title"], i["points"], i["max_points"], missing]
            for b in branches for i in b["items"] for missing in i["missing"]], widths=[16, 10, 30, 8, 8, 60])
    return _workbook_bytes(workbook)

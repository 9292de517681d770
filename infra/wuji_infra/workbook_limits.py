"""What an uploaded workbook may cost to read: checked before openpyxl opens it
(the zip directory) and while its rows are read.

A 40 KB .xlsx can hold a sheet of millions of empty rows; these bounds keep a
service (members' roster import, funding's dues sheet) from spending minutes on one.
``open_first_sheet`` is the one way an uploaded workbook is opened.
"""
import io
import zipfile

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100               # uncompressed : compressed; a real roster is about 17 : 1
RATIO_FROM_BYTES = 1024 * 1024  # a small file may compress as well as it likes
MAX_DATA_ROWS = 20_000        # rows under the heading row


class Refused(ValueError):
    """The file will not be read; the message says why, in Chinese then English."""


class NotAWorkbook(Refused):
    """The file is no .xlsx workbook openpyxl can open."""


def open_first_sheet(content):
    """``(workbook, first sheet)`` of the .xlsx ``content``, read-only and with values (not
    formulas), once it has passed the size checks; the caller closes the workbook.

    Raises NotAWorkbook for a file that is not an .xlsx, Refused for one too large. Reading
    its rows is CPU work that never yields: a service runs it in a thread (eventlet.tpool).
    """
    from openpyxl import load_workbook
    check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise NotAWorkbook(f"不是有效的 .xlsx 文件 (not an .xlsx workbook: {type(exc).__name__})")
    try:
        check_row_count(sheet.max_row)  # the size the sheet declares (its dimension), when it does
    except Refused:
        workbook.close()
        raise
    return workbook, sheet


def check_archive(content):
    """Refuse a zip that expands past the bounds, from its directory alone.

    zipfile stops each member at the size its directory gives (and fails on the
    checksum), so a directory that lies about a size cannot get past this.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: openpyxl says it is no workbook
    expanded = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if expanded > MAX_UNCOMPRESSED_BYTES:
        raise Refused(f"解压后为 {_mib(expanded)} MiB, 超过 {_mib(MAX_UNCOMPRESSED_BYTES)} MiB"
                      f" (it expands to {_mib(expanded)} MiB, over {_mib(MAX_UNCOMPRESSED_BYTES)} MiB)")
    if expanded > RATIO_FROM_BYTES and expanded / packed > MAX_RATIO:
        ratio = round(expanded / packed)
        raise Refused(f"压缩比 {ratio}:1 过高, 上限 {MAX_RATIO}:1"
                      f" (compression ratio {ratio}:1, over {MAX_RATIO}:1: likely a zip bomb)")


def check_row_count(rows):
    """Refuse a sheet of more than MAX_DATA_ROWS rows under its headings (``rows`` counts the heading row)."""
    if rows is not None and rows > MAX_DATA_ROWS + 1:
        raise Refused(f"超过 {MAX_DATA_ROWS} 行, 请分成多个文件导入"
                      f" (more than {MAX_DATA_ROWS:,} rows: split the file)")


def _mib(size):
    return f"{round(size / 1024 / 1024, 1):g}"

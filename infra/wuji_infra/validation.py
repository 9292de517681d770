"""Input validation shared by the services: marshmallow loading, money, paging.

Every error becomes ``InvalidInput`` naming each field and the reason, which
the gateway answers as 400.
"""
import decimal
import re

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate

from wuji_infra.errors import InvalidInput

MAX_MONEY = decimal.Decimal("1000000000.00")
MAX_ID = 2**31 - 1  # the largest INTEGER primary key: no id beyond it exists
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 20


def load(schema, data, partial=False):
    """``schema.load(data)``, with errors as InvalidInput({field: [reasons]})."""
    if not isinstance(data, dict):
        raise InvalidInput("请求内容应为JSON对象 (the body must be a JSON object)", {"_schema": ["not an object"]})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise InvalidInput("输入有误 (invalid input)", _flatten(messages)) from exc


def _flatten(messages):
    flat = {}
    for field, reasons in messages.items():
        if isinstance(reasons, dict):
            for sub, sub_reasons in _flatten(reasons).items():
                flat[f"{field}.{sub}"] = sub_reasons
        else:
            flat[field] = [in_chinese(str(r)) for r in (reasons if isinstance(reasons, list) else [reasons])]
    return flat


# marshmallow's own messages (English), as the office reads them: "中文 (English)"
_MESSAGES = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空值",
    "Unknown field.": "不认识的字段",
    "Invalid input type.": "输入类型有误",
    "Invalid type.": "类型有误",
    "Invalid value.": "值无效",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Number too large.": "数字过大",
    "Special numeric values (nan or infinity) are not permitted.": "不能为 nan 或 infinity",
    "Not a valid string.": "应为文字",
    "Not a valid utf-8 string.": "不是有效的 UTF-8 文字",
    "Not a valid boolean.": "应为 true 或 false",
    "Not a valid date.": "日期应为 YYYY-MM-DD",
    "Not a valid datetime.": "时间应为 ISO 8601 格式",
    "Not a valid aware datetime.": "时间应为带时区的 ISO 8601 格式",
    "Not a valid list.": "应为列表",
    "Not a valid mapping type.": "应为JSON对象",
    "Not a valid UUID.": "应为 UUID",
    "Not a valid email address.": "邮箱地址有误",
    "Not a valid URL.": "网址有误",
    "String does not match expected pattern.": "格式不正确",
}
_PATTERNS = (
    (re.compile(r"Must be one of: (.*)\.$"), "应为以下之一: {0}"),
    (re.compile(r"Length must be between (\d+) and (\d+)\.$"), "长度应为 {0} 到 {1}"),
    (re.compile(r"Length must be (\d+)\.$"), "长度应为 {0}"),
    (re.compile(r"Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}"),
    (re.compile(r"Longer than maximum length (\d+)\.$"), "长度不能超过 {0}"),
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), "应在 {0} 到 {1} 之间"),
    (re.compile(r"Must be greater than or equal to (\S+)\.$"), "不能小于 {0}"),
    (re.compile(r"Must be less than or equal to (\S+)\.$"), "不能大于 {0}"),
    (re.compile(r"Must be greater than (\S+)\.$"), "应大于 {0}"),
    (re.compile(r"Must be less than (\S+)\.$"), "应小于 {0}"),
)


def in_chinese(message):
    """A marshmallow message with its Chinese in front; our own messages (already Chinese) as they are."""
    if message in _MESSAGES:
        return f"{_MESSAGES[message]} ({message})"
    for pattern, chinese in _PATTERNS:
        found = pattern.match(message)
        if found:
            return f"{chinese.format(*found.groups())} ({message})"
    return message


_AMOUNT = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")  # re's [0-9] is ASCII only; the range is checked below


class Money(fields.Decimal):
    """Yuan as a string with two decimals ("1234.50"); never a float.

    Accepts a string of ASCII digits with at most two decimal places (no
    exponent, plus sign, spaces or other scripts' digits), from 0 to
    1,000,000,000.00 (``positive=True`` for more than 0); a JSON number is
    refused, as the API's money is always a string.
    """

    def __init__(self, positive=False, **kwargs):
        self.positive = positive
        super().__init__(places=2, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, decimal.Decimal):  # from the service itself, never from JSON
            value = format(value, "f")
        if not isinstance(value, str):
            raise ValidationError("金额应为字符串, 如 \"1234.50\" (money is a string like \"1234.50\")")
        if not _AMOUNT.fullmatch(value):
            raise ValidationError("金额格式不正确 (not an amount)")
        amount = decimal.Decimal(value)
        if amount != amount.quantize(decimal.Decimal("0.01")):
            raise ValidationError("金额最多两位小数 (at most two decimal places)")
        if amount < 0 or (self.positive and amount == 0):
            raise ValidationError("金额应大于零 (must be more than zero)" if self.positive else "金额不能为负 (must not be negative)")
        if amount > MAX_MONEY:
            raise ValidationError("金额过大 (more than 1,000,000,000.00)")
        return amount.quantize(decimal.Decimal("0.01"))


def as_id(value):
    """``value`` as a database id (1 to MAX_ID), or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def Id(**kwargs):
    """A field holding the id of a row: a whole number from 1 to MAX_ID."""
    kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID, error="应为正整数编号 (a positive id)"))
    return fields.Integer(**kwargs)


def period_problem(data, from_key, to_key):
    """In a schema's validates_schema: a period whose start is after its end is refused on ``to_key``."""
    if data.get(from_key) is not None and data.get(to_key) is not None and data[from_key] > data[to_key]:
        raise ValidationError(f"{to_key} 不能早于 {from_key} (the period ends before it starts)", to_key)


MAX_PAGE = 1_000_000  # far beyond any list here; a larger offset would overflow the database's integers
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def _whole_number(value):
    """An int from an int or a string of ASCII digits (no sign, spaces, "1_000" or other scripts' digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise ValueError(value)


def paging(page=1, page_size=DEFAULT_PAGE_SIZE):
    """Checked (page, page_size) from raw values."""
    problems = {}
    try:
        page = _whole_number(page)
        if not 1 <= page <= MAX_PAGE:
            problems["page"] = [f"页码应在1到{MAX_PAGE}之间 (page starts at 1, at most {MAX_PAGE})"]
    except ValueError:
        problems["page"] = ["页码应为整数 (page must be a whole number)"]
    try:
        page_size = _whole_number(page_size)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            problems["page_size"] = [f"每页条数应在1到{MAX_PAGE_SIZE}之间 (1 to {MAX_PAGE_SIZE})"]
    except ValueError:
        problems["page_size"] = ["每页条数应为整数 (page_size must be a whole number)"]
    if problems:
        raise InvalidInput("分页参数有误 (bad paging)", problems)
    return page, page_size


def page_of(session, query, dump, page=1, page_size=DEFAULT_PAGE_SIZE, *, together=False):
    """Run a select() a page at a time: ``{"items", "total", "page", "page_size"}``. ``dump`` makes
    an item of a row, or with ``together`` the items of the page's rows at once (what each item
    needs then comes in one query for the page, not one for each row)."""
    page, page_size = paging(page, page_size)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    items = dump(rows) if together else [dump(row) for row in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def keyed_schema(name, module, keys, field):
    """A schema named ``name`` with one ``field()`` per key (each source, category,
    activity kind or month): the OpenAPI document then names every key. ``module``,
    the caller's ``__name__``, tells the document which service's schema it is."""
    return type(name, (Schema,), {"__module__": module, **{key: field() for key in keys}})

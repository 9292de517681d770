import decimal

import pytest
from marshmallow import Schema

from wuji_infra.errors import InvalidInput
from wuji_infra.validation import Money, in_chinese, load, paging


class Payment(Schema):
    amount = Money(required=True)
    positive = Money(positive=True)


@pytest.mark.parametrize("raw, expected", [
    ("1234.50", decimal.Decimal("1234.50")),
    ("0", decimal.Decimal("0.00")),
    ("12", decimal.Decimal("12.00")),
    ("1000000000.00", decimal.Decimal("1000000000.00")),
])
def test_money_is_read_exactly(raw, expected):
    assert load(Payment(), {"amount": raw})["amount"] == expected


@pytest.mark.parametrize("raw", [12.5, "12.345", "-1", "abc", "NaN", "Infinity", "1000000000.01", True, "",
                                 # issue 11: money is a string of ASCII digits, nothing else
                                 12, "1e3", "1E3", " 1.00", "1.00 ", "+1.00", "١٢", "１２", "1_000", "1,000", ".5", "5."])
def test_bad_money_is_refused_naming_the_field(raw):
    with pytest.raises(InvalidInput) as error:
        load(Payment(), {"amount": raw})
    assert list(error.value.fields) == ["amount"]


def test_positive_money_refuses_zero():
    with pytest.raises(InvalidInput) as error:
        load(Payment(), {"amount": "1", "positive": "0.00"})
    assert "positive" in error.value.fields


def test_money_is_written_with_two_decimals():
    assert Payment().dump({"amount": decimal.Decimal("5")})["amount"] == "5.00"


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput) as error:
        load(Payment(), ["amount"])
    assert "_schema" in error.value.fields


def test_unknown_and_missing_fields_are_named():
    with pytest.raises(InvalidInput) as error:
        load(Payment(), {"colour": "red"})
    assert set(error.value.fields) == {"amount", "colour"}


@pytest.mark.parametrize("page, size, field", [
    (0, 20, "page"), ("x", 20, "page"), (1, 0, "page_size"), (1, 501, "page_size"), (1, "big", "page_size"),
])
def test_paging_out_of_range_is_refused(page, size, field):
    with pytest.raises(InvalidInput) as error:
        paging(page, size)
    assert field in error.value.fields


def test_paging_reads_strings_from_query_strings():
    assert paging("3", "500") == (3, 500)


def test_marshmallow_messages_reach_the_office_in_chinese_with_the_english_kept():
    from marshmallow import Schema, fields as mfields, validate

    class Probe(Schema):
        count = mfields.Integer(required=True)
        gender = mfields.String(validate=validate.OneOf(["male", "female"]))
        name = mfields.String(validate=validate.Length(min=1, max=5))
        year = mfields.Integer(validate=validate.Range(min=2000, max=2100))
        on = mfields.Date()

    with pytest.raises(InvalidInput) as raised:
        load(Probe(), {"gender": "x", "name": "太长的名字啊", "year": 1999, "on": "tomorrow", "extra": 1})
    assert raised.value.fields == {
        "count": ["必填 (Missing data for required field.)"],
        "gender": ["应为以下之一: male, female (Must be one of: male, female.)"],
        "name": ["长度应为 1 到 5 (Length must be between 1 and 5.)"],
        "year": ["应在 2000 到 2100 之间 (Must be greater than or equal to 2000 and less than or equal to 2100.)"],
        "on": ["日期应为 YYYY-MM-DD (Not a valid date.)"],
        "extra": ["不认识的字段 (Unknown field.)"],
    }


def test_our_own_messages_pass_unchanged():
    assert in_chinese("金额最多两位小数 (at most two decimal places)") == "金额最多两位小数 (at most two decimal places)"
    assert in_chinese("Something marshmallow never says.") == "Something marshmallow never says."

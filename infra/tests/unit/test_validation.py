import decimal

import pytest
from marshmallow import Schema

from wuji_infra.errors import InvalidInput
from wuji_infra.validation import Money, load, paging


class Payment(Schema):
    amount = Money(required=True)
    positive = Money(positive=True)


@pytest.mark.parametrize("raw, expected", [
    ("1234.50", decimal.Decimal("1234.50")),
    ("0", decimal.Decimal("0.00")),
    (12, decimal.Decimal("12.00")),
    ("1000000000.00", decimal.Decimal("1000000000.00")),
])
def test_money_is_read_exactly(raw, expected):
    assert load(Payment(), {"amount": raw})["amount"] == expected


@pytest.mark.parametrize("raw", [12.5, "12.345", "-1", "abc", "NaN", "Infinity", "1000000000.01", True, ""])
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

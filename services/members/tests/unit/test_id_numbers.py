import datetime as dt

import pytest

from members.domain.roster import age_on, check_character, id_number_problem


def numbered(first_17):
    return first_17 + check_character(first_17)


@pytest.mark.parametrize("number, born", [
    ("11010519491231002X", dt.date(1949, 12, 31)),   # check character X
    (numbered("11010519440909001"), dt.date(1944, 9, 9)),
    ("11010519491231002X", None),
])
def test_valid_numbers_pass(number, born):
    assert id_number_problem(number, born) is None


@pytest.mark.parametrize("number, reason", [
    ("110105194912310021", "校验位错误"),            # wrong check digit
    ("11010519491231002", "应为18位"),               # too short
    ("1101051949123100212", "应为18位"),             # too long
    ("11010519491A31002X", "前17位应为数字"),         # a letter in the body
    ("11010519491231002Y", "前17位应为数字"),         # a check character that is not X
    (numbered("11010519491331002"), "出生日期无效"),  # month 13, check digit right
    (numbered("11010519430229002"), "出生日期无效"),  # 29 February of a common year
    (None, "应为18位"),
])
def test_invalid_numbers_say_why(number, reason):
    assert reason in id_number_problem(number)


def test_a_number_must_encode_the_given_birth_date():
    assert "不一致" in id_number_problem("11010519491231002X", dt.date(1949, 12, 30))


def test_age_counts_whole_years_up_to_the_birthday():
    born = dt.date(1946, 11, 26)
    assert age_on(born, dt.date(2026, 11, 25)) == 79
    assert age_on(born, dt.date(2026, 11, 26)) == 80
    assert age_on(dt.date(1944, 2, 29), dt.date(2024, 2, 28)) == 79
    assert age_on(dt.date(1944, 2, 29), dt.date(2024, 2, 29)) == 80

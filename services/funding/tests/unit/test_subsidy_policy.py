"""The subsidy policy: who is eligible on the day, how much, and the reason given."""
import datetime as dt
from decimal import Decimal

import pytest

from funding.domain import subsidy

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))


def decide(birth_date, on, hardship=False, policy=POLICY):
    return subsidy.decide_subsidy(policy, "hospitalized", birth_date=birth_date, hardship=hardship, on=on)


def test_member_in_hardship_is_eligible_whatever_the_age():
    decision = decide(dt.date(1954, 6, 1), dt.date(2026, 3, 10), hardship=True)
    assert decision.eligible
    assert decision.amount == Decimal("500.00")
    assert decision.age == 71
    assert decision.reason == "生活困难党员，住院补助 500.00 元"


def test_member_aged_over_the_minimum_is_eligible():
    decision = decide(dt.date(1941, 1, 15), dt.date(2026, 3, 10))
    assert decision.eligible
    assert decision.amount == Decimal("500.00")
    assert decision.reason == "年满80周岁（85岁），住院补助 500.00 元"


def test_member_turning_80_on_the_day_of_admission_is_eligible():
    decision = decide(dt.date(1946, 3, 10), dt.date(2026, 3, 10))
    assert decision.eligible
    assert decision.age == 80
    assert decision.reason == "年满80周岁（80岁），住院补助 500.00 元"


def test_member_turning_80_the_day_after_admission_is_not():
    decision = decide(dt.date(1946, 3, 11), dt.date(2026, 3, 10))
    assert not decision.eligible
    assert decision.age == 79
    assert decision.amount == Decimal("0.00")
    assert decision.reason == "不符合条件：非生活困难党员，且未满80周岁（79岁）"


@pytest.mark.parametrize("on, eligible", [
    (dt.date(2024, 2, 28), False),  # the day before the 80th birthday
    (dt.date(2024, 2, 29), True),   # the 80th birthday
])
def test_born_on_29_february_turns_80_on_that_day(on, eligible):
    assert decide(dt.date(1944, 2, 29), on).eligible is eligible


@pytest.mark.parametrize("on, age", [
    (dt.date(2025, 2, 28), 80),    # common year: no 29 February ...
    (dt.date(2025, 3, 1), 81),     # ... so a year older on 1 March
    (dt.date(2028, 2, 28), 83),
    (dt.date(2028, 2, 29), 84),
])
def test_age_of_someone_born_on_29_february(on, age):
    assert subsidy.age_on(dt.date(1944, 2, 29), on) == age


def test_leap_day_birth_in_a_common_year_counts_from_1_march():
    policy = subsidy.SubsidyPolicy(min_age=81, amount=Decimal("500.00"))
    assert not decide(dt.date(1944, 2, 29), dt.date(2025, 2, 28), policy=policy).eligible
    assert decide(dt.date(1944, 2, 29), dt.date(2025, 3, 1), policy=policy).eligible


def test_member_neither_in_hardship_nor_old_enough_gets_nothing_and_is_told_why():
    decision = decide(dt.date(1953, 7, 1), dt.date(2026, 3, 10))
    assert not decision.eligible
    assert decision.amount == Decimal("0.00")
    assert decision.reason == "不符合条件：非生活困难党员，且未满80周岁（72岁）"


def test_both_grounds_are_named():
    decision = decide(dt.date(1940, 1, 1), dt.date(2026, 3, 10), hardship=True)
    assert decision.eligible
    assert decision.reason == "生活困难党员，年满80周岁（86岁），住院补助 500.00 元"


def test_amount_and_age_come_from_the_policy():
    policy = subsidy.SubsidyPolicy(min_age=75, amount=Decimal("1200.50"))
    decision = decide(dt.date(1950, 1, 1), dt.date(2026, 3, 10), policy=policy)
    assert decision.eligible
    assert decision.amount == Decimal("1200.50")
    assert decision.reason == "年满75周岁（76岁），住院补助 1200.50 元"
    refused = decide(dt.date(1955, 1, 1), dt.date(2026, 3, 10), policy=policy)
    assert refused.reason == "不符合条件：非生活困难党员，且未满75周岁（71岁）"


@pytest.mark.parametrize("min_age, amount, expected", [
    ("80", "500.00", subsidy.SubsidyPolicy(80, Decimal("500.00"))),
    (" 75 ", "800", subsidy.SubsidyPolicy(75, Decimal("800.00"))),
    ("90", "0.5", subsidy.SubsidyPolicy(90, Decimal("0.50"))),
])
def test_policy_from_settings(min_age, amount, expected):
    policy = subsidy.subsidy_policy(min_age, amount)
    assert policy == expected
    assert str(policy.amount) == str(expected.amount)


@pytest.mark.parametrize("amount", ["", "abc", "500,00", "500.001", "-1", "0", "0.00", "NaN", "Infinity", "1e12", 500.0])
def test_bad_subsidy_amount_is_refused(amount):
    with pytest.raises(ValueError, match="SUBSIDY_AMOUNT"):
        subsidy.subsidy_policy("80", amount)


@pytest.mark.parametrize("min_age", ["", "eighty", "80.5", "-80", "0", "151", 80.0])
def test_bad_subsidy_min_age_is_refused(min_age):
    with pytest.raises(ValueError, match="SUBSIDY_MIN_AGE"):
        subsidy.subsidy_policy(min_age, "500.00")


def test_cause_key_is_one_per_member_cause_and_day():
    assert subsidy.subsidy_cause_key("hospitalized", 7, dt.date(2026, 3, 10)) == "hospitalized:7:2026-03-10"
    with pytest.raises(ValueError):
        subsidy.subsidy_cause_key("birthday", 7, dt.date(2026, 3, 10))

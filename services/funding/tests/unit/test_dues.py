"""Party dues: the rate from the pension, fixing and adjusting, payments, arrears, the rebate."""
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from funding.domain import dues as dues_rules, policy, subsidy
from funding.handlers import dues as dues_handlers
from funding.models import MemberFact
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))


@pytest.mark.parametrize("pension, dues", [
    ("3000.00", "15.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("8000.00", "80.00"),
    ("4321.00", "21.61"), ("0.00", "0.00"),
])
def test_dues_are_half_a_percent_up_to_5000_and_one_percent_of_the_whole_above(pension, dues):
    assert dues_rules.monthly_dues(Decimal(pension)) == Decimal(dues)


def test_months_behind_and_the_rate_of_a_month():
    assert dues_rules.months_behind(2026, 1, dt.date(2026, 7, 31)) == 6
    assert dues_rules.months_behind(2025, 12, dt.date(2026, 1, 1)) == 1
    assert dues_rules.months_behind(2026, 8, dt.date(2026, 7, 1)) == -1
    rates = [(1, Decimal("25.00")), (5, Decimal("0.00")), (5, Decimal("10.00"))]
    assert dues_rules.due_in_month(rates, 4) == Decimal("25.00")
    assert dues_rules.due_in_month(rates, 6) == Decimal("10.00")   # the later record of month 5 wins
    assert dues_rules.due_in_month([(3, Decimal("1.00"))], 2) is None


def at(day):
    """Noon of the office's day ``day`` (a date or "YYYY-MM-DD"), as an aware UTC moment."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime(day.year, day.month, day.day, 12).astimezone().astimezone(dt.timezone.utc)


def register(service, member_id, pension, status="active", on="2025-12-01", counts_from=None):
    """member_registered of ``on``: by default before the year the tests fix."""
    extra = {} if counts_from is None else {"counts_from": dt.date.fromisoformat(counts_from)}
    service.on_member_registered(dataclasses.replace(events.new_event("member_registered", {**extra,
        "member_id": member_id, "branch_id": 1, "name": f"党员{member_id}", "birth_date": dt.date(1940, 1, 2),
        "status": status, "hardship": False, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit",
        "pension_monthly": None if pension is None else Decimal(pension)}, source="members"), occurred_at=at(on)))


def pay(service, member_id, month, year=2026, paid_on="2026-07-15", **extra):
    return service.pay_dues({"member_id": member_id, "year": year, "month": month, "paid_by": "member",
                             "paid_on": paid_on, **extra}, "clerk")


@pytest.fixture
def fixed(service):
    register(service, 1, "4800.00")
    register(service, 2, "6000.00")
    register(service, 3, None)
    register(service, 4, "3000.00", status="deceased")
    return service.fix_dues({"year": 2026}, "clerk")


def test_fixing_a_year_uses_the_pension_once_and_later_pensions_change_nothing(service, fixed):
    assert fixed == {"year": 2026, "fixed": 2, "already_fixed": 0, "from_month": None, "without_pension": [3],
                     "joined_during_year": [], "registered_after_year": []}
    rates = {r["member_id"]: r for r in service.list_dues_rates({"year": "2026"})["items"]}
    assert rates[1]["monthly_amount"] == "24.00" and rates[2]["monthly_amount"] == "60.00"
    assert rates[1]["pension_basis"] == "4800.00" and rates[1]["kind"] == "fixed"

    service.on_member_updated(events.new_event("member_updated", {
        "member_id": 1, "branch_id": 1, "name": "党员1", "birth_date": dt.date(1940, 1, 2), "status": "active",
        "hardship": False, "lives_alone": False, "children_away": False, "mobility_limited": False,
        "org_relation": "unit", "pension_monthly": Decimal("5500.00")}, source="members"))
    again = service.fix_dues({"year": 2026})
    assert (again["fixed"], again["already_fixed"]) == (0, 2)
    assert pay(service, 1, 7)["amount"] == "24.00"


def test_a_payment_brings_the_rebate_into_the_dues_rebate_source(service, fixed):
    paid = pay(service, 2, 6, paid_by="relative", payer_name="李四（女儿）")
    assert (paid["amount"], paid["rebate"], paid["paid_by"], paid["payer_name"]) == ("60.00", "30.00", "relative", "李四（女儿）")
    assert service.get_balances({"year": "2026"})["sources"]["dues_rebate"]["budget"] == "30.00"
    [entry] = service.list_ledger({"source": "dues_rebate"})["items"]
    assert (entry["kind"], entry["amount"], entry["member_id"], entry["reference"]) == ("dues_rebate", "30.00", 2, "dues:2:2026-06")

    service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "dues_rebate_ratio": "0.25"})
    assert pay(service, 2, 7)["rebate"] == "15.00"
    assert service.get_balances({"year": "2026"})["sources"]["dues_rebate"]["balance"] == "45.00"


def test_a_month_is_paid_once_and_at_most_six_months_late_and_never_ahead(service, fixed):
    pay(service, 1, 3)
    with pytest.raises(Conflict):
        pay(service, 1, 3)
    with pytest.raises(InvalidInput) as raised:
        pay(service, 1, 1, paid_on="2026-08-01")     # 7 months back
    assert "month" in raised.value.fields
    assert pay(service, 1, 1, paid_on="2026-07-31")["month"] == 1   # 6 months back: the limit
    with pytest.raises(InvalidInput):
        pay(service, 1, 8, paid_on="2026-07-31")
    with pytest.raises(Conflict):
        pay(service, 3, 7)                           # no pension, dues never fixed


@pytest.mark.parametrize("change, field", [
    ({"paid_by": "neighbour"}, "paid_by"), ({"paid_by": "relative"}, "payer_name"), ({"month": 13}, "month"),
    ({"member_id": "1"}, "member_id"), ({"paid_on": "yesterday"}, "paid_on"),
])
def test_a_bad_payment_names_the_field(service, fixed, change, field):
    body = {"member_id": 1, "year": 2026, "month": 7, "paid_by": "member", "paid_on": "2026-07-15", **change}
    with pytest.raises(InvalidInput) as raised:
        service.pay_dues(body)
    assert field in raised.value.fields


def test_an_adjustment_changes_the_dues_from_its_month_and_waives_them(service, fixed):
    adjusted = service.adjust_dues({"member_id": 2, "year": 2026, "from_month": 4, "monthly_amount": "0.00",
                                    "reason": "生活困难，经支部同意免缴"}, "clerk")
    assert (adjusted["kind"], adjusted["monthly_amount"], adjusted["recorded_by"]) == ("adjustment", "0.00", "clerk")
    with pytest.raises(Conflict):
        pay(service, 2, 5)
    assert pay(service, 2, 3)["amount"] == "60.00"
    with pytest.raises(Conflict):
        service.adjust_dues({"member_id": 3, "year": 2026, "from_month": 1, "monthly_amount": "1.00", "reason": "x"})
    with pytest.raises(InvalidInput) as raised:
        service.adjust_dues({"member_id": 2, "year": 2026, "from_month": 1, "monthly_amount": "-1.00", "reason": "x"})
    assert "monthly_amount" in raised.value.fields


def test_arrears_per_member_and_month(service, store, fixed):
    pay(service, 1, 1, paid_on="2026-02-01")
    pay(service, 1, 2, paid_on="2026-02-01")
    service.adjust_dues({"member_id": 2, "year": 2026, "from_month": 2, "monthly_amount": "0.00", "reason": "免缴"})
    with store.read() as session:
        owing = dues_handlers.dues_arrears(session, {"year": "2026"}, today=dt.date(2026, 4, 20))
        one = dues_handlers.dues_arrears(session, {"year": "2026", "member_id": "1"}, today=dt.date(2026, 4, 20))
        past = dues_handlers.dues_arrears(session, {"year": "2026"}, today=dt.date(2027, 1, 5))
    assert owing["total"] == 2
    assert owing["items"][0] == {"member_id": 1, "name": "党员1", "total": "48.00",
                                 "months": [{"month": 3, "amount": "24.00"}, {"month": 4, "amount": "24.00"}]}
    assert owing["items"][1]["months"] == [{"month": 1, "amount": "60.00"}]
    assert one["total"] == 1
    assert past["items"][0]["total"] == "240.00"


def test_a_bad_rebate_ratio_is_refused(service):
    for ratio in ("1.5", "-0.1", "abc", "0.12345"):
        with pytest.raises(InvalidInput) as raised:
            service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "dues_rebate_ratio": ratio})
        assert "dues_rebate_ratio" in raised.value.fields
    assert service.get_policy()["dues_rebate_ratio"] == "0.5000"


def test_a_deceased_or_transferred_out_member_is_not_fixed(service):
    register(service, 11, "4000.00")
    register(service, 12, "4000.00")
    register(service, 13, "4000.00")
    service.on_member_deceased(events.new_event("member_deceased", {
        "member_id": 11, "health_event_id": 1, "date": dt.date(2026, 1, 3), "branch_id": 1,
        "birth_date": dt.date(1930, 1, 1), "hardship": False, "lives_alone": False}, source="members"))
    service.on_member_transferred(events.new_event("member_transferred", {
        "member_id": 12, "org_relation": "community", "community": None, "status": "transferred_out"},
        source="members"))
    service.on_member_transferred(events.new_event("member_transferred", {
        "member_id": 99, "org_relation": "community", "community": "东风社区", "status": "active"},
        source="members"))   # a member funding never heard of: nothing to change
    assert service.fix_dues({"year": 2026})["fixed"] == 1
    assert [r["member_id"] for r in service.list_dues_rates({"year": "2026"})["items"]] == [13]


@pytest.mark.parametrize("year, today, left_on, last", [
    (2026, dt.date(2026, 7, 5), None, 7),
    (2025, dt.date(2026, 7, 5), None, 12),
    (2027, dt.date(2026, 7, 5), None, 0),
    (2026, dt.date(2026, 7, 5), dt.date(2026, 4, 18), 4),    # died in April: April is the last month due
    (2026, dt.date(2026, 3, 5), dt.date(2026, 4, 18), 3),    # not yet due beyond today either
    (2026, dt.date(2026, 7, 5), dt.date(2025, 12, 1), 0),    # left the year before
    (2025, dt.date(2026, 7, 5), dt.date(2026, 2, 1), 12),    # left the year after
])
def test_the_last_month_due_stops_with_the_month_a_member_left(year, today, left_on, last):
    assert dues_rules.last_month_due(year, today, left_on) == last


def test_no_arrears_after_the_month_a_member_died_or_left_the_system(service, store, fixed):
    service.on_member_deceased(events.new_event("member_deceased", {
        "member_id": 1, "health_event_id": 9, "date": dt.date(2026, 3, 12), "branch_id": 1,
        "birth_date": dt.date(1940, 1, 2), "hardship": False, "lives_alone": False}, source="members"))
    service.on_member_transferred(events.new_event("member_transferred", {
        "member_id": 2, "org_relation": "unit", "status": "transferred_out", "date": dt.date(2026, 1, 31)},
        source="members"))
    with store.read() as session:
        owing = {item["member_id"]: item for item in
                 dues_handlers.dues_arrears(session, {"year": "2026"}, today=dt.date(2026, 6, 20))["items"]}
    assert [m["month"] for m in owing[1]["months"]] == [1, 2, 3]
    assert [m["month"] for m in owing[2]["months"]] == [1]


def test_the_date_of_death_counts_even_when_the_member_updated_of_that_moment_came_first(service, store, fixed):
    died = events.new_event("member_deceased", {
        "member_id": 1, "health_event_id": 9, "date": dt.date(2026, 2, 3), "branch_id": 1,
        "birth_date": dt.date(1940, 1, 2), "hardship": False, "lives_alone": False}, source="members")
    updated = events.new_event("member_updated", {
        "member_id": 1, "branch_id": 1, "name": "党员1", "birth_date": dt.date(1940, 1, 2), "status": "deceased",
        "hardship": False, "lives_alone": False, "children_away": False, "mobility_limited": False,
        "org_relation": "unit", "pension_monthly": Decimal("4800.00")}, source="members")
    service.on_member_updated(updated)     # emitted after the death, handled first
    service.on_member_deceased(died)
    with store.read() as session:
        owing = {item["member_id"]: item for item in
                 dues_handlers.dues_arrears(session, {"year": "2026"}, today=dt.date(2026, 6, 20))["items"]}
    assert [m["month"] for m in owing[1]["months"]] == [1, 2]


# -- members who join during the year -------------------------------------------------

@pytest.mark.parametrize("year, registered_on, first", [
    (2026, None, 1),                          # known before funding kept the day: all year
    (2026, dt.date(2025, 12, 31), 1),
    (2026, dt.date(2026, 1, 1), 1),
    (2026, dt.date(2026, 5, 14), 5),          # came on the roster in May: owes from May
    (2026, dt.date(2026, 12, 31), 12),
    (2026, dt.date(2027, 1, 2), None),        # came after the year: owes nothing for it
])
def test_the_first_month_due_is_the_month_a_member_came_on_the_roster(year, registered_on, first):
    assert dues_rules.first_month_due(year, registered_on) == first


def test_the_months_due_run_from_the_first_rate_to_today_or_the_month_left_without_waived_ones():
    rates = [(5, Decimal("24.00")), (7, Decimal("0.00")), (9, Decimal("30.00"))]
    assert dues_rules.months_due(rates, 2026, dt.date(2026, 10, 3)) == [
        (5, Decimal("24.00")), (6, Decimal("24.00")), (9, Decimal("30.00")), (10, Decimal("30.00"))]
    assert dues_rules.months_due(rates, 2026, dt.date(2026, 10, 3), left_on=dt.date(2026, 6, 1)) == [
        (5, Decimal("24.00")), (6, Decimal("24.00"))]
    assert dues_rules.months_due(rates, 2026, dt.date(2026, 4, 30)) == []
    assert [m for m, _ in dues_rules.months_due([(1, Decimal("5.00"))], 2025, dt.date(2026, 1, 1))] == list(range(1, 13))


def test_a_member_who_joins_during_the_year_owes_from_that_month_only(service, store, fixed):
    register(service, 7, "4000.00", on="2026-05-14")
    again = service.fix_dues({"year": 2026}, "clerk")
    assert (again["fixed"], again["already_fixed"], again["joined_during_year"]) == (
        1, 2, [{"member_id": 7, "from_month": 5}])
    [rate] = service.list_dues_rates({"year": "2026", "member_id": "7"})["items"]
    assert (rate["from_month"], rate["monthly_amount"], rate["kind"]) == (5, "20.00", "fixed")
    assert "2026-05-14 登记" in rate["reason"] and "自2026年5月起" in rate["reason"]
    with store.read() as session:
        owing = dues_handlers.dues_arrears(session, {"year": "2026", "member_id": "7"}, today=dt.date(2026, 8, 20))
    assert [m["month"] for m in owing["items"][0]["months"]] == [5, 6, 7, 8]
    assert owing["items"][0]["total"] == "80.00"
    with pytest.raises(Conflict) as raised:
        pay(service, 7, 4)
    assert "自5月起" in raised.value.message and "month" in raised.value.fields
    assert pay(service, 7, 5)["amount"] == "20.00"


def test_a_member_registered_during_the_year_is_fixed_from_that_month_whenever_the_year_is_fixed(service):
    register(service, 8, "6000.00", on="2026-03-02")
    register(service, 9, "6000.00")                       # on the roster before the year
    answer = service.fix_dues({"year": 2026})             # the year fixed for the first time in spring
    assert answer["joined_during_year"] == [{"member_id": 8, "from_month": 3}]
    rates = {r["member_id"]: r["from_month"] for r in service.list_dues_rates({"year": "2026"})["items"]}
    assert rates == {8: 3, 9: 1}


def test_the_office_may_name_the_first_month_for_everyone_it_fixes(service, store):
    register(service, 10, "3000.00", on="2026-06-20")
    register(service, 11, "3000.00", on="2027-02-01")     # came after 2026: not fixed for it by default
    assert service.fix_dues({"year": 2026}, "clerk")["registered_after_year"] == [11]
    register(service, 12, "3000.00", on="2026-06-21")
    answer = service.fix_dues({"year": 2026, "from_month": 2}, "clerk")
    assert (answer["fixed"], answer["from_month"], answer["registered_after_year"]) == (2, 2, [])
    rates = {r["member_id"]: r for r in service.list_dues_rates({"year": "2026"})["items"]}
    assert {m: r["from_month"] for m, r in rates.items()} == {10: 6, 11: 2, 12: 2}
    assert "经办人指定" in rates[12]["reason"]
    with store.read() as session:
        owing = dues_handlers.dues_arrears(session, {"year": "2026", "member_id": "12"}, today=dt.date(2026, 4, 1))
    assert [m["month"] for m in owing["items"][0]["months"]] == [2, 3, 4]


@pytest.mark.parametrize("from_month", [0, 13, "3", 3.5, True])
def test_a_bad_first_month_is_refused(service, from_month):
    with pytest.raises(InvalidInput) as raised:
        service.fix_dues({"year": 2026, "from_month": from_month})
    assert "from_month" in raised.value.fields


def test_the_day_a_member_came_on_the_roster_is_kept_also_when_an_update_overtakes_it(service, store):
    registered = dataclasses.replace(events.new_event("member_registered", {
        "member_id": 20, "branch_id": 1, "name": "党员20", "birth_date": dt.date(1940, 1, 2), "status": "active",
        "hardship": False, "lives_alone": False, "children_away": False, "mobility_limited": False,
        "org_relation": "unit", "pension_monthly": Decimal("4000.00")}, source="members"), occurred_at=at("2026-04-03"))
    updated = dataclasses.replace(registered, event_id="u" * 36, event_type="member_updated", occurred_at=at("2026-04-09"))
    service.on_member_updated(updated)          # the update came first: the day is its day for now
    with store.read() as session:
        assert session.get(MemberFact, 20).registered_on == dt.date(2026, 4, 9)
    service.on_member_registered(registered)    # late, older: its facts are ignored, its day counts
    later = dataclasses.replace(updated, event_id="v" * 36, occurred_at=at("2026-07-01"))
    service.on_member_updated(later)            # an update never moves the day
    with store.read() as session:
        assert session.get(MemberFact, 20).registered_on == dt.date(2026, 4, 3)
    assert service.fix_dues({"year": 2026})["joined_during_year"] == [{"member_id": 20, "from_month": 4}]


def test_a_member_known_before_the_day_was_kept_owes_from_january(service, store):
    register(service, 30, "4000.00", on="2026-09-01")
    with store.transaction() as tx:                # as a row migrated from before registered_on
        tx.session.get(MemberFact, 30).registered_on = None
    service.fix_dues({"year": 2026})
    [rate] = service.list_dues_rates({"year": "2026", "member_id": "30"})["items"]
    assert rate["from_month"] == 1


def test_a_member_entered_today_who_counts_from_years_ago_owes_from_january(service, store, fixed):
    """Go-live: members sends counts_from (入册日期); the day the record was entered does not count."""
    register(service, 9, "4000.00", on="2026-08-20", counts_from="2023-08-20")
    again = service.fix_dues({"year": 2026}, "clerk")
    assert again["joined_during_year"] == []
    [rate] = service.list_dues_rates({"year": "2026", "member_id": "9"})["items"]
    assert rate["from_month"] == 1
    with store.read() as session:
        owing = dues_handlers.dues_arrears(session, {"year": "2026", "member_id": "9"}, today=dt.date(2026, 8, 20))
    assert [m["month"] for m in owing["items"][0]["months"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert owing["items"][0]["total"] == "160.00"


def test_without_counts_from_a_member_entered_today_owes_from_this_month(service, store, fixed):
    register(service, 10, "4000.00", on="2026-08-20")
    assert service.fix_dues({"year": 2026}, "clerk")["joined_during_year"] == [{"member_id": 10, "from_month": 8}]
    with store.read() as session:
        owing = dues_handlers.dues_arrears(session, {"year": "2026", "member_id": "10"}, today=dt.date(2026, 8, 20))
    assert [m["month"] for m in owing["items"][0]["months"]] == [8]

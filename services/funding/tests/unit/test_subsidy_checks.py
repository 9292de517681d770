"""The funding service on member_hospitalized, and its RPC methods, on in-memory SQLite."""
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from nameko.testing.services import worker_factory

from funding.domain import policy, subsidy
from funding.handlers import subsidies as subsidies_handlers
from funding.service import FundingService, read_subsidy_policy
from wuji_infra import events
from wuji_infra.clock import FixedClock
from wuji_infra.errors import InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 7, 15)  # the office's day the tests run on

POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))
ADMITTED = dt.date(2026, 3, 10)
_health_event_ids = itertools.count(1)


def hospitalized(member_id=1, date=ADMITTED, birth_date=dt.date(1941, 1, 15), hardship=False):
    return events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": next(_health_event_ids), "date": date,
        "hospital": "市第一人民医院", "branch_id": 1, "birth_date": birth_date,
        "hardship": hardship, "lives_alone": False,
    }, source="members")


def checks(store, **filters):
    with store.read() as session:
        return subsidies_handlers.list_subsidy_checks(session, filters, page_size=500)["items"]


# -- the handler --------------------------------------------------------------

def test_hospitalization_records_a_check_and_emits_subsidy_checked(service, store):
    event = hospitalized(member_id=5)
    service.on_member_hospitalized(event)

    [check] = checks(store)
    assert check == {
        "id": check["id"], "member_id": 5, "cause": "hospitalized", "eligible": True,
        "amount": "500.00", "reason": "年满80周岁（85岁），住院补助 500.00 元",
        "status": "pending_approval", "event_date": "2026-03-10", "decided_at": check["decided_at"],
        "policy_version": 0, "reviewed_by": None, "reviewed_at": None, "review_note": None, "expense_id": None,
    }
    [emitted] = emitted_events(store)
    assert emitted.event_type == "subsidy_checked"
    assert emitted.source == "funding"
    assert emitted.data == {
        "check_id": check["id"], "member_id": 5, "cause": "hospitalized", "eligible": True,
        "amount": Decimal("500.00"), "source_event_id": event.event_id, "status": "pending_approval",
    }


def test_not_eligible_check_is_recorded_with_zero_and_its_reason(service, store):
    service.on_member_hospitalized(hospitalized(member_id=6, birth_date=dt.date(1953, 7, 1)))

    [check] = checks(store)
    assert (check["eligible"], check["amount"], check["status"]) == (False, "0.00", "not_eligible")
    assert check["reason"] == "不符合条件：非生活困难党员，且未满80周岁（72岁）"
    [emitted] = emitted_events(store)
    assert (emitted.data["eligible"], emitted.data["amount"]) == (False, Decimal("0.00"))


def test_redelivered_event_is_checked_once(service, store):
    event = hospitalized(member_id=7, hardship=True)
    service.on_member_hospitalized(event)
    service.on_member_hospitalized(event)

    assert len(checks(store)) == 1
    assert len(emitted_events(store)) == 1


def test_two_events_of_the_same_hospitalization_make_one_check(service, store):
    first = hospitalized(member_id=8)
    second = hospitalized(member_id=8)   # recorded twice in members: new event, same member and day
    assert first.event_id != second.event_id
    service.on_member_hospitalized(first)
    service.on_member_hospitalized(second)

    [check] = checks(store)
    [emitted] = emitted_events(store)
    assert emitted.data["check_id"] == check["id"]
    assert emitted.data["source_event_id"] == first.event_id


def test_another_day_or_another_member_is_another_check(service, store):
    service.on_member_hospitalized(hospitalized(member_id=9))
    service.on_member_hospitalized(hospitalized(member_id=9, date=ADMITTED + dt.timedelta(days=30)))
    service.on_member_hospitalized(hospitalized(member_id=10))

    assert len(checks(store)) == 3
    assert len(checks(store, member_id="9")) == 2


def test_amount_comes_from_the_settings(monkeypatch, store):
    monkeypatch.setenv("SUBSIDY_AMOUNT", "800")
    monkeypatch.setenv("SUBSIDY_MIN_AGE", "70")
    service = worker_factory(FundingService, clock=FixedClock(TODAY), db=store, subsidy_settings=read_subsidy_policy())

    service.on_member_hospitalized(hospitalized(member_id=11, birth_date=dt.date(1953, 7, 1)))

    [check] = checks(store)
    assert check["amount"] == "800.00"
    assert check["reason"] == "年满70周岁（72岁），住院补助 800.00 元"


def test_settings_default_to_80_years_and_500_yuan(monkeypatch):
    monkeypatch.delenv("SUBSIDY_AMOUNT", raising=False)
    monkeypatch.delenv("SUBSIDY_MIN_AGE", raising=False)
    assert read_subsidy_policy() == subsidy.SubsidyPolicy(80, Decimal("500.00"))


@pytest.mark.parametrize("name, value", [
    ("SUBSIDY_AMOUNT", "five hundred"), ("SUBSIDY_AMOUNT", "-500"), ("SUBSIDY_MIN_AGE", "old"),
])
def test_bad_settings_stop_the_service_at_setup(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        read_subsidy_policy()


# -- RPC: list and get --------------------------------------------------------

@pytest.fixture
def five_checks(service, store):
    for member_id in (21, 22, 21, 23, 21):
        service.on_member_hospitalized(hospitalized(member_id=member_id, date=ADMITTED - dt.timedelta(days=len(checks(store)))))
    return checks(store)


def test_list_is_newest_first_and_filters_by_member(store, five_checks):
    assert [c["id"] for c in five_checks] == sorted((c["id"] for c in five_checks), reverse=True)
    with store.read() as session:
        page = subsidies_handlers.list_subsidy_checks(session, {"member_id": "21"})
    assert page["total"] == 3
    assert {c["member_id"] for c in page["items"]} == {21}
    assert set(page["items"][0]) == {
        "id", "member_id", "cause", "eligible", "amount", "reason", "status", "event_date", "decided_at",
        "policy_version", "reviewed_by", "reviewed_at", "review_note", "expense_id",
    }


def test_list_pages(store, five_checks):
    with store.read() as session:
        page = subsidies_handlers.list_subsidy_checks(session, None, page=2, page_size=2)
        last = subsidies_handlers.list_subsidy_checks(session, {}, page="3", page_size="2")
        beyond = subsidies_handlers.list_subsidy_checks(session, {}, page=4, page_size=2)
    assert (page["total"], page["page"], page["page_size"]) == (5, 2, 2)
    assert [c["id"] for c in page["items"]] == [c["id"] for c in five_checks[2:4]]
    assert [c["id"] for c in last["items"]] == [five_checks[4]["id"]]
    assert beyond["items"] == [] and beyond["total"] == 5


def test_list_of_no_checks(store):
    with store.read() as session:
        assert subsidies_handlers.list_subsidy_checks(session, {"member_id": "99"}) == {
            "items": [], "total": 0, "page": 1, "page_size": 20,
        }


@pytest.mark.parametrize("filters, field", [
    ({"member_id": "abc"}, "member_id"),
    ({"member_id": "1.5"}, "member_id"),
    ({"member_id": "0"}, "member_id"),
    ({"member_id": ""}, "member_id"),
    ({"branch_id": "1"}, "branch_id"),
    ({"status": "done"}, "status"),
])
def test_bad_filters_are_invalid_input(store, filters, field):
    with store.read() as session, pytest.raises(InvalidInput) as raised:
        subsidies_handlers.list_subsidy_checks(session, filters)
    assert field in raised.value.fields


@pytest.mark.parametrize("page, page_size, field", [("x", 20, "page"), (0, 20, "page"), (1, 501, "page_size")])
def test_bad_paging_is_invalid_input(store, page, page_size, field):
    with store.read() as session, pytest.raises(InvalidInput) as raised:
        subsidies_handlers.list_subsidy_checks(session, None, page, page_size)
    assert field in raised.value.fields


def test_filters_must_be_an_object(store):
    with store.read() as session, pytest.raises(InvalidInput):
        subsidies_handlers.list_subsidy_checks(session, ["member_id"])


def test_get_a_check(service, store, five_checks):
    wanted = five_checks[1]
    assert service.get_subsidy_check(wanted["id"]) == wanted


def test_get_an_unknown_check_is_not_found(service):
    with pytest.raises(NotFound):
        service.get_subsidy_check(12345)


@pytest.mark.parametrize("check_id", ["abc", "1", None, True, 1.0])
def test_get_with_a_bad_id_is_invalid_input(service, check_id):
    with pytest.raises(InvalidInput) as raised:
        service.get_subsidy_check(check_id)
    assert "check_id" in raised.value.fields


def test_service_lists_through_its_rpc_method(service, five_checks):
    page = service.list_subsidy_checks({"member_id": "22"}, page=1, page_size=20)
    assert [c["member_id"] for c in page["items"]] == [22]


# -- the subsidy in the funding policy ------------------------------------------------

def test_until_a_version_sets_the_subsidy_the_settings_are_in_force(store, service):
    shown = service.get_policy()
    assert (shown["version"], shown["subsidy_min_age"], shown["subsidy_amount"], shown["subsidy_yearly_cap"],
            shown["subsidy_from_settings"]) == (0, 80, "500.00", "2000.00", True)
    changed = service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "note": "只改分配"}, "admin")
    assert (changed["version"], changed["subsidy_amount"], changed["subsidy_from_settings"]) == (1, "500.00", True)
    # the settings still count for that version: another value in the environment is seen at once
    other = worker_factory(FundingService, clock=FixedClock(TODAY), db=store, subsidy_settings=subsidy.SubsidyPolicy(75, Decimal("600.00")))
    assert (other.get_policy()["subsidy_min_age"], other.get_policy()["subsidy_amount"]) == (75, "600.00")
    other.on_member_hospitalized(hospitalized(member_id=31, birth_date=dt.date(1950, 1, 1)))   # 76
    [check] = checks(store, member_id="31")
    assert (check["amount"], check["policy_version"]) == ("600.00", 1)


def test_a_version_sets_the_subsidy_and_the_next_one_inherits_it(store, service):
    first = service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "subsidy_amount": "800.00"}, "admin")
    assert (first["subsidy_min_age"], first["subsidy_amount"], first["subsidy_yearly_cap"],
            first["subsidy_from_settings"]) == (80, "800.00", "2000.00", False)
    second = service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "subsidy_min_age": 75,
                                 "subsidy_yearly_cap": "3000.00"})
    third = service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "dues_rebate_ratio": "0.4"})
    assert (third["subsidy_min_age"], third["subsidy_amount"], third["subsidy_yearly_cap"],
            third["subsidy_from_settings"]) == (75, "800.00", "3000.00", False)
    assert second["version"] == 2 and third["version"] == 3
    history = {v["version"]: v for v in service.list_policy_history()["items"]}
    assert (history[1]["subsidy_min_age"], history[1]["subsidy_yearly_cap"]) == (80, "2000.00")
    # once set in the policy, the settings no longer count
    other = worker_factory(FundingService, clock=FixedClock(TODAY), db=store, subsidy_settings=subsidy.SubsidyPolicy(90, Decimal("100.00")))
    assert (other.get_policy()["subsidy_min_age"], other.get_policy()["subsidy_amount"]) == (75, "800.00")


def test_a_check_uses_the_policy_in_force_when_it_is_decided(store, service):
    service.on_member_hospitalized(hospitalized(member_id=41, birth_date=dt.date(1953, 1, 1)))    # 73
    service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, "subsidy_min_age": 70, "subsidy_amount": "800.00"},
                       "admin")
    service.on_member_hospitalized(hospitalized(member_id=42, birth_date=dt.date(1953, 1, 1)))
    [before] = checks(store, member_id="41")
    [after] = checks(store, member_id="42")
    assert (before["eligible"], before["policy_version"]) == (False, 0)
    assert before["reason"] == "不符合条件：非生活困难党员，且未满80周岁（73岁）"
    assert (after["eligible"], after["amount"], after["policy_version"]) == (True, "800.00", 1)
    assert after["reason"] == "年满70周岁（73岁），住院补助 800.00 元"


@pytest.mark.parametrize("change, field", [
    ({"subsidy_min_age": "80"}, "subsidy_min_age"), ({"subsidy_min_age": 80.5}, "subsidy_min_age"),
    ({"subsidy_min_age": 0}, "subsidy_min_age"), ({"subsidy_min_age": 151}, "subsidy_min_age"),
    ({"subsidy_amount": "0.00"}, "subsidy_amount"), ({"subsidy_amount": "-5"}, "subsidy_amount"),
    ({"subsidy_amount": 500.0}, "subsidy_amount"), ({"subsidy_amount": "5.001"}, "subsidy_amount"),
    ({"subsidy_amount": "2000.01"}, "subsidy_amount"),          # more than the yearly cap in force
    ({"subsidy_yearly_cap": "400.00"}, "subsidy_amount"),      # less than the amount in force
    ({"subsidy_yearly_cap": "abc"}, "subsidy_yearly_cap"),
])
def test_a_bad_subsidy_policy_is_refused_naming_the_field_and_changes_nothing(service, change, field):
    with pytest.raises(InvalidInput) as raised:
        service.set_policy({"allocation": policy.DEFAULT_ALLOCATION, **change})
    assert field in raised.value.fields and raised.value.fields[field][0]
    assert service.get_policy()["version"] == 0


def test_the_problems_of_a_subsidy_policy():
    good = subsidy.SubsidyPolicy(80, Decimal("500.00"), Decimal("2000.00"))
    assert subsidy.subsidy_policy_problems(good) == {}
    assert subsidy.subsidy_policy_problems(subsidy.SubsidyPolicy(80, Decimal("2000.00"), Decimal("2000.00"))) == {}
    assert set(subsidy.subsidy_policy_problems(subsidy.SubsidyPolicy(0, Decimal("500.00")))) == {"subsidy_min_age"}
    assert set(subsidy.subsidy_policy_problems(
        subsidy.SubsidyPolicy(80, Decimal("0.00"), Decimal("-1.00")))) == {"subsidy_amount", "subsidy_yearly_cap"}
    [reason] = subsidy.subsidy_policy_problems(subsidy.SubsidyPolicy(80, Decimal("600.00"), Decimal("500.00")))["subsidy_amount"]
    assert "600.00" in reason and "500.00" in reason

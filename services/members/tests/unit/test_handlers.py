import datetime as dt
from decimal import Decimal

import pytest

from members.handlers import committees, health, roster
from members.domain.roster import id_number_for
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 11, 26)


def member_data(branch, **overrides):
    data = {
        "name": "张建国", "gender": "male", "id_number": id_number_for(dt.date(1942, 3, 15)),
        "birth_date": "1942-03-15", "branch_id": branch["id"], "retirement_kind": "tuixiu",
        "retired_on": "2002-03-31", "former_post": "规划处处长", "joined_party_on": "1965-07-01",
        "phone": "0571-87654321", "pension_monthly": "6200.00", "hardship": True, "lives_alone": True,
        "specialties": ["城市规划"],
    }
    data.update(overrides)
    return data


def create(store, data):
    with store.transaction() as tx:
        return roster.create_member(tx, data, today=TODAY)


def record(store, member_id, data, request_id="req-1"):
    with store.transaction() as tx:
        return health.record_health_event(tx, member_id, data, "staff1", request_id, today=TODAY)


def test_a_new_member_is_stored_and_announced(store, branch):
    member = create(store, member_data(branch))
    assert member["id"] and member["status"] == "active" and member["org_relation"] == "unit"
    assert member["pension_monthly"] == "6200.00"
    [event] = emitted_events(store)
    assert event.event_type == "member_registered"
    assert event.data["member_id"] == member["id"] and event.data["hardship"] is True
    assert "id_number" not in event.data and "phone" not in event.data
    assert event.data["pension_monthly"] == Decimal("6200.00")  # funding fixes dues from it


def test_the_id_number_is_read_in_upper_case(store, branch):
    member = create(store, member_data(branch, id_number="11010519491231002x", birth_date="1949-12-31"))
    assert member["id_number"] == "11010519491231002X"


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": "110105194203150012"}, "id_number"),               # wrong check digit
    ({"birth_date": "1942-03-16"}, "id_number"),                      # does not match the number
    ({"gender": "unknown"}, "gender"),
    ({"retirement_kind": "retired"}, "retirement_kind"),
    ({"org_relation": "community"}, "community"),                     # community missing
    ({"pension_monthly": 6200.5}, "pension_monthly"),                 # a float
    ({"pension_monthly": "-1"}, "pension_monthly"),
    ({"birth_date": "15/03/1942"}, "birth_date"),
    ({"retired_on": "1930-01-01"}, "retired_on"),                     # before birth
    ({"branch_id": 999}, "branch_id"),
    ({"branch_id": "1"}, "branch_id"),                                # ids are numbers
    ({"favourite_colour": "red"}, "favourite_colour"),
    ({"phone": "call me"}, "phone"),
    ({"name": ""}, "name"),
])
def test_bad_member_input_names_the_field(store, branch, overrides, field):
    with pytest.raises(InvalidInput) as error:
        create(store, member_data(branch, **overrides))
    assert field in error.value.fields
    assert emitted_events(store) == []


def test_required_fields_are_named(store, branch):
    with pytest.raises(InvalidInput) as error:
        create(store, {})
    assert {"name", "gender", "id_number", "birth_date", "branch_id", "retirement_kind"} <= set(error.value.fields)


def test_a_second_member_with_the_same_id_number_is_a_conflict(store, branch):
    create(store, member_data(branch))
    with pytest.raises(Conflict) as error:
        create(store, member_data(branch, name="张建民"))
    assert "id_number" in error.value.fields


def test_a_member_transferred_to_a_community_keeps_the_roster_and_is_announced(store, branch):
    member = create(store, member_data(branch))
    with store.transaction() as tx:
        updated = roster.update_member(tx, member["id"], {"org_relation": "community", "community": "西湖街道北山社区"},
                                       today=TODAY)
    assert updated["community"] == "西湖街道北山社区" and updated["status"] == "active"
    assert [e.event_type for e in emitted_events(store)] == ["member_registered", "member_updated", "member_transferred"]


def test_a_patch_is_validated_against_the_whole_member(store, branch):
    member = create(store, member_data(branch))
    with pytest.raises(InvalidInput) as error:
        with store.transaction() as tx:
            roster.update_member(tx, member["id"], {"org_relation": "community"}, today=TODAY)
    assert "community" in error.value.fields
    with store.read() as session:
        assert roster.get_member(session, member["id"])["org_relation"] == "unit"


def test_a_missing_member_is_not_found(store):
    with store.read() as session:
        with pytest.raises(NotFound):
            roster.get_member(session, 42)


def test_members_are_listed_with_filters_and_pages(store, branch):
    for i, name in enumerate(["张建国", "李秀英", "王德明"]):
        create(store, member_data(branch, name=name, id_number=id_number_for(dt.date(1942, 3, 15), i + 1)))
    with store.read() as session:
        assert roster.list_members(session, {"q": "秀"}, 1, 20)["total"] == 1
        page = roster.list_members(session, {"branch_id": str(branch["id"])}, 2, 2)
        assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (3, 2, 2, 1)
        with pytest.raises(InvalidInput) as error:
            roster.list_members(session, {"status": "asleep"})
        assert "status" in error.value.fields
        with pytest.raises(InvalidInput):
            roster.list_members(session, {"colour": "red"})


def test_a_hospitalization_is_recorded_and_announced_with_the_facts_rules_need(store, branch):
    member = create(store, member_data(branch))
    event = record(store, member["id"], {"kind": "hospitalized", "date": "2026-11-25", "hospital": "浙江省人民医院",
                                         "ward": "心内科3病区", "note": "胸闷"})
    assert event["kind"] == "hospitalized" and event["hospital"] == "浙江省人民医院"
    announced = emitted_events(store)[-1]
    assert announced.event_type == "member_hospitalized"
    assert announced.data == {
        "member_id": member["id"], "health_event_id": event["id"], "date": dt.date(2026, 11, 25),
        "branch_id": branch["id"], "birth_date": dt.date(1942, 3, 15), "hardship": True,
        "lives_alone": True, "hospital": "浙江省人民医院",
    }  # no note, no ward: events carry no diagnosis


def test_the_same_request_records_the_event_once(store, branch):
    member = create(store, member_data(branch))
    data = {"kind": "hospitalized", "date": "2026-11-25", "hospital": "浙江省人民医院"}
    first = record(store, member["id"], data, request_id="abc")
    second = record(store, member["id"], data, request_id="abc")
    assert first["id"] == second["id"]
    assert [e.event_type for e in emitted_events(store)].count("member_hospitalized") == 1


@pytest.mark.parametrize("data, field", [
    ({"kind": "hospitalized", "date": "2026-11-25"}, "hospital"),
    ({"kind": "fell_over", "date": "2026-11-25"}, "kind"),
    ({"kind": "discharged", "date": "2026-11-27"}, "date"),          # tomorrow
    ({"kind": "discharged"}, "date"),
    ({"kind": "discharged", "date": "2026-11-25", "diagnosis": "x"}, "diagnosis"),
])
def test_bad_health_events_name_the_field(store, branch, data, field):
    member = create(store, member_data(branch))
    with pytest.raises(InvalidInput) as error:
        record(store, member["id"], data)
    assert field in error.value.fields


@pytest.mark.parametrize("kind, event_type", [
    ("discharged", "member_discharged"), ("serious_illness", "member_seriously_ill"), ("deceased", "member_deceased"),
])
def test_each_kind_dispatches_its_event(store, branch, kind, event_type):
    member = create(store, member_data(branch))
    record(store, member["id"], {"kind": kind, "date": "2026-11-20"})
    assert event_type in [e.event_type for e in emitted_events(store)]


def test_a_death_ends_membership_and_no_later_health_event_is_taken(store, branch):
    member = create(store, member_data(branch))
    record(store, member["id"], {"kind": "deceased", "date": "2026-11-20"}, request_id="r1")
    with store.read() as session:
        assert roster.get_member(session, member["id"])["status"] == "deceased"
    assert emitted_events(store)[-1].data["status"] == "deceased"
    with pytest.raises(Conflict):
        record(store, member["id"], {"kind": "hospitalized", "date": "2026-11-21", "hospital": "x"}, request_id="r2")


def test_health_events_of_an_unknown_member_are_not_found(store):
    with pytest.raises(NotFound):
        record(store, 404, {"kind": "discharged", "date": "2026-11-20"})


def test_branches_have_unique_names(store, branch):
    with pytest.raises(Conflict):
        with store.transaction() as tx:
            committees.create_branch(tx, {"name": branch["name"], "unit": "x"})
    with pytest.raises(InvalidInput) as error:
        with store.transaction() as tx:
            committees.create_branch(tx, {"name": "", "unit": "x", "x": 1})
    assert set(error.value.fields) == {"name", "x"}


def test_a_search_for_percent_or_underscore_finds_them_literally(store, branch):
    create(store, member_data(branch, name="张_建国", id_number=id_number_for(dt.date(1942, 3, 15), 1)))
    create(store, member_data(branch, name="李秀英", id_number=id_number_for(dt.date(1942, 3, 15), 2)))
    with store.read() as session:
        assert roster.list_members(session, {"q": "%"}, 1, 20)["total"] == 0
        assert [m["name"] for m in roster.list_members(session, {"q": "_"}, 1, 20)["items"]] == ["张_建国"]


@pytest.mark.parametrize("born", [dt.date(2026, 12, 2), dt.date(1899, 12, 31)])
def test_a_birth_date_in_the_future_or_before_1900_is_refused(store, branch, born):
    with pytest.raises(InvalidInput) as error:
        create(store, member_data(branch, birth_date=born.isoformat(), id_number=id_number_for(born, 3)))
    assert error.value.fields["birth_date"] in (["出生日期不能晚于今天 (birth_date is in the future)"],
                                               ["出生日期不能早于1900年 (birth_date is before 1900)"])


# -- go-live: the day a member counts from ------------------------------------------

def test_a_member_counts_from_the_day_given_or_the_day_registered_and_others_hear_of_it(store, branch):
    before_the_system = create(store, member_data(branch, counts_from="2019-01-01"))
    typed_today = create(store, member_data(branch, id_number=id_number_for(dt.date(1942, 3, 15), 2)))
    assert (before_the_system["counts_from"], typed_today["counts_from"]) == ("2019-01-01", TODAY.isoformat())
    registered = [e.data for e in emitted_events(store) if e.event_type == "member_registered"]
    assert [d["counts_from"] for d in registered] == [dt.date(2019, 1, 1), TODAY]
    with store.transaction() as tx:  # a correction is an update others hear of
        roster.update_member(tx, typed_today["id"], {"counts_from": "2020-07-01"}, today=TODAY)
    assert emitted_events(store)[-1].data["counts_from"] == dt.date(2020, 7, 1)


@pytest.mark.parametrize("day, reason", [("2027-01-01", "晚于今天"), ("1941-01-01", "出生日期")])
def test_a_member_cannot_count_from_a_day_to_come_or_before_birth(store, branch, day, reason):
    with pytest.raises(InvalidInput) as refused:
        create(store, member_data(branch, counts_from=day))
    assert reason in refused.value.fields["counts_from"][0]

"""History of member changes, health reads, and transfers of the organizational relationship."""
import datetime as dt

import pytest

from members.handlers import health, roster
from members.domain.roster import id_number_for
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 11, 26)


def member_data(branch, **overrides):
    data = {
        "name": "张建国", "gender": "male", "id_number": id_number_for(dt.date(1942, 3, 15)),
        "birth_date": "1942-03-15", "branch_id": branch["id"], "retirement_kind": "tuixiu",
        "phone": "0571-87654321", "pension_monthly": "6200.00",
    }
    data.update(overrides)
    return data


@pytest.fixture
def member(store, branch):
    with store.transaction() as tx:
        return roster.create_member(tx, member_data(branch), actor="clerk1", today=dt.date(2026, 12, 1))


def history(store, member_id):
    with store.read() as session:
        return roster.member_history(session, member_id, None, 1, 100)["items"]


def transfer(store, member_id, data, by="clerk2"):
    with store.transaction() as tx:
        return roster.transfer_member(tx, member_id, data, by, today=TODAY)


# -- history ------------------------------------------------------------------

def test_a_registration_is_the_first_history_entry(store, member):
    [entry] = history(store, member["id"])
    assert entry["field"] == "*" and entry["reason"] == "created" and entry["changed_by"] == "clerk1"
    assert entry["old_value"] is None
    assert entry["new_value"]["name"] == "张建国" and entry["new_value"]["pension_monthly"] == "6200.00"


def test_an_update_records_each_changed_field_from_what_to_what_by_whom(store, member):
    with store.transaction() as tx:
        roster.update_member(tx, member["id"], {"phone": "13900001111", "pension_monthly": "6500.00",
                                                  "name": "张建国"}, actor="clerk2", today=TODAY)
    entries = history(store, member["id"])
    changes = {e["field"]: (e["old_value"], e["new_value"], e["changed_by"], e["reason"])
               for e in entries if e["reason"] == "updated"}
    assert changes == {
        "phone": ("0571-87654321", "13900001111", "clerk2", "updated"),
        "pension_monthly": ("6200.00", "6500.00", "clerk2", "updated"),
    }  # the unchanged name is not recorded
    assert all(e["changed_at"] for e in entries)
    assert entries[0]["reason"] == "updated"  # newest first


def test_a_rejected_update_leaves_no_history(store, member):
    with pytest.raises(InvalidInput):
        with store.transaction() as tx:
            roster.update_member(tx, member["id"], {"org_relation": "community"}, actor="clerk2", today=TODAY)
    assert [e["reason"] for e in history(store, member["id"])] == ["created"]


def test_a_death_recorded_as_a_health_event_shows_in_the_history(store, member):
    with store.transaction() as tx:
        health.record_health_event(tx, member["id"], {"kind": "deceased", "date": "2026-11-20"}, "clerk3", "r1",
                                     today=TODAY)
    latest = history(store, member["id"])[0]
    assert (latest["field"], latest["old_value"], latest["new_value"]) == ("status", "active", "deceased")
    assert (latest["changed_by"], latest["reason"]) == ("clerk3", "health_event")


def test_history_of_an_unknown_member_is_not_found(store):
    with store.read() as session:
        with pytest.raises(NotFound):
            roster.member_history(session, 99)


def test_every_read_of_health_events_is_recorded(store, member):
    with store.transaction() as tx:
        health.record_health_event(tx, member["id"], {"kind": "discharged", "date": "2026-11-20"}, "c", "r1", today=TODAY)
    for reader in ("clerk1", "secretary2"):
        with store.transaction() as tx:
            assert health.list_health_events(tx, member["id"], None, 1, 20, actor=reader)["total"] == 1
    with store.read() as session:
        reads = health.list_health_reads(session, member["id"])
    assert [(r["read_by"], r["events_shown"], r["member_id"]) for r in reads["items"]] == [
        ("secretary2", 1, member["id"]), ("clerk1", 1, member["id"])]


# -- transfers (组织关系) -------------------------------------------------------

def test_a_move_to_a_community_keeps_the_member_and_records_the_date(store, member, branch):
    moved = transfer(store, member["id"], {"target": "community", "date": "2026-10-01", "community": "西湖街道北山社区"})
    assert (moved["target"], moved["from_org_relation"], moved["to_community"]) == ("community", "unit", "西湖街道北山社区")
    assert moved["date"] == "2026-10-01" and moved["recorded_by"] == "clerk2"
    with store.read() as session:
        now = roster.get_member(session, member["id"])
    assert (now["org_relation"], now["community"], now["status"]) == ("community", "西湖街道北山社区", "active")
    announced = emitted_events(store)[-1]
    assert announced.event_type == "member_transferred"
    assert announced.data == {
        "member_id": member["id"], "org_relation": "community", "community": "西湖街道北山社区",
        "status": "active", "date": dt.date(2026, 10, 1), "branch_id": branch["id"],
        "from_org_relation": "unit", "from_community": None,
    }
    fields = {e["field"] for e in history(store, member["id"]) if e["reason"] == "transfer"}
    assert fields == {"org_relation", "community"}


def test_back_to_the_unit_then_out_of_the_system(store, member):
    transfer(store, member["id"], {"target": "community", "date": "2026-01-01", "community": "北山社区"})
    back = transfer(store, member["id"], {"target": "unit", "date": "2026-06-01"})
    assert (back["from_org_relation"], back["from_community"]) == ("community", "北山社区")
    transfer(store, member["id"], {"target": "out", "date": "2026-11-01", "note": "随子女迁居外省"})
    with store.read() as session:
        now = roster.get_member(session, member["id"])
        moves = roster.list_transfers(session, member["id"])
    assert (now["org_relation"], now["community"], now["status"]) == ("unit", None, "transferred_out")
    assert [m["target"] for m in moves["items"]] == ["out", "unit", "community"]
    assert emitted_events(store)[-1].data["status"] == "transferred_out"
    with pytest.raises(Conflict):  # out is out: no further moves
        transfer(store, member["id"], {"target": "community", "date": "2026-11-02", "community": "北山社区"})


@pytest.mark.parametrize("data, field", [
    ({"target": "community", "date": "2026-10-01"}, "community"),
    ({"target": "abroad", "date": "2026-10-01"}, "target"),
    ({"target": "unit"}, "date"),
    ({"target": "out", "date": "2026-11-27"}, "date"),   # tomorrow
    ({"target": "out", "date": "2026-10-01", "why": "x"}, "why"),
])
def test_bad_transfers_name_the_field(store, member, data, field):
    with pytest.raises(InvalidInput) as error:
        transfer(store, member["id"], data)
    assert field in error.value.fields
    assert [e.event_type for e in emitted_events(store)] == ["member_registered"]


def test_a_move_to_where_the_member_already_is_is_a_conflict(store, member):
    with pytest.raises(Conflict) as error:
        transfer(store, member["id"], {"target": "unit", "date": "2026-10-01"})
    assert "target" in error.value.fields
    with pytest.raises(NotFound):
        transfer(store, 999, {"target": "unit", "date": "2026-10-01"})


def test_a_patch_that_moves_a_member_is_recorded_as_a_transfer_of_that_day(store, member):
    with store.transaction() as tx:
        roster.update_member(tx, member["id"], {"org_relation": "community", "community": "北山社区"}, "clerk2",
                               today=TODAY)
    with store.transaction() as tx:
        roster.update_member(tx, member["id"], {"phone": "13900000000"}, "clerk2", today=TODAY)
    with store.transaction() as tx:
        roster.update_member(tx, member["id"], {"status": "transferred_out"}, "clerk3", today=TODAY)
    with store.read() as session:
        moves = roster.list_transfers(session, member["id"])["items"]
    assert [(m["target"], m["date"], m["recorded_by"]) for m in moves] == [
        ("out", "2026-11-26", "clerk3"), ("community", "2026-11-26", "clerk2")]
    assert emitted_events(store)[-1].data["date"] == TODAY

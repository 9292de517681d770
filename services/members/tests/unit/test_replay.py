"""Announcing every member's current facts again (python -m members.replay)."""
import datetime as dt


from members.handlers import committees, roster
from members.domain.roster import id_number_for
from members.replay import replay_member_facts
from wuji_infra.testing import emitted_events


def register(store, count):
    with store.transaction() as tx:
        branch = committees.create_branch(tx, {"name": "离退休第二党支部", "unit": "市住房和城乡建设局"})
        people = []
        for i in range(count):
            people.append(roster.create_member(tx, {
                "name": f"党员{i}", "gender": "female", "id_number": id_number_for(dt.date(1940 + i, 1, 1), i),
                "birth_date": f"{1940 + i}-01-01", "branch_id": branch["id"], "retirement_kind": "lixiu"}, today=dt.date(2026, 12, 1)))
    return branch, people


def test_every_member_is_announced_once_with_the_facts_as_they_are_now(store):
    branch, people = register(store, 5)
    with store.transaction() as tx:
        roster.update_member(tx, people[1]["id"], {"hardship": True}, today=dt.date(2026, 11, 26))
    before = len(emitted_events(store))

    assert replay_member_facts(store, chunk=2) == 5

    replayed = emitted_events(store)[before:]
    assert [e.event_type for e in replayed] == ["member_updated"] * 5
    assert [e.data["member_id"] for e in replayed] == [p["id"] for p in people]
    assert [e.data["hardship"] for e in replayed] == [False, True, False, False, False]
    assert {e.data["branch_id"] for e in replayed} == {branch["id"]}


def test_an_empty_roster_announces_nothing(store):
    assert replay_member_facts(store) == 0
    assert emitted_events(store) == []

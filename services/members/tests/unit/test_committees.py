"""Branch committees, terms (换届) and the term reminders."""
import datetime as dt

import pytest

from members.handlers import committees, health, roster
from members.domain.committees import add_months, default_term_end, term_reminder_due
from members.domain.roster import id_number_for
from wuji_infra.errors import Conflict, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 11, 26)
ROLES = ["secretary", "deputy_secretary", "organization", "propaganda", "discipline", "member"]


def make_branch(store, name="机关第一离退休党支部"):
    with store.transaction() as tx:
        return committees.create_branch(tx, {"name": name, "unit": "市住房和城乡建设局"})


def make_members(store, branch, count, start=1):
    made = []
    for i in range(start, start + count):
        with store.transaction() as tx:
            made.append(roster.create_member(tx, {
                "name": f"党员{i}", "gender": "male", "id_number": id_number_for(dt.date(1945, 5, 6), i),
                "birth_date": "1945-05-06", "branch_id": branch["id"], "retirement_kind": "tuixiu",
            }, today=dt.date(2026, 12, 1)))
    return made


def elect(store, branch_id, data, today=TODAY):
    with store.transaction() as tx:
        return committees.elect_committee(tx, branch_id, data, "clerk1", today=today)


@pytest.fixture
def branch(store):
    return make_branch(store)


@pytest.fixture
def people(store, branch):
    return make_members(store, branch, 6)


def full_committee(people):
    return [{"member_id": p["id"], "role": role} for p, role in zip(people, ROLES)]


# -- dates ----------------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
    (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    (dt.date(2027, 3, 31), -6, dt.date(2026, 9, 30)),
    (dt.date(2027, 1, 10), -3, dt.date(2026, 10, 10)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_a_term_lasts_three_years_by_default():
    assert default_term_end(dt.date(2024, 4, 1)) == dt.date(2027, 3, 31)


@pytest.mark.parametrize("today, due", [
    (dt.date(2026, 9, 29), None),
    (dt.date(2026, 9, 30), ("branch_term_expiring", "6_months")),
    (dt.date(2026, 12, 30), ("branch_term_expiring", "6_months")),
    (dt.date(2026, 12, 31), ("branch_term_expiring", "3_months")),
    (dt.date(2027, 3, 31), ("branch_term_expiring", "3_months")),   # the last day of the term
    (dt.date(2027, 4, 1), ("branch_term_overdue", "overdue:2027-04")),
    (dt.date(2027, 5, 20), ("branch_term_overdue", "overdue:2027-05")),
])
def test_which_reminder_is_due(today, due):
    assert term_reminder_due(dt.date(2027, 3, 31), today) == due


# -- committees -------------------------------------------------------------------

def test_a_committee_is_elected_for_three_years_with_every_role(store, branch, people):
    term = elect(store, branch["id"], {"starts_on": "2025-04-01", "committee": full_committee(people)})
    assert term["ends_on"] == dt.date(2028, 3, 31) and term["state"] == "current"
    assert [(s["role"], s["name"]) for s in term["committee"]] == list(zip(ROLES, [p["name"] for p in people]))
    assert term["has_secretary"] is True and term["recorded_by"] == "clerk1"
    with store.read() as session:
        assert committees.get_committee(session, branch["id"], today=TODAY)["term"]["id"] == term["id"]
    [elected] = [e.data for e in emitted_events(store) if e.event_type == "branch_term_elected"]
    assert elected == {"branch_id": branch["id"], "term_id": term["id"], "starts_on": dt.date(2025, 4, 1),
                       "ends_on": dt.date(2028, 3, 31), "branch_name": branch["name"]}


def test_re_election_is_a_new_term_and_the_old_is_kept(store, branch, people):
    first = elect(store, branch["id"], {"starts_on": "2020-04-01", "committee": full_committee(people)})
    second = elect(store, branch["id"], {"starts_on": "2023-04-01", "ends_on": "2026-12-31",
                                         "committee": [{"member_id": people[5]["id"], "role": "secretary"}]})
    assert second["ends_on"] == dt.date(2026, 12, 31) and second["state"] == "expiring"
    with store.read() as session:
        terms = committees.list_terms(session, branch["id"], today=TODAY)
        committee = committees.get_committee(session, branch["id"], today=TODAY)
    assert [t["id"] for t in terms["items"]] == [second["id"], first["id"]]
    assert terms["items"][1]["state"] == "overdue" and len(terms["items"][1]["committee"]) == 6
    assert committee["term"]["committee"] == [
        {"member_id": people[5]["id"], "role": "secretary", "name": "党员6", "member_status": "active"}]
    with pytest.raises(Conflict) as error:   # a re-election cannot predate the term it replaces
        elect(store, branch["id"], {"starts_on": "2023-04-01", "committee": full_committee(people)})
    assert "starts_on" in error.value.fields


def test_a_branch_without_a_secretary_is_visible(store, branch, people):
    with store.read() as session:
        assert committees.get_committee(session, branch["id"], today=TODAY) == {
            "branch_id": branch["id"], "term": None, "has_secretary": False}
    elect(store, branch["id"], {"starts_on": "2025-01-01", "committee": full_committee(people)[1:]})
    with store.read() as session:
        assert committees.get_committee(session, branch["id"], today=TODAY)["has_secretary"] is False


def test_a_secretary_who_has_died_leaves_the_branch_without_one(store, branch, people):
    elect(store, branch["id"], {"starts_on": "2025-01-01", "committee": full_committee(people)})
    with store.transaction() as tx:
        health.record_health_event(tx, people[0]["id"], {"kind": "deceased", "date": "2026-11-01"},
                                   request_id="r1", today=TODAY)
    with store.read() as session:
        assert committees.get_committee(session, branch["id"], today=TODAY)["has_secretary"] is False


def test_committee_members_must_be_active_members_of_the_branch(store, branch, people):
    other = make_branch(store, "机关第二离退休党支部")
    [outsider] = make_members(store, other, 1, start=50)
    with store.transaction() as tx:
        roster.transfer_member(tx, people[1]["id"], {"target": "out", "date": "2026-01-01"}, today=TODAY)
    with pytest.raises(InvalidInput) as error:
        elect(store, branch["id"], {"starts_on": "2025-01-01", "committee": [
            {"member_id": people[0]["id"], "role": "secretary"},
            {"member_id": outsider["id"], "role": "member"},
            {"member_id": people[1]["id"], "role": "member"},
            {"member_id": 9999, "role": "member"},
        ]})
    assert set(error.value.fields) == {"committee.1.member_id", "committee.2.member_id", "committee.3.member_id"}
    with store.read() as session:
        assert committees.list_terms(session, branch["id"], today=TODAY)["total"] == 0


@pytest.mark.parametrize("data, field", [
    ({"starts_on": "2025-01-01", "committee": [{"member_id": 1, "role": "chairman"}]}, "committee.0.role"),
    ({"starts_on": "2025-01-01", "committee": []}, "committee"),
    ({"committee": [{"member_id": 1, "role": "secretary"}]}, "starts_on"),
    ({"starts_on": "2025-01-01", "ends_on": "2024-12-31", "committee": [{"member_id": 1, "role": "member"}]}, "ends_on"),
    ({"starts_on": "2025-01-01", "committee": [{"member_id": 1, "role": "secretary"},
                                               {"member_id": 2, "role": "secretary"}]}, "committee"),
    ({"starts_on": "2025-01-01", "committee": [{"member_id": 1, "role": "secretary"},
                                               {"member_id": 1, "role": "member"}]}, "committee"),
    ({"starts_on": "2025-01-01", "committee": [{"member_id": "1", "role": "member"}]}, "committee.0.member_id"),
])
def test_bad_committees_name_the_field(store, branch, people, data, field):
    with pytest.raises(InvalidInput) as error:
        elect(store, branch["id"], data)
    assert field in error.value.fields


def test_an_unknown_branch_is_not_found(store):
    with pytest.raises(NotFound):
        elect(store, 77, {"starts_on": "2025-01-01", "committee": [{"member_id": 1, "role": "member"}]})


# -- reminders with a moved clock -------------------------------------------------

def reminders(store):
    return [(e.event_type, e.data["reminder"]) for e in emitted_events(store)
            if e.event_type in ("branch_term_expiring", "branch_term_overdue")]


def test_each_reminder_goes_out_exactly_once_as_the_days_pass(store, branch, people):
    term = elect(store, branch["id"], {"starts_on": "2024-04-01", "committee": full_committee(people)})
    assert term["ends_on"] == dt.date(2027, 3, 31)
    day = dt.date(2026, 9, 1)
    while day <= dt.date(2027, 6, 15):
        committees.send_term_reminders(store, today=day)
        committees.send_term_reminders(store, today=day)      # a second run the same day sends nothing
        day += dt.timedelta(days=1)
    assert reminders(store) == [
        ("branch_term_expiring", "6_months"), ("branch_term_expiring", "3_months"),
        ("branch_term_overdue", "overdue:2027-04"), ("branch_term_overdue", "overdue:2027-05"),
        ("branch_term_overdue", "overdue:2027-06"),
    ]
    last = emitted_events(store)[-1]
    assert last.data == {"branch_id": branch["id"], "term_id": term["id"], "ends_on": dt.date(2027, 3, 31),
                         "reminder": "overdue:2027-06", "branch_name": branch["name"]}


def test_a_re_election_stops_the_old_terms_reminders(store, branch, people):
    elect(store, branch["id"], {"starts_on": "2023-06-01", "committee": full_committee(people)})
    assert committees.send_term_reminders(store, today=dt.date(2026, 6, 5)) == [
        ("branch_term_overdue", branch["id"], "overdue:2026-06")]
    elect(store, branch["id"], {"starts_on": "2026-06-10", "committee": full_committee(people)})
    assert committees.send_term_reminders(store, today=dt.date(2026, 7, 5)) == []


def test_a_missed_stage_is_not_sent_late(store, branch, people):
    elect(store, branch["id"], {"starts_on": "2024-01-01", "ends_on": "2027-01-31", "committee": full_committee(people)})
    committees.send_term_reminders(store, today=dt.date(2026, 11, 15))  # already within three months
    assert reminders(store) == [("branch_term_expiring", "3_months")]


def test_branches_are_reminded_each_of_their_own_term(store, branch, people):
    other = make_branch(store, "机关第二离退休党支部")
    others = make_members(store, other, 1, start=20)
    elect(store, branch["id"], {"starts_on": "2024-01-01", "ends_on": "2027-01-31", "committee": full_committee(people)})
    elect(store, other["id"], {"starts_on": "2024-01-01", "ends_on": "2030-01-31",
                               "committee": [{"member_id": others[0]["id"], "role": "secretary"}]})
    sent = committees.send_term_reminders(store, today=dt.date(2026, 11, 15))
    assert sent == [("branch_term_expiring", branch["id"], "3_months")]


def test_branches_show_and_filter_those_without_a_secretary(store, branch, people):
    other = make_branch(store, "机关第二离退休党支部")
    elect(store, branch["id"], {"starts_on": "2024-01-01", "ends_on": "2027-01-31", "committee": full_committee(people)})
    with store.read() as session:
        shown = committees.get_branch(session, branch["id"], today=TODAY)
        listed = committees.list_branches(session, {}, 1, 20, today=TODAY)["items"]
        lacking = committees.list_branches(session, {"without_secretary": "true"}, 1, 20, today=TODAY)
        having = committees.list_branches(session, {"without_secretary": "false"}, 1, 20, today=TODAY)
        with pytest.raises(InvalidInput):
            committees.list_branches(session, {"without_secretary": "perhaps"}, 1, 20, today=TODAY)
    assert (shown["has_secretary"], shown["term_ends_on"], shown["term_state"]) == (True, dt.date(2027, 1, 31), "expiring")
    assert [(b["id"], b["has_secretary"], b["term_state"]) for b in listed] == [
        (branch["id"], True, "expiring"), (other["id"], False, None)]
    assert [b["id"] for b in lacking["items"]] == [other["id"]] and lacking["total"] == 1
    assert [b["id"] for b in having["items"]] == [branch["id"]]

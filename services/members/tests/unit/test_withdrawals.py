"""Withdrawal of a member or a branch entered in error (撤销误录): the rules, and what it does to
the roster's lists, figures, writes and the ID number's uniqueness."""
import base64
import datetime as dt
import io

import openpyxl
import pytest

from members.domain import withdrawals as rules
from members.domain.roster import id_number_for
from members.handlers import committees, figures, health, honors, imports, roster, withdrawals
from wuji_infra import access
from wuji_infra.errors import Conflict, Forbidden, InvalidInput
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.timezone.utc)
STAFF = access.Access("clerk1", access.STAFF)
REASON = "身份证号录错，已按正确号码重新登记"
numbers = iter(range(1, 1000))


def new_branch(store, name="第一支部"):
    with store.transaction() as tx:
        return committees.create_branch(tx, {"name": name, "unit": "住建局"})["id"]


def new_member(store, branch_id, name="王建国", born=dt.date(1940, 3, 1), id_number=None):
    data = {"name": name, "gender": "male", "id_number": id_number or id_number_for(born, next(numbers)),
            "birth_date": born.isoformat(), "branch_id": branch_id, "retirement_kind": "tuixiu",
            "counts_from": "2019-01-01"}
    with store.transaction() as tx:
        return roster.create_member(tx, data, today=TODAY)


def withdraw(store, member_id, reason=REASON, who=STAFF):
    with store.transaction() as tx:
        return withdrawals.withdraw_member(tx, member_id, {"reason": reason}, who.user, now=NOW, access=who)


def withdraw_branch(store, branch_id, reason=REASON, who=STAFF):
    with store.transaction() as tx:
        return withdrawals.withdraw_branch(tx, branch_id, {"reason": reason}, who.user, today=TODAY, now=NOW,
                                           access=who)


def read(store, call, *args, **kwargs):
    with store.read() as session:
        return call(session, *args, **kwargs)


# -- the rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("reason, ok", [("录错", True), ("x" * 500, True), ("  录错  ", True), ("错", False),
                                        ("   ", False), ("x" * 501, False), (None, False), (7, False)])
def test_a_reason_is_two_to_five_hundred_characters(reason, ok):
    assert (rules.reason_problem(reason) is None) is ok


def test_a_record_is_withdrawn_once_and_a_branch_only_without_standing_members():
    assert rules.already_withdrawn_problem(("党员", "member"), 7, None) is None
    assert "already withdrawn" in rules.already_withdrawn_problem(("党员", "member"), 7, NOW)
    assert rules.branch_withdrawal_problem(3, 0) is None
    assert "还有 2 名党员未撤销" in rules.branch_withdrawal_problem(3, 2)
    assert rules.withdrawn_out(None, None, None) is None
    assert rules.withdrawn_out(NOW, "录错", "clerk1") == {"at": NOW, "reason": "录错", "by": "clerk1"}


# -- a member ---------------------------------------------------------------------------

def test_a_withdrawal_keeps_the_record_with_who_when_and_why_in_its_history(store):
    member = new_member(store, new_branch(store))
    assert member["withdrawn"] is None
    answer = withdraw(store, member["id"], reason="  " + REASON + " ")
    assert answer["withdrawn"] == {"at": NOW.isoformat(), "reason": REASON, "by": "clerk1"}
    assert read(store, roster.get_member, member["id"])["withdrawn"]["reason"] == REASON
    [entry, _created] = read(store, roster.member_history, member["id"])["items"]
    assert (entry["field"], entry["reason"], entry["changed_by"]) == ("withdrawn", "withdrawal", "clerk1")
    assert entry["old_value"] is None and entry["new_value"]["reason"] == REASON
    registered, updated, withdrawn = emitted_events(store)
    assert (updated.event_type, updated.data["status"]) == ("member_updated", "withdrawn")
    assert withdrawn.event_type == "member_withdrawn"
    assert withdrawn.data == {"member_id": member["id"], "branch_id": member["branch_id"], "withdrawn_at": NOW}


@pytest.mark.parametrize("data", [{}, {"reason": "错"}, {"reason": "x" * 501}, {"reason": None},
                                  {"reason": REASON, "extra": 1}])
def test_a_withdrawal_without_a_good_reason_is_refused_and_changes_nothing(store, data):
    member = new_member(store, new_branch(store))
    with pytest.raises(InvalidInput) as error:
        with store.transaction() as tx:
            withdrawals.withdraw_member(tx, member["id"], data, "clerk1", now=NOW)
    assert set(error.value.fields) <= {"reason", "extra"} and error.value.fields
    assert any("\u4e00" <= ch <= "\u9fff" for text in error.value.fields.values() for ch in "".join(text))
    assert read(store, roster.get_member, member["id"])["withdrawn"] is None
    assert [e.event_type for e in emitted_events(store)] == ["member_registered"]


def test_withdrawing_twice_is_a_conflict(store):
    member = new_member(store, new_branch(store))
    withdraw(store, member["id"])
    with pytest.raises(Conflict) as error:
        withdraw(store, member["id"])
    assert "已于" in error.value.message and "撤销" in error.value.message


def test_a_secretary_withdraws_no_one_outside_their_branches(store):
    first, second = new_branch(store), new_branch(store, "第二支部")
    member = new_member(store, second)
    with pytest.raises(Forbidden):
        withdraw(store, member["id"], who=access.Access("sec", access.SECRETARY, [first]))


@pytest.mark.parametrize("write", [
    lambda tx, m: roster.update_member(tx, m, {"phone": "13900000000"}, today=TODAY),
    lambda tx, m: roster.transfer_member(tx, m, {"target": "out", "date": "2026-11-01"}, today=TODAY),
    lambda tx, m: health.record_health_event(tx, m, {"kind": "hospitalized", "date": "2026-11-20",
                                                     "hospital": "市一医院"}, request_id="h1", today=TODAY),
    lambda tx, m: honors.add_honor(tx, m, {"title": "优秀党员", "level": "bureau", "year": 2026}),
    lambda tx, m: honors.add_social_role(tx, m, {"role": "监督员", "appointed_by": "市人大", "starts_on": "2026-01-01"}),
])
def test_nothing_more_is_written_to_a_withdrawn_member(store, write):
    member = new_member(store, new_branch(store))
    withdraw(store, member["id"])
    with pytest.raises(Conflict) as error:
        with store.transaction() as tx:
            write(tx, member["id"])
    assert "已撤销" in error.value.message


def test_the_id_number_of_a_withdrawn_member_registers_the_member_again(store):
    branch_id = new_branch(store)
    first = new_member(store, branch_id, name="王建国")
    with pytest.raises(Conflict):
        new_member(store, branch_id, name="王建国", id_number=first["id_number"])
    withdraw(store, first["id"])
    again = new_member(store, branch_id, name="王建国", id_number=first["id_number"])
    assert again["id"] != first["id"]
    with pytest.raises(Conflict):  # one standing member per ID number still
        new_member(store, branch_id, name="王建国", id_number=first["id_number"])


def test_a_withdrawn_member_is_gone_from_the_list_and_the_export_but_the_office_can_list_them(store):
    branch_id = new_branch(store)
    kept, gone = new_member(store, branch_id, "李秀英"), new_member(store, branch_id, "王建国")
    withdraw(store, gone["id"])
    assert [m["id"] for m in read(store, roster.list_members)["items"]] == [kept["id"]]
    assert [m["id"] for m in read(store, roster.list_members, {"withdrawn": "false"})["items"]] == [kept["id"]]
    listed = read(store, roster.list_members, {"withdrawn": "true"}, access=STAFF)["items"]
    assert [(m["id"], m["withdrawn"]["reason"]) for m in listed] == [(gone["id"], REASON)]
    for role in (access.SECRETARY, access.VIEWER, access.APPROVER):
        with pytest.raises(Forbidden):
            read(store, roster.list_members, {"withdrawn": "true"}, access=access.Access("x", role, [branch_id]))
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(read(store, imports.export_members)))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "李秀英" in names and "王建国" not in names


def test_a_withdrawn_member_is_in_no_figure_no_committee_and_no_honors_list(store):
    branch_id = new_branch(store)
    kept, gone = new_member(store, branch_id, "李秀英"), new_member(store, branch_id, "王建国")
    with store.transaction() as tx:
        committees.elect_committee(tx, branch_id, {"starts_on": "2024-01-10", "committee": [
            {"member_id": gone["id"], "role": "secretary"}, {"member_id": kept["id"], "role": "organization"}]},
            today=TODAY)
        honors.add_honor(tx, gone["id"], {"title": "优秀党员", "level": "bureau", "year": 2026})
    withdraw(store, gone["id"])
    headline = read(store, figures.headline_figures, {}, today=TODAY)
    assert (headline["members_total"], headline["honors_by_level"]["bureau"]) == (1, 0)
    report = read(store, figures.annual_figures, {"year": 2026, "as_of": TODAY.isoformat()})
    assert report["members_total"] == 1 and report["honorees"] == []
    assert report["census"]["totals"]["total"] == 1 and report["census"]["changes"]["joined"] == 0
    assert read(store, honors.list_honors)["total"] == 0
    assert read(store, honors.list_honors, {"member_id": str(gone["id"])})["total"] == 1  # their own, when asked
    committee = read(store, committees.get_committee, branch_id, today=TODAY)
    assert [s["member_id"] for s in committee["term"]["committee"]] == [kept["id"]]
    assert not committee["has_secretary"]
    card = read(store, figures.scorecard_items, {"year": 2026, "as_of": TODAY.isoformat(), "branch_ids": None})
    complete = {i["key"]: i for i in card["branches"][0]["items"]}["committee_complete"]
    assert complete["missing"] == ["书记空缺"]
    with pytest.raises(InvalidInput) as error:  # nor seated again
        with store.transaction() as tx:
            committees.elect_committee(tx, branch_id, {"starts_on": "2026-01-10", "committee": [
                {"member_id": gone["id"], "role": "secretary"}]}, today=TODAY)
    assert "withdrawn" in error.value.fields["committee.0.member_id"][0]


# -- a branch -----------------------------------------------------------------------------

def test_a_branch_is_withdrawn_only_when_none_of_its_members_stands(store):
    branch_id, other = new_branch(store), new_branch(store, "第二支部")
    first, second = new_member(store, branch_id, "王建国"), new_member(store, branch_id, "李秀英")
    withdraw(store, first["id"])
    with pytest.raises(Conflict) as error:
        withdraw_branch(store, branch_id)
    assert "还有 1 名党员未撤销" in error.value.message
    withdraw(store, second["id"])
    answer = withdraw_branch(store, branch_id)
    assert answer["withdrawn"]["by"] == "clerk1" and answer["name"] == "第一支部"
    with pytest.raises(Conflict):
        withdraw_branch(store, branch_id)
    assert [b["id"] for b in read(store, committees.list_branches, today=TODAY)["items"]] == [other]
    assert read(store, committees.get_branch, branch_id, today=TODAY)["withdrawn"]["reason"] == REASON
    report = read(store, figures.annual_figures, {"year": 2026, "as_of": TODAY.isoformat()})
    assert [b["branch_id"] for b in report["branch_list"]] == [other]
    card = read(store, figures.scorecard_items, {"year": 2026, "as_of": TODAY.isoformat(), "branch_ids": None})
    assert [b["branch_id"] for b in card["branches"]] == [other]
    assert read(store, figures.headline_figures, {}, today=TODAY)["branches"] == 1


def test_a_withdrawn_branch_takes_no_member_nor_committee_and_its_name_can_be_used_again(store):
    branch_id = new_branch(store)
    withdraw_branch(store, branch_id)
    with pytest.raises(InvalidInput) as error:
        new_member(store, branch_id)
    assert "branch_id" in error.value.fields
    with pytest.raises(Conflict):
        with store.transaction() as tx:
            committees.elect_committee(tx, branch_id, {"starts_on": "2026-01-10", "committee": [
                {"member_id": 1, "role": "secretary"}]}, today=TODAY)
    assert new_branch(store) != branch_id  # the same name, entered again correctly

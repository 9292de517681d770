"""A secretary acts only in the branches on their account: outside them a record is not found
(404) and a write forbidden (403); lists, totals and figures count only their branches. The
personal facts a role may not read are masked in what the gateway cannot mask by schema:
the roster export, the import's rejected rows and the history's values."""
import base64
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from members import excel
from members.domain.roster import id_number_for
from members.handlers import committees, figures, health, honors, imports, roster
from members.schemas import HealthEventOut, MemberOut
from wuji_infra import access
from wuji_infra.clock import FixedClock
from wuji_infra.errors import Forbidden, NotFound

TODAY = dt.date(2026, 11, 26)
STAFF = access.Access("clerk1", access.STAFF)
VIEWER = access.Access("leader", access.VIEWER)
ID_A = id_number_for(dt.date(1942, 3, 15), 1)
ID_B = id_number_for(dt.date(1938, 6, 1), 2)


def member_data(branch_id, name, id_number, born):
    return {"name": name, "gender": "male", "id_number": id_number, "birth_date": born, "branch_id": branch_id,
            "retirement_kind": "tuixiu", "phone": "13812345678", "address": "北山街1号",
            "emergency_contact": "张明 13800000000", "pension_monthly": "6200.00"}


@pytest.fixture
def world(store):
    """Two branches, each with a member who has a term, a transfer, a health event, an honor
    and a role in society; ``secretary`` is branch A's."""
    made = {}
    with store.transaction() as tx:
        for key, name, id_number, born in (("a", "甲", ID_A, "1942-03-15"), ("b", "乙", ID_B, "1938-06-01")):
            branch = committees.create_branch(tx, {"name": f"第{name}支部", "unit": "市住建局"})
            member = roster.create_member(tx, member_data(branch["id"], f"党员{name}", id_number, born), today=TODAY)
            committees.elect_committee(tx, branch["id"], {"starts_on": "2025-01-01", "committee": [
                {"member_id": member["id"], "role": "secretary"}]}, today=TODAY)
            roster.transfer_member(tx, member["id"], {"target": "community", "date": "2026-01-05",
                                                      "community": "北山社区"}, today=TODAY)
            health.record_health_event(tx, member["id"], {"kind": "hospitalized", "date": "2026-11-20",
                                                          "hospital": "市一医院"}, "clerk1", f"req-{key}", today=TODAY)
            honors.add_honor(tx, member["id"], {"title": "优秀党员", "level": "bureau", "year": 2026})
            honors.add_social_role(tx, member["id"], {"role": "特邀监督员", "appointed_by": "市纪委",
                                                      "starts_on": "2025-01-01"})
            made[f"branch_{key}"], made[key] = branch["id"], member["id"]
    made["secretary"] = access.Access("sec_a", access.SECRETARY, [made["branch_a"]])
    return made


def read(store, call, *args, **kwargs):
    with store.read() as session:
        return call(session, *args, **kwargs)


def write(store, call, *args, **kwargs):
    with store.transaction() as tx:
        return call(tx, *args, **kwargs)


# -- branches and committees ---------------------------------------------------------

def test_a_secretary_lists_only_their_branches(store, world):
    for filters in ({}, {"without_secretary": False}):
        page = read(store, committees.list_branches, filters, today=TODAY, access=world["secretary"])
        assert [b["id"] for b in page["items"]] == [world["branch_a"]] and page["total"] == 1
    page = read(store, committees.list_branches, {}, today=TODAY, access=STAFF)
    assert [b["id"] for b in page["items"]] == [world["branch_a"], world["branch_b"]] and page["total"] == 2


@pytest.mark.parametrize("call", [committees.get_branch, committees.list_terms, committees.get_committee])
def test_another_branch_is_not_found_by_a_secretary(store, world, call):
    read(store, call, world["branch_a"], today=TODAY, access=world["secretary"])
    with pytest.raises(NotFound):
        read(store, call, world["branch_b"], today=TODAY, access=world["secretary"])
    read(store, call, world["branch_b"], today=TODAY, access=STAFF)


def test_a_secretary_elects_only_their_branch_committee(store, world):
    with pytest.raises(Forbidden):  # whatever the body
        write(store, committees.elect_committee, world["branch_b"], {}, today=TODAY, access=world["secretary"])
    with pytest.raises(NotFound):
        write(store, committees.elect_committee, 999, {}, today=TODAY, access=world["secretary"])
    term = write(store, committees.elect_committee, world["branch_a"], {"starts_on": "2026-11-01", "committee": [
        {"member_id": world["a"], "role": "secretary"}]}, today=TODAY, access=world["secretary"])
    assert term["branch_id"] == world["branch_a"]
    write(store, committees.elect_committee, world["branch_b"], {"starts_on": "2026-11-01", "committee": [
        {"member_id": world["b"], "role": "secretary"}]}, today=TODAY, access=STAFF)


# -- the roster ----------------------------------------------------------------------------

def test_a_secretary_registers_members_only_in_their_branches(store, world):
    data = member_data(world["branch_b"], "丙", id_number_for(dt.date(1940, 1, 1), 3), "1940-01-01")
    with pytest.raises(Forbidden):
        write(store, roster.create_member, data, today=TODAY, access=world["secretary"])
    made = write(store, roster.create_member, dict(data, branch_id=world["branch_a"]), today=TODAY,
                 access=world["secretary"])
    assert made["branch_id"] == world["branch_a"]


def test_a_secretary_lists_only_their_branches_members(store, world):
    secretary = world["secretary"]
    page = read(store, roster.list_members, {}, access=secretary)
    assert [m["id"] for m in page["items"]] == [world["a"]] and page["total"] == 1
    page = read(store, roster.list_members, {"branch_id": world["branch_b"]}, access=secretary)
    assert page["items"] == [] and page["total"] == 0
    assert read(store, roster.list_members, {"branch_id": world["branch_a"]}, access=secretary)["total"] == 1
    assert read(store, roster.list_members, {"q": "党员"}, access=secretary)["total"] == 1
    assert read(store, roster.list_members, {}, access=STAFF)["total"] == 2
    assert read(store, roster.list_members, {"branch_id": world["branch_b"]}, access=STAFF)["total"] == 1


@pytest.mark.parametrize("call", [roster.get_member, roster.member_history, roster.list_transfers,
                                  health.list_health_events, honors.list_social_roles])
def test_another_branchs_member_is_not_found_by_a_secretary(store, world, call):
    run = write if call is health.list_health_events else read  # a health read is recorded
    assert run(store, call, world["a"], access=world["secretary"])
    with pytest.raises(NotFound):
        run(store, call, world["b"], access=world["secretary"])
    assert run(store, call, world["b"], access=STAFF)


WRITES = [
    (roster.update_member, {"name": "改名"}),
    (roster.transfer_member, {"target": "unit", "date": "2026-11-01"}),
    (health.record_health_event, {"kind": "discharged", "date": "2026-11-25"}),
    (honors.add_honor, {"title": "优秀党员", "level": "municipal", "year": 2026}),
    (honors.add_social_role, {"role": "志愿者", "appointed_by": "社区", "starts_on": "2026-01-01"}),
]


def _write(store, call, member_id, data, who):
    extra = {"request_id": f"req-{who.user}-{member_id}"} if call is health.record_health_event else {}
    today = {} if call in (honors.add_honor, honors.add_social_role) else {"today": TODAY}
    return write(store, call, member_id, data, **extra, **today, access=who)


@pytest.mark.parametrize("call, data", WRITES)
def test_a_secretary_writes_only_on_their_branches_members(store, world, call, data):
    for body in ({}, data):  # forbidden whatever the body
        with pytest.raises(Forbidden):
            _write(store, call, world["b"], body, world["secretary"])
    with pytest.raises(NotFound):
        _write(store, call, 999, data, world["secretary"])
    assert _write(store, call, world["a"], data, world["secretary"])
    assert _write(store, call, world["b"], data, STAFF)


def test_a_secretary_moves_a_member_only_between_their_branches(store, world):
    secretary = world["secretary"]
    with pytest.raises(Forbidden):  # out of their branches
        write(store, roster.update_member, world["a"], {"branch_id": world["branch_b"]}, today=TODAY, access=secretary)
    assert read(store, roster.get_member, world["a"])["branch_id"] == world["branch_a"]
    both = access.Access("sec_ab", access.SECRETARY, [world["branch_a"], world["branch_b"]])
    moved = write(store, roster.update_member, world["a"], {"branch_id": world["branch_b"]}, today=TODAY, access=both)
    assert moved["branch_id"] == world["branch_b"]
    with pytest.raises(Forbidden):  # into their branches
        write(store, roster.update_member, world["a"], {"branch_id": world["branch_a"]}, today=TODAY, access=secretary)


def test_a_secretary_lists_only_the_honors_of_their_branches(store, world):
    page = read(store, honors.list_honors, {}, access=world["secretary"])
    assert [h["member_id"] for h in page["items"]] == [world["a"]] and page["total"] == 1
    assert read(store, honors.list_honors, {"member_id": world["b"]}, access=world["secretary"])["total"] == 0
    assert read(store, honors.list_honors, {}, access=STAFF)["total"] == 2


def test_a_secretarys_figures_count_only_their_branches(store, world):
    with store.transaction() as tx:  # a third member, in branch B only
        roster.create_member(tx, member_data(world["branch_b"], "丁", id_number_for(dt.date(1950, 1, 1), 4),
                                             "1950-01-01"), today=TODAY)
    mine = read(store, figures.headline_figures, {}, today=TODAY, access=world["secretary"])
    every = read(store, figures.headline_figures, {}, today=TODAY, access=STAFF)
    assert (mine["members_total"], mine["in_communities"], mine["in_bureau_branch"]) == (1, 1, 0)
    assert (every["members_total"], every["in_communities"], every["in_bureau_branch"]) == (3, 2, 1)
    assert mine["average_age"] == "84.0" and every["average_age"] != mine["average_age"]
    assert (mine["branches"], mine["committees"], every["branches"], every["committees"]) == (1, 1, 2, 2)
    assert mine["honors_by_level"]["bureau"] == 1 and every["honors_by_level"]["bureau"] == 2


def export_rows(store, who, filters=None):
    content = base64.b64decode(read(store, imports.export_members, filters or {}, access=who))
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1:]


def test_a_secretary_exports_only_their_branches(store, world):
    assert [row[0] for row in export_rows(store, world["secretary"])] == ["党员甲"]
    assert export_rows(store, world["secretary"], {"branch_id": world["branch_b"]}) == []
    assert [row[0] for row in export_rows(store, STAFF)] == ["党员甲", "党员乙"]


# -- personal facts ------------------------------------------------------------------------

def test_the_answer_schemas_mark_the_personal_facts():
    marked = {name: field.metadata.get("sensitive") for name, field in MemberOut().fields.items()}
    assert {name: kind for name, kind in marked.items() if kind} == {
        "id_number": access.ID_NUMBER, "phone": access.CONTACT, "address": access.CONTACT,
        "emergency_contact": access.CONTACT, "pension_monthly": access.PENSION}
    marked = {name: field.metadata.get("sensitive") for name, field in HealthEventOut().fields.items()}
    assert {name: kind for name, kind in marked.items() if kind} == {
        "hospital": access.HEALTH, "ward": access.HEALTH, "note": access.HEALTH}


def _cells(row):
    return dict(zip(excel.HEADINGS, row))


@pytest.mark.parametrize("role, id_number, phone, address, pension", [
    (access.STAFF, ID_A, "13812345678", "北山街1号", "6200.00"),
    (access.SECRETARY, access.mask(access.ID_NUMBER, ID_A), "13812345678", "北山街1号", "***"),
    (access.VIEWER, access.mask(access.ID_NUMBER, ID_A), "138****5678", "***", "***"),
])
def test_the_export_masks_what_the_role_may_not_read(store, world, role, id_number, phone, address, pension):
    who = {access.STAFF: STAFF, access.SECRETARY: world["secretary"], access.VIEWER: VIEWER}[role]
    [row] = [row for row in export_rows(store, who) if row[0] == "党员甲"]
    cells = dict(zip(excel.HEADINGS, row))
    assert (cells["身份证号"], cells["联系电话"], cells["住址"], cells["月养老金(元)"]) == (
        id_number, phone, address, pension)
    assert cells["出生日期"] == "1942-03-15" and cells["姓名"] == "党员甲"


def test_only_a_role_that_reads_id_numbers_finds_members_by_them(store, world):
    digits = ID_A[6:14]  # the masked part
    assert read(store, roster.list_members, {"q": digits}, access=STAFF)["total"] == 1
    assert read(store, roster.list_members, {"q": digits}, access=VIEWER)["total"] == 0
    assert read(store, roster.list_members, {"q": digits}, access=world["secretary"])["total"] == 0
    assert read(store, roster.list_members, {"q": "党员甲"}, access=VIEWER)["total"] == 1


def _history(store, who, member_id):
    return read(store, roster.member_history, member_id, access=who)["items"]


def test_the_history_masks_the_values_of_the_facts_the_role_may_not_read(store, world):
    write(store, roster.update_member, world["a"], {"phone": "13900001111", "pension_monthly": "6500.00",
                                                     "rank": "正处级"}, today=TODAY)
    plain = {c["field"]: (c["old_value"], c["new_value"]) for c in _history(store, STAFF, world["a"])}
    assert plain["phone"] == ("13812345678", "13900001111")
    assert plain["pension_monthly"] == ("6200.00", "6500.00") and plain["*"][1]["id_number"] == ID_A
    viewer = _history(store, VIEWER, world["a"])
    seen = {c["field"]: (c["old_value"], c["new_value"]) for c in viewer if c["field"] != "*"}
    assert seen["phone"] == ("138****5678", "139****1111")
    assert seen["pension_monthly"] == ("***", "***") and seen["rank"] == (None, "正处级")
    [created] = [c for c in viewer if c["field"] == "*"]
    first = created["new_value"]
    assert first["id_number"] == access.mask(access.ID_NUMBER, ID_A) and first["pension_monthly"] == "***"
    assert first["address"] == "***" and first["name"] == "党员甲" and created["old_value"] is None
    secretary = {c["field"]: c["new_value"] for c in _history(store, world["secretary"], world["a"])}
    assert secretary["phone"] == "13900001111" and secretary["pension_monthly"] == "***"
    assert secretary["*"]["id_number"] == access.mask(access.ID_NUMBER, ID_A)


def test_the_import_errors_workbook_masks_what_the_role_may_not_read(store, world):
    row = dict.fromkeys(excel.HEADINGS)
    row.update({"姓名": "坏行", "性别": "未知", "身份证号": ID_B, "出生日期": "1938-06-01", "党支部": "第甲支部",
                "离退休类别": "退休", "联系电话": "13711112222", "月养老金(元)": "5100.00"})
    book = Workbook()
    book.active.append(excel.HEADINGS)
    book.active.append([row[h] for h in excel.HEADINGS])
    buffer = io.BytesIO()
    book.save(buffer)
    with store.transaction() as tx:
        job = imports.start_import(tx, base64.b64encode(buffer.getvalue()).decode(), "名册.xlsx", "clerk1")
    imports.run_next_import(store, clock=FixedClock(TODAY))

    def rejected(who):
        content = base64.b64decode(read(store, imports.import_errors_workbook, job["id"], access=who))
        [cells] = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1:]
        return dict(zip(["原行号", *excel.HEADINGS], cells))

    staff, viewer = rejected(STAFF), rejected(VIEWER)
    assert (staff["身份证号"], staff["联系电话"], staff["月养老金(元)"]) == (ID_B, "13711112222", "5100.00")
    assert (viewer["身份证号"], viewer["联系电话"], viewer["月养老金(元)"]) == (
        access.mask(access.ID_NUMBER, ID_B), "137****2222", "***")
    assert viewer["姓名"] == staff["姓名"] == "坏行"

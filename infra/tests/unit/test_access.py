"""The caller a service trusts: signed by the gateway, scoped to branches, masked by role."""
import pytest
import sqlalchemy as sa

from wuji_infra import access
from wuji_infra.access import Access
from wuji_infra.errors import Forbidden, NotFound

SECRET = "s" * 40


def test_a_signed_context_names_its_caller_and_nothing_else_passes():
    secretary = Access("li", access.SECRETARY, {3, 1})
    signed = access.sign(SECRET, secretary, deadline=200.0)
    assert access.verify(SECRET, signed, now=100.0) == secretary
    body, mac = signed.rsplit(".", 1)
    other = access.sign(SECRET, Access("li", access.ADMIN), deadline=200.0).rsplit(".", 1)[0]
    for bad in (None, "", "garbage", f"{other}.{mac}", access.sign("t" * 40, secretary, 200.0)):
        with pytest.raises(Forbidden):
            access.verify(SECRET, bad, now=100.0)
    with pytest.raises(Forbidden):
        access.verify(SECRET, signed, now=201.0)  # a captured context dies with its call
    assert access.verify(SECRET, signed, now=201.0, check_deadline=False) == secretary


def test_a_secretary_sees_only_their_branches():
    secretary = Access("li", access.SECRETARY, [1])
    assert secretary.covers(1) and not secretary.covers(2)
    assert secretary.scope_branches(None) == [1]
    assert secretary.scope_branches([2]) == []
    assert access.SYSTEM.scope_branches([2]) == [2] and access.SYSTEM.scope_branches(None) is None
    with pytest.raises(NotFound) as refused:
        secretary.check_read(2, ("走访任务", "visit task"), 7)
    assert str(refused.value) == "走访任务 7 不存在 (no such visit task)"  # as if there were none
    with pytest.raises(Forbidden):
        secretary.check_write(2)
    secretary.check_read(1, ("走访任务", "visit task"), 7), secretary.check_write(1)
    column = sa.column("branch_id")
    assert str(secretary.branch_clause(column).compile(compile_kwargs={"literal_binds": True})) == "branch_id IN (1)"
    assert Access("w", access.STAFF).branch_clause(column) is None


@pytest.mark.parametrize("role, plain", [
    (access.ADMIN, set(access.SENSITIVE)),
    (access.STAFF, set(access.SENSITIVE)),
    (access.SECRETARY, {access.CONTACT, access.HEALTH}),
    (access.VIEWER, set()),
    (access.APPROVER, set(access.SENSITIVE)),
])
def test_who_reads_which_personal_facts(role, plain):
    assert {kind for kind in access.SENSITIVE if Access("x", role).sees(kind)} == plain


def test_masked_values_tell_records_apart_but_are_not_usable():
    # the area and the check character only: the birth date, shown beside, and the
    # sequence would otherwise give the whole number back
    assert access.mask(access.ID_NUMBER, "11010119380315123X") == "110101***********X"
    assert access.mask(access.CONTACT, "13812345678") == "138****5678"
    assert access.mask(access.CONTACT, "北京市西城区月坛南街1号") == "***"
    assert access.mask(access.PENSION, "6200.00") == "***"
    assert access.mask(access.HEALTH, None) is None
    assert access.mask(access.HEALTH, ["wheelchair", "meals"]) == ["***", "***"]  # a list stays a list
    viewer = Access("v", access.VIEWER)
    assert access.masked(viewer, access.HEALTH, "市第一医院") == "***"
    assert access.masked(access.SYSTEM, access.HEALTH, "市第一医院") == "市第一医院"


def test_an_answer_is_masked_by_what_its_schema_marks():
    from marshmallow import Schema, fields

    class Event(Schema):
        kind = fields.String()
        hospital = fields.String(metadata={"sensitive": access.HEALTH})

    class Member(Schema):
        name = fields.String()
        id_number = fields.String(data_key="idNumber", metadata={"sensitive": access.ID_NUMBER})
        phone = fields.String(metadata={"sensitive": access.CONTACT})
        events = fields.List(fields.Nested(Event))
        last = fields.Nested(Event())

    def answer():
        return {"name": "王建国", "idNumber": "11010119380315123X", "phone": "13812345678",
                "events": [{"kind": "hospitalized", "hospital": "市第一医院"}], "last": {"hospital": "协和"}}

    assert access.mask_answer(Member, answer(), access.SYSTEM) == answer()
    assert access.mask_answer(Member(), answer(), Access("v", access.VIEWER)) == {
        "name": "王建国", "idNumber": "110101***********X", "phone": "138****5678",
        "events": [{"kind": "hospitalized", "hospital": "***"}], "last": {"hospital": "***"}}
    secretary = access.mask_answer(Member, answer(), Access("s", access.SECRETARY, [1]))
    assert secretary["idNumber"] == "110101***********X" and secretary["phone"] == "13812345678"
    assert secretary["events"][0]["hospital"] == "市第一医院"

    class Wrong(Schema):
        x = fields.String(metadata={"sensitive": "shoe size"})
    with pytest.raises(ValueError):
        access.mask_answer(Wrong, {"x": 1}, Access("v", access.VIEWER))

"""Data scope (wuji_infra.access): a secretary reaches only the tasks, pairings and help
cases of their own branches; the office (staff) reaches every branch. Outside the scope
a record is not found when read and forbidden when written; lists and totals count only
what the caller sees. And the personal facts the answers carry are marked for the gateway."""
import datetime as dt

import pytest

from welfare import schemas
from wuji_infra import access, events
from wuji_infra.errors import Forbidden, NotFound

TODAY = dt.date(2026, 11, 26)
A, B = 1, 2           # branches
IN_A, IN_B = 10, 20   # a member of each

SECRETARY_A = access.Access("sec-a", access.SECRETARY, [A])
STAFF = access.Access("staff1", access.STAFF)
VIEWER = access.Access("leader", access.VIEWER)


def register(service, member_id, branch_id, **change):
    service.on_member_registered(events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": f"党员{member_id}",
        "birth_date": dt.date(1940, 5, 1), "status": "active", "hardship": False, "lives_alone": True,
        "children_away": False, "mobility_limited": False, "org_relation": "unit", "specialties": [], **change,
    }, source="members"))


def hospitalize(service, member_id, branch_id):
    service.on_member_hospitalized(events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": member_id, "date": TODAY, "branch_id": branch_id,
        "hospital": "市医院", "birth_date": dt.date(1940, 5, 1), "hardship": False, "lives_alone": True,
    }, source="members"))


@pytest.fixture
def world(service):
    """As the office (SYSTEM): a member, a hospital visit task, a helper, a pairing and a
    help case in each of branches A and B, and a member in need left unpaired in each."""
    made = {}
    for branch, member in ((A, IN_A), (B, IN_B)):
        register(service, member, branch)
        register(service, member + 1, branch)  # in need (lives alone), unpaired
        hospitalize(service, member, branch)
        task = service.list_visit_tasks({"member_id": str(member)})["items"][0]
        helper = service.add_visitor({"name": f"委员{branch}", "role": "committee", "branch_id": branch,
                                      "pairs": True})
        pairing = service.create_pairing({"member_id": member, "helper_id": helper["id"], "reason": "lives_alone"})
        case = service.open_help_case({"member_id": member, "title": "加装扶手"})
        made[branch] = {"task": task["id"], "helper": helper["id"], "pairing": pairing["id"], "case": case["id"]}
    return made


def as_(service, caller):
    service.caller = caller
    return service


def members_and_total(answer):
    return sorted({item["member_id"] for item in answer["items"]}), answer["total"]


# -- lists and the computed view -------------------------------------------------

def test_a_secretary_lists_only_the_rows_of_their_branches_and_staff_every_branch(service, world):
    as_(service, SECRETARY_A)
    assert members_and_total(service.list_visit_tasks()) == ([IN_A], 1)
    assert members_and_total(service.list_pairings()) == ([IN_A], 1)
    assert members_and_total(service.list_help_cases()) == ([IN_A], 1)
    assert members_and_total(service.members_without_pairing()) == ([IN_A + 1], 1)
    # asking for another branch's member gives an empty page, not an error
    assert service.list_visit_tasks({"member_id": str(IN_B)})["total"] == 0
    assert service.list_pairings({"member_id": str(IN_B)})["total"] == 0
    assert service.list_help_cases({"member_id": str(IN_B)})["total"] == 0

    as_(service, STAFF)
    assert members_and_total(service.list_visit_tasks()) == ([IN_A, IN_B], 2)
    assert members_and_total(service.list_pairings()) == ([IN_A, IN_B], 2)
    assert members_and_total(service.list_help_cases()) == ([IN_A, IN_B], 2)
    assert members_and_total(service.members_without_pairing()) == ([IN_A + 1, IN_B + 1], 2)


def test_the_unpaired_of_another_branch_are_an_empty_page(service, world):
    as_(service, SECRETARY_A)
    assert service.members_without_pairing({"branch_id": str(B)}) == {
        "items": [], "total": 0, "page": 1, "page_size": 20}
    assert members_and_total(service.members_without_pairing({"branch_id": str(A)})) == ([IN_A + 1], 1)
    assert members_and_total(as_(service, STAFF).members_without_pairing({"branch_id": str(B)})) == ([IN_B + 1], 1)


def test_a_task_with_no_branch_is_the_office_s_alone(service, store, world):
    from welfare.models import VisitTask
    with store.transaction() as tx:
        tx.session.get(VisitTask, world[A]["task"]).branch_id = None
    as_(service, SECRETARY_A)
    assert service.list_visit_tasks()["total"] == 0
    with pytest.raises(NotFound):
        service.get_visit_task(world[A]["task"])
    with pytest.raises(Forbidden):  # nor raise a help case from it, though its member is of A
        service.open_help_case({"task_id": world[A]["task"], "title": "x"})
    assert as_(service, STAFF).list_visit_tasks()["total"] == 2


# -- one record ------------------------------------------------------------------

def test_a_secretary_reads_their_branch_s_records_and_not_another_s_and_staff_both(service, world):
    as_(service, SECRETARY_A)
    assert service.get_visit_task(world[A]["task"])["member_id"] == IN_A
    assert service.get_pairing(world[A]["pairing"])["member_id"] == IN_A
    assert service.get_help_case(world[A]["case"])["member_id"] == IN_A
    for read, key in ((service.get_visit_task, "task"), (service.get_pairing, "pairing"),
                      (service.get_help_case, "case")):
        with pytest.raises(NotFound):
            read(world[B][key])

    as_(service, STAFF)
    assert service.get_visit_task(world[B]["task"])["member_id"] == IN_B
    assert service.get_pairing(world[B]["pairing"])["member_id"] == IN_B
    assert service.get_help_case(world[B]["case"])["member_id"] == IN_B


# -- writes on a record ------------------------------------------------------------

def _writes(service, ids):
    """Each write on a record, with a body that would be invalid: the scope decides first."""
    return [
        lambda: service.complete_visit_task(ids["task"], {}),
        lambda: service.cancel_visit_task(ids["task"], {}),
        lambda: service.change_assignee(ids["task"], {}),
        lambda: service.end_pairing(ids["pairing"], {}),
        lambda: service.log_pairing_talk(ids["pairing"], {}),
        lambda: service.assign_help_case(ids["case"], {}),
        lambda: service.add_help_case_note(ids["case"], {}),
        lambda: service.close_help_case(ids["case"], {}),
    ]


def test_a_secretary_may_not_write_on_another_branch_s_record_whatever_the_body(service, world):
    as_(service, SECRETARY_A)
    for write in _writes(service, world[B]):
        with pytest.raises(Forbidden):
            write()
    # a record that does not exist stays not found
    for write in _writes(service, {"task": 999, "pairing": 999, "case": 999}):
        with pytest.raises(NotFound):
            write()

    # their own branch's records they work on
    ids = world[A]
    assert service.change_assignee(ids["task"], {"assignee": "李干事"}, "sec-a")["assignee"] == "李干事"
    assert service.complete_visit_task(ids["task"], {"visited_on": TODAY.isoformat(), "visitors": ["李干事"]},
                                       "sec-a")["status"] == "done"
    assert service.log_pairing_talk(ids["pairing"], {"talked_on": TODAY.isoformat(), "how": "phone",
                                                     "notes": "身体尚好"})["talks"][0]["notes"] == "身体尚好"
    assert service.end_pairing(ids["pairing"], {"reason": "子女回本地"})["active"] is False
    assert service.assign_help_case(ids["case"], {"assignee": "李干事"})["status"] == "in_progress"
    assert len(service.add_help_case_note(ids["case"], {"note": "已测量"})["notes"]) == 1
    assert service.close_help_case(ids["case"], {"result": "已安装"})["status"] == "closed"

    as_(service, STAFF)
    assert service.cancel_visit_task(world[B]["task"], {"note": "已出院"})["status"] == "cancelled"
    assert service.end_pairing(world[B]["pairing"], {"reason": "x"})["active"] is False
    assert service.close_help_case(world[B]["case"], {"result": "ok"})["status"] == "closed"


# -- creates naming a member or a helper ----------------------------------------------

def test_a_secretary_may_not_pair_or_open_a_case_in_another_branch(service, world):
    as_(service, SECRETARY_A)
    helper_a, helper_b = world[A]["helper"], world[B]["helper"]
    for body in ({"member_id": IN_B + 1, "helper_id": helper_a, "reason": "lonely"},   # the member helped
                 {"member_id": IN_A + 1, "helper_id": helper_b, "reason": "lonely"},   # the helper
                 {"member_id": 99, "helper_id": helper_a, "reason": "lonely"}):        # a member not known
        with pytest.raises(Forbidden):
            service.create_pairing(body)
    for body in ({"member_id": IN_B, "title": "x"}, {"task_id": world[B]["task"], "title": "x"},
                 {"member_id": 99, "title": "x"}):
        with pytest.raises(Forbidden):
            service.open_help_case(body)

    # in their own branch they do
    pairing = service.create_pairing({"member_id": IN_A + 1, "helper_id": world[A]["helper"], "reason": "lonely"})
    assert pairing["member_id"] == IN_A + 1
    case = service.open_help_case({"task_id": world[A]["task"], "title": "x"})
    assert case["member_id"] == IN_A
    assert service.list_help_cases()["total"] == 2

    as_(service, STAFF)
    assert service.create_pairing({"member_id": IN_B + 1, "helper_id": world[A]["helper"],
                                   "reason": "lonely"})["member_id"] == IN_B + 1
    assert service.open_help_case({"member_id": IN_B, "title": "x"})["member_id"] == IN_B


# -- the health facts in the answers -------------------------------------------------------

def test_a_caller_who_may_not_read_health_facts_may_not_select_tasks_by_them(service, world):
    with pytest.raises(Forbidden):
        as_(service, VIEWER).list_visit_tasks({"cause": "hospitalized"})
    assert service.list_visit_tasks()["total"] == 2
    assert as_(service, SECRETARY_A).list_visit_tasks({"cause": "hospitalized"})["total"] == 1


MARKED = {
    schemas.VisitTaskOut: {"cause", "reason", "cancel_note"},
    schemas.VisitRecordOut: {"kind", "notes", "needs"},
    schemas.PairingOut: {"reason", "note", "end_reason"},
    schemas.PairingDetailOut: {"reason", "note", "end_reason"},
    schemas.PairingTalkOut: {"notes"},
    schemas.HelpCaseOut: {"title", "description", "result"},
    schemas.HelpCaseNoteOut: {"note"},
    schemas.UnpairedMemberOut: {"needs"},
}  # the other answers (visitors, festival policies and batches) carry no personal fact


@pytest.mark.parametrize("schema", MARKED, ids=lambda schema: schema.__name__)
def test_the_answers_mark_their_health_facts(schema):
    marked = {name: field.metadata["sensitive"] for name, field in schema().fields.items()
              if "sensitive" in field.metadata}
    assert marked == dict.fromkeys(MARKED[schema], access.HEALTH)



def test_a_secretary_lists_the_visitors_of_their_branches_and_the_offices_own(service, world):
    office = service.add_visitor({"name": "李干事", "role": "staff", "pairs": False})
    seen = {v["id"] for v in as_(service, SECRETARY_A).list_visitors()["items"]}
    assert seen == {world[A]["helper"], office["id"]}
    assert as_(service, SECRETARY_A).list_visitors({"branch_id": str(B)})["total"] == 0
    assert as_(service, STAFF).list_visitors()["total"] == 3

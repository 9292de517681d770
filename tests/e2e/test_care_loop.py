"""The care loop over HTTP, as a front end sees it: a member falls seriously
ill (a visit and a pairing), dies (a condolence visit, the rest cancelled),
help cases and festival batches."""
import datetime as dt
import itertools
import uuid

import pytest

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

sequence = itertools.count(500)
TODAY = dt.date.today()


@pytest.fixture
def branch(api):
    response = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def new_member(api, branch, born=dt.date(1938, 6, 1), **overrides):
    data = {"name": "测试党员", "gender": "female", "id_number": id_number_for(born, next(sequence)),
            "birth_date": born.isoformat(), "branch_id": branch, "retirement_kind": "lixiu",
            "hardship": False, "lives_alone": False, **overrides}
    response = api.post("/members", data)
    assert response.status_code == 201, response.text
    return response.json()


def health_event(api, member_id, kind, **extra):
    response = api.post(f"/members/{member_id}/health-events", {"kind": kind, "date": TODAY.isoformat(), **extra})
    assert response.status_code == 201, response.text


def tasks_of(api, member_id):
    response = api.get("/visit-tasks", params={"member_id": member_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_serious_illness_then_death(api, branch, wait_for):
    helper = api.post("/visitors", {"name": f"王委员{uuid.uuid4().hex[:4]}", "role": "committee",
                                    "branch_id": branch, "pairs": True})
    assert helper.status_code == 201, helper.text
    member = new_member(api, branch, lives_alone=True)
    # welfare has the member's facts: a member living alone and not paired is in need
    wait_for(lambda: [m for m in api.get("/unpaired-members", params={"branch_id": branch}).json()["items"]
                      if m["member_id"] == member["id"]])

    health_event(api, member["id"], "serious_illness")
    [task] = wait_for(lambda: tasks_of(api, member["id"]))
    assert task["cause"] == "serious_illness"
    assert task["due_date"] == (TODAY + dt.timedelta(days=3)).isoformat()
    [pairing] = api.get("/pairings", params={"member_id": member["id"]}).json()["items"]
    assert pairing["helper_id"] == helper.json()["id"] and pairing["active"] is True
    talk = api.post(f"/pairings/{pairing['id']}/talks", {"talked_on": TODAY.isoformat(), "how": "in_person",
                                                          "notes": "情绪稳定，想念子女"})
    assert talk.status_code == 201, talk.text

    health_event(api, member["id"], "deceased")
    tasks = wait_for(lambda: tasks_of(api, member["id"]), lambda items: len(items) == 2)
    assert sorted((t["cause"], t["status"]) for t in tasks) == [("deceased", "open"), ("serious_illness", "cancelled")]
    assert api.get(f"/pairings/{pairing['id']}").json()["active"] is False


def test_a_help_case_from_a_visit_is_closed_with_its_result(api, branch, wait_for):
    member = new_member(api, branch)
    health_event(api, member["id"], "hospitalized", hospital="市第一人民医院")
    [task] = wait_for(lambda: tasks_of(api, member["id"]))
    done = api.post(f"/visit-tasks/{task['id']}/complete", {
        "visited_on": TODAY.isoformat(), "kind": "hospital", "visitors": ["王书记"], "needs": ["出院后需要轮椅"]})
    assert done.status_code == 200 and done.json()["visit"]["kind"] == "hospital"

    case = api.post("/help-cases", {"task_id": task["id"], "title": "借用轮椅", "assignee": "李干事"})
    assert case.status_code == 201, case.text
    assert case.json()["member_id"] == member["id"]
    closed = api.post(f"/help-cases/{case.json()['id']}/close", {"result": "已从社区借到轮椅"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api.post(f"/help-cases/{case.json()['id']}/close", {"result": "x"})
    assert again.status_code == 409


def test_a_festival_batch_over_http_and_bad_input_named(api, branch, wait_for):
    member = new_member(api, branch, born=dt.date(1930, 3, 3))
    policies = {p["festival"]: p for p in api.get("/festival-policies", params={"year": 2027}).json()["items"]}
    assert policies["spring_festival"]["date"] == "2027-02-06" and policies["double_ninth"]["date"] == "2027-10-08"

    policy = {"min_age": 95, "lives_alone": False, "hardship": False}

    def preview():
        answer = api.post("/festival-batches", {"festival": "double_ninth", "year": 2027, "policy": policy, "dry_run": True})
        assert answer.status_code == 200, answer.text
        return answer.json()
    looked = wait_for(preview, lambda a: member["id"] in [m["member_id"] for m in a["members"]])
    assert looked["dry_run"] is True and looked["to_create"] >= 1
    assert looked["created"] == 0 and [t for t in tasks_of(api, member["id"]) if t["cause"] == "festival"] == []
    assert {m["member_id"]: m["name"] for m in looked["members"]}[member["id"]] == member["name"]

    def batch():
        # until welfare has the new member's facts, the batch does not select her
        answer = api.post("/festival-batches", {"festival": "double_ninth", "year": 2027, "policy": policy})
        assert answer.status_code == 200, answer.text
        return [t for t in tasks_of(api, member["id"]) if t["cause"] == "festival"]
    [task] = wait_for(batch)
    assert task["due_date"] == "2027-10-08"
    again = api.post("/festival-batches", {"festival": "double_ninth", "year": 2027, "policy": policy})
    assert again.json()["created"] == 0

    bad = api.post("/festival-batches", {"festival": "qingming", "year": 2027})
    assert bad.status_code == 400 and "festival" in bad.json()["fields"]
    bad = api.get("/visit-tasks", params={"overdue": "maybe"})
    assert bad.status_code == 400 and "overdue" in bad.json()["fields"]

"""Who may do what, over HTTP: every route of the table, every role, a record of the
secretary's own branch and one of another branch (the matrix is made from the route
table, so a new route is in it the day it is declared).

Expected, for a route and a role:
- a role the route does not name: 403;
- a secretary and a record of another branch: a read 404 (as if it did not exist), a write 403;
- otherwise a read 200, and a write anything but 401, 403, 404 or 500 (its body is
  refused as a matter of course: a field no route takes, so nothing changes);
- a list a secretary reads names no member or branch of the other branch;
- what a viewer reads holds no ID number, phone, address, pension, hospital or
  health note in plain text, and a secretary none of the ID numbers and pensions.
"""
import datetime as dt
import json
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcClient

from gateway.routes import ROUTES
from gateway import auth
from members.domain.roster import id_number_for
from wuji_infra import access
from wuji_infra.errors import Forbidden
from wuji_infra.testing import Api, wait_until

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
YEAR = TODAY.year
PASSWORD = "Matrix-pass-2026"
# path parameters whose record belongs to a branch; the others (jobs, budgets, accounts) are the office's
SCOPED = {"branch_id", "member_id", "task_id", "session_id", "activity_id", "bulletin_id", "meeting_id",
          "pairing_id", "case_id", "check_id", "branch_meeting_id", "venue_id"}
QUERY = {  # what a read needs besides the ids
    "/api/v1/study-compliance": {"year": YEAR}, "/api/v1/bulletin-gaps": {"year": YEAR},
    "/api/v1/activity-statistics": {"year": YEAR}, "/api/v1/funding/balances": {"year": YEAR},
    "/api/v1/funding/dues/rates": {"year": YEAR}, "/api/v1/funding/dues/payments": {"year": YEAR},
    "/api/v1/funding/dues/arrears": {"year": YEAR}, "/api/v1/funding/statement": {"year": YEAR},
    "/api/v1/reports/annual": {"year": YEAR}, "/api/v1/reports/scorecard": {"year": YEAR},
    "/api/v1/funding/dues/sheet": {"year": YEAR}, "/api/v1/funding/dues/month": {"year": YEAR, "month": 1},
}
BRANCH_QUERY = ("/api/v1/study-compliance", "/api/v1/bulletin-gaps", "/api/v1/funding/dues/month")  # a branch's view
NOT_A_FIELD = {"not_a_field_of_any_route": 1}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def created(response):
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def seed_branch(api, n):
    """A branch with one of everything, and the personal facts a leak would show."""
    branch = created(api.post("/branches", {"name": f"矩阵第{n}支部{uuid.uuid4().hex[:4]}", "unit": "市住建局"}))["id"]
    created(api.post("/visitors", {"name": f"矩阵委员{n}", "role": "committee", "branch_id": branch, "pairs": True}))
    born = dt.date(1936, 2, n)
    secrets = {"id_number": id_number_for(born, 900 + n), "phone": f"1390000{n:04d}",
               "address": f"矩阵路{n}号院{uuid.uuid4().hex[:4]}", "emergency_contact": f"矩阵家属{n}号",
               "pension_monthly": f"65{n}3.21", "hospital": f"矩阵医院{n}院区", "note": f"矩阵病情记录{n}"}
    member = created(api.post("/members", {
        "name": f"矩阵党员{n}", "gender": "male", "birth_date": born.isoformat(), "branch_id": branch,
        "retirement_kind": "lixiu", "lives_alone": True, "hardship": True,
        **{k: secrets[k] for k in ("id_number", "phone", "address", "emergency_contact", "pension_monthly")}}))["id"]
    ids = {"branch_id": branch, "member_id": member}
    created(api.post(f"/branches/{branch}/terms",
                     {"starts_on": "2025-01-01", "committee": [{"member_id": member, "role": "secretary"}]}))
    created(api.post(f"/members/{member}/honors", {"title": "优秀党员", "level": "bureau", "year": YEAR}))
    created(api.post(f"/members/{member}/social-roles",
                     {"role": "监督员", "appointed_by": "市人大", "starts_on": TODAY.isoformat()}))
    # the member's facts reach activities, welfare and funding by events
    wait_until(lambda: api.get("/contacts/coverage", params={"branch_id": branch}).json()["total"],
               "the member in activities")
    created(api.post(f"/members/{member}/health-events", {"kind": "serious_illness", "date": TODAY.isoformat(),
                                                          "note": secrets["note"]}))
    created(api.post(f"/members/{member}/health-events", {"kind": "hospitalized", "date": TODAY.isoformat(),
                                                          "hospital": secrets["hospital"], "note": secrets["note"]}))
    ids["task_id"] = wait_until(lambda: [t["id"] for t in api.get("/visit-tasks", params={"member_id": member})
                                         .json()["items"]], "the visit tasks")[0]
    ids["pairing_id"] = wait_until(lambda: [p["id"] for p in api.get("/pairings", params={"member_id": member})
                                            .json()["items"]], "the pairing")[0]
    ids["check_id"] = wait_until(lambda: [c["id"] for c in api.get("/subsidy-checks", params={"member_id": member})
                                          .json()["items"]], "the subsidy check")[0]
    ids["case_id"] = created(api.post("/help-cases", {"task_id": ids["task_id"], "title": "借用轮椅",
                                                      "assignee": "李干事"}))["id"]
    ids["session_id"] = created(api.post("/study-sessions", {"branch_id": branch, "date": TODAY.isoformat(),
                                                             "topic": "学习党章", "attendees": [member]}))["id"]
    created(api.post("/contacts", {"branch_id": branch, "level": "committee_member", "contact_by": "王书记",
                                   "member_id": member, "date": TODAY.isoformat(), "channel": "visit",
                                   "learned": {"life": "生活安好"}}))
    ids["activity_id"] = created(api.post("/activities", {
        "branch_id": branch, "kind": "red_education_visit", "date": TODAY.isoformat(), "title": "参观",
        "place": "南湖", "organizer": "王书记", "participants": [member], "cost": "100.00"}))["id"]
    ids["bulletin_id"] = created(api.post("/bulletins", {
        "branch_id": branch, "number": 1, "date": TODAY.isoformat(), "reach_online": 5, "reach_offline": 1,
        "items": [{"title": "学习要点", "kind": "article", "link": "https://example.org/1"}]}))["id"]
    ids["meeting_id"] = created(api.post("/review-meetings", {
        "kind": "lunzheng", "topic": "街区保护", "date": TODAY.isoformat(), "organizer": "市规划局",
        "participants": [{"member_id": member, "advice": "保留街巷"}]}))["id"]
    ids["branch_meeting_id"] = created(api.post("/branch-meetings", {
        "branch_id": branch, "kind": "theme_day", "date": TODAY.isoformat(), "topic": "主题党日",
        "participants": [member]}))["id"]
    ids["venue_id"] = created(api.post("/venues", {"branch_id": branch, "name": "活动室", "address": "二楼",
                                                   "since": "2020-01-01"}))["id"]
    return ids, secrets


@pytest.fixture(scope="module")
def world(system):
    admin = Api(system.base_url).login("admin", system.env["ADMIN_PASSWORD"])
    own, own_secrets = seed_branch(admin, 1)
    other, other_secrets = seed_branch(admin, 2)
    created(admin.post("/funding/dues/rates", {"year": YEAR, "from_month": 1}))
    # the other branch's dues paid (the lists show it to whom they may); the secretary pays their own
    created(admin.post("/funding/dues/payments", {"member_id": other["member_id"], "year": YEAR,
                                                  "month": TODAY.month, "paid_by": "member"}))
    budget = created(admin.post("/funding/budgets", {"year": YEAR, "source": "special_fund", "amount": "9000.00"}))
    expense = created(admin.post("/funding/expenses", {"year": YEAR, "category": "activities", "amount": "10.00",
                                                       "description": "矩阵支出"}))
    # the activities' costs came before the year's budget: refused, to book later
    refused = wait_until(lambda: admin.get("/funding/refused-expenses").json()["items"], "the refused costs")
    template = admin.get("/members/import-template")
    job = created(admin.post("/members/imports", data=template.content, headers={"Content-Type": XLSX}))
    office = {"job_id": job["id"], "budget_id": budget["id"],
              "expense_id": expense["id"], "festival": "spring_festival", "asset": "swagger-ui.css",
              "refused_id": refused[0]["id"], "item_id": 1}
    apis = {"admin": admin}
    for role in auth.ROLES:
        if role == "admin":
            continue
        username = f"matrix.{role}"
        body = {"username": username, "password": PASSWORD, "role": role}
        if role == access.SECRETARY:
            body["branch_ids"] = [own["branch_id"]]
        account = created(admin.post("/accounts", body))
        office.setdefault("account_id", account["id"])
        apis[role] = Api(system.base_url).login(username, PASSWORD)
    return {"own": {**own, **office}, "other": {**other, **office}, "apis": apis,
            "secrets": {"own": own_secrets, "other": other_secrets}}


def path_of(route, ids):
    path = route.path
    for name, _ in route.params:
        path = path.replace(f"<id:{name}>", str(ids[name])).replace(f"<{name}>", str(ids[name]))
    return path[len("/api/v1"):] if path.startswith("/api/v1") else path


def call(api, route, ids):
    query = dict(QUERY.get(route.path, {}))
    if route.path in BRANCH_QUERY or route.key == "GET /api/v1/funding/dues/sheet":
        query["branch_id"] = ids["branch_id"]
    if route.method == "GET":
        return api.get(path_of(route, ids), params=query)
    if route.body is None:  # a bodiless write acts when allowed: only its refusals are checked here
        return None
    return api.request(route.method, path_of(route, ids), json=NOT_A_FIELD, params=query)


API_ROUTES = [r for r in ROUTES if r.roles is not auth.PUBLIC]
CASES = [(route, role) for route in API_ROUTES for role in auth.ROLES]


@pytest.mark.parametrize("route, role", CASES, ids=[f"{r.key} as {role}" for r, role in CASES])
def test_each_role_on_each_route_own_and_other_branch(world, route, role):
    api = world["apis"][role]
    scoped = any(name in SCOPED for name, _ in route.params)
    if role not in route.roles:
        if route.method == "GET" or route.body is not None:
            assert call(api, route, world["own"]).status_code == 403
        else:
            assert api.request(route.method, path_of(route, world["own"])).status_code == 403
        return
    if role == access.SECRETARY and scoped:
        other = call(api, route, world["other"]) if (route.method == "GET" or route.body is not None) \
            else api.request(route.method, path_of(route, world["other"]))
        assert other.status_code == (404 if route.method == "GET" else 403), other.text
    answer = call(api, route, world["own"])
    if answer is None:
        return
    if route.method == "GET":
        assert answer.status_code == 200, answer.text
        text = answer.text if "json" in answer.headers.get("Content-Type", "") else ""
        if role == access.SECRETARY and text:
            assert_names_nothing_of(json.loads(text), world["other"])
        assert_no_plain_secrets(text, role, world["secrets"])
    else:
        assert answer.status_code not in (401, 403, 404, 500), answer.text


def assert_names_nothing_of(payload, other):
    """No ``member_id`` / ``branch_id`` (nor a member's or branch's own ``id``) of the other branch."""
    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        else:
            assert not (key == "member_id" and value == other["member_id"]), payload
            assert not (key == "branch_id" and value == other["branch_id"]), payload
    walk(payload)


def assert_no_plain_secrets(text, role, secrets):
    hidden = {access.VIEWER: ("id_number", "phone", "address", "emergency_contact", "pension_monthly",
                              "hospital", "note"),
              access.SECRETARY: ("id_number", "pension_monthly")}.get(role, ())
    for side in secrets.values():
        for name in hidden:
            assert side[name] not in text, (role, name)


# -- writes that name a branch or member in their body --------------------------

def test_a_secretary_creates_in_their_branch_and_nowhere_else(world):
    secretary = world["apis"][access.SECRETARY]
    own, other = world["own"], world["other"]
    for branch, status in ((own["branch_id"], 201), (other["branch_id"], 403)):
        answer = secretary.post("/study-sessions", {"branch_id": branch, "date": "2026-01-05", "topic": "学习",
                                                     "attendees": [own["member_id"]]})
        assert answer.status_code == status, answer.text
    for member, status in ((own["member_id"], 201), (other["member_id"], 403)):
        answer = secretary.post("/contacts", {"branch_id": own["branch_id"], "level": "committee_member",
                                              "contact_by": "王书记", "member_id": member,
                                              "date": TODAY.isoformat(), "channel": "phone",
                                              "learned": {"life": "安好"}})
        assert answer.status_code == status, answer.text
        paid = secretary.post("/funding/dues/payments", {"member_id": member, "year": YEAR, "month": TODAY.month,
                                                          "paid_by": "relative", "payer_name": "矩阵家属"})
        assert paid.status_code == status, paid.text
    moved = secretary.patch(f"/members/{own['member_id']}", {"branch_id": other["branch_id"]})
    assert moved.status_code == 403, moved.text
    joined = secretary.post("/members", {"name": "新党员", "gender": "female", "birth_date": "1940-01-01",
                                         "id_number": id_number_for(dt.date(1940, 1, 1), 77),
                                         "branch_id": other["branch_id"], "retirement_kind": "tuixiu"})
    assert joined.status_code == 403, joined.text


def test_a_secretarys_lists_hold_their_branch_only(world):
    secretary = world["apis"][access.SECRETARY]
    members = secretary.get("/members").json()
    assert {m["branch_id"] for m in members["items"]} == {world["own"]["branch_id"]}
    assert members["total"] == len(members["items"])
    assert secretary.get("/members", params={"branch_id": world["other"]["branch_id"]}).json()["total"] == 0
    tasks = secretary.get("/visit-tasks").json()["items"]
    assert tasks and {t["member_id"] for t in tasks} == {world["own"]["member_id"]}


def test_a_viewer_sees_masked_facts_and_staff_plain(world):
    member = world["own"]["member_id"]
    secrets = world["secrets"]["own"]
    seen = world["apis"][access.VIEWER].get(f"/members/{member}").json()
    assert seen["id_number"] == secrets["id_number"][:6] + "*" * 11 + secrets["id_number"][-1:]
    assert seen["phone"] == secrets["phone"][:3] + "****" + secrets["phone"][-4:]
    assert seen["pension_monthly"] == "***" and seen["address"] == "***"
    plain = world["apis"][access.STAFF].get(f"/members/{member}").json()
    assert (plain["id_number"], plain["pension_monthly"]) == (secrets["id_number"], secrets["pension_monthly"])
    by_secretary = world["apis"][access.SECRETARY].get(f"/members/{member}").json()
    assert by_secretary["phone"] == secrets["phone"] and by_secretary["id_number"] != secrets["id_number"]


def test_a_change_of_branches_holds_from_the_next_request(world, system):
    admin, secretary = world["apis"]["admin"], world["apis"][access.SECRETARY]
    other = world["other"]["member_id"]
    assert secretary.get(f"/members/{other}").status_code == 404
    account = next(a for a in admin.get("/accounts", params={"page_size": 500}).json()["items"]
                   if a["username"] == "matrix.secretary")
    both = [world["own"]["branch_id"], world["other"]["branch_id"]]
    assert admin.patch(f"/accounts/{account['id']}", {"branch_ids": both}).status_code == 200
    try:
        assert secretary.get(f"/members/{other}").status_code == 200
    finally:
        admin.patch(f"/accounts/{account['id']}", {"branch_ids": [world["own"]["branch_id"]]})
    assert secretary.get(f"/members/{other}").status_code == 404


def test_a_program_on_the_broker_without_the_gateways_signature_is_refused(system):
    with ClusterRpcClient(uri=system.env["AMQP_URI"], timeout=10) as cluster:
        with pytest.raises(Forbidden):
            cluster.members.list_members({}, 1, 20)
        forged = access.context("guessed-" + "k" * 40, access.Access("admin", "admin"), 2e9)
    with ClusterRpcClient(uri=system.env["AMQP_URI"], timeout=10, context_data=forged) as cluster:
        with pytest.raises(Forbidden):
            cluster.funding.add_budget({"year": YEAR, "source": "special_fund", "amount": "1.00"}, actor="x")


def test_every_answer_names_its_request_id(world):
    answer = world["apis"][access.STAFF].get("/members", headers={"Idempotency-Key": "matrix-read-1"})
    assert answer.headers["X-Request-Id"] == "matrix-read-1"
    assert len(world["apis"][access.STAFF].get("/members").headers["X-Request-Id"]) == 36


def test_with_duties_separated_only_an_approver_approves_and_never_their_own(world):
    admin, staff, approver = (world["apis"][role] for role in ("admin", access.STAFF, access.APPROVER))
    policy = admin.get("/funding/policy").json()
    separated = {"allocation": policy["allocation"], "separation_of_duties": True, "note": "分岗审批"}
    assert admin.request("PUT", "/funding/policy", json=separated).status_code == 200
    try:
        check = world["own"]["check_id"]
        refused = staff.post(f"/subsidy-checks/{check}/approve")
        assert refused.status_code == 403, refused.text
        approved = approver.post(f"/subsidy-checks/{check}/approve")
        assert approved.status_code == 200, approved.text
        expense = approved.json()["expense_id"]
        own = approver.post(f"/funding/expenses/{expense}/reverse", {"reason": "自己批的"})
        assert own.status_code == 403, own.text  # the approver booked that expense by approving
        theirs = approver.post(f"/funding/expenses/{world['own']['expense_id']}/reverse", {"reason": "录错了"})
        assert theirs.status_code == 200, theirs.text
        assert staff.post("/funding/expenses", {"year": YEAR, "category": "activities", "amount": "1.00",
                                                "description": "x"}).status_code == 201
        assert approver.post("/funding/expenses", {"year": YEAR, "category": "activities", "amount": "1.00",
                                                   "description": "x"}).status_code == 403
    finally:
        admin.request("PUT", "/funding/policy", json=dict(separated, separation_of_duties=False, note="合岗"))


def test_a_secretary_has_the_dues_sheet_of_their_branches_only(world):
    import io
    from openpyxl import load_workbook
    secretary, own, other = world["apis"][access.SECRETARY], world["own"], world["other"]
    theirs = secretary.get("/funding/dues/sheet", params={"branch_id": other["branch_id"], "year": YEAR})
    assert theirs.status_code == 404, theirs.text
    sheet = secretary.get("/funding/dues/sheet", params={"branch_id": own["branch_id"], "year": YEAR})
    assert sheet.status_code == 200, sheet.text
    workbook = load_workbook(io.BytesIO(sheet.content))
    workbook.active.append([other["member_id"], "矩阵党员2", None, "1.00"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = secretary.post("/funding/dues/sheet", data=buffer.getvalue(), headers={"Content-Type": XLSX})
    assert answer.status_code == 400, answer.text
    assert answer.json()["fields"] == {f"第{workbook.active.max_row}行 党员编号": [
        "不是您所在支部的党员 (not a member of your branches)"]}

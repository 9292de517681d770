"""Study, contacts and activities over HTTP: members registered in members reach
activities through RabbitMQ, a deceased member drops out, and each record
is visible through the gateway."""
import datetime as dt
import itertools
import uuid

import pytest

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

sequence = itertools.count(1)
TODAY = dt.date.today()


def new_member(api, branch, **overrides):
    born = dt.date(1938, 4, 1)
    data = {"name": "学习党员", "gender": "female", "id_number": id_number_for(born, next(sequence)),
            "birth_date": born.isoformat(), "branch_id": branch, "retirement_kind": "tuixiu"}
    data.update(overrides)
    response = api.post("/members", data)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def branch(api):
    response = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def coverage(api, branch):
    response = api.get("/contacts/coverage", params={"branch_id": branch})
    assert response.status_code == 200, response.text
    return response.json()


def test_study_contacts_and_activities_from_http(api, branch, wait_for):
    first = new_member(api, branch, name="张老")
    second = new_member(api, branch, name="李老", mobility_limited=True)
    third = new_member(api, branch, name="王老")
    ids = {first["id"], second["id"], third["id"]}
    # the member facts reach activities through RabbitMQ
    known = wait_for(lambda: coverage(api, branch), lambda c: {i["member_id"] for i in c["items"]} == ids)
    assert {i["member_id"] for i in known["items"]} == ids

    # a deceased member drops out of coverage and of expected attendance
    died = api.post(f"/members/{third['id']}/health-events", {"kind": "deceased", "date": TODAY.isoformat()})
    assert died.status_code == 201, died.text
    left = wait_for(lambda: coverage(api, branch), lambda c: c["total"] == 2)
    assert {i["member_id"] for i in left["items"]} == {first["id"], second["id"]}

    session = api.post("/study-sessions", {"branch_id": branch, "date": TODAY.isoformat(), "topic": "学习党章",
                                           "materials": ["党章全文"], "attendees": [first["id"]]})
    assert session.status_code == 201, session.text
    session = session.json()
    assert (session["attended"], session["absent"]) == (1, 1)
    [absent] = [row for row in session["attendance"] if not row["attended"]]
    assert (absent["member_id"], absent["mobility_limited"]) == (second["id"], True)
    caught = api.post(f"/study-sessions/{session['id']}/catch-ups",
                      {"member_id": second["id"], "method": "home_delivery", "date": TODAY.isoformat(), "by": "王书记"})
    assert caught.status_code == 201 and caught.json()["caught_up"] == 1
    compliance = api.get("/study-compliance", params={"branch_id": branch, "year": TODAY.year}).json()
    assert compliance["months"][TODAY.month - 1]["status"] == "held"

    refused = api.post("/study-sessions", {"branch_id": branch, "date": TODAY.isoformat(), "topic": "x",
                                           "attendees": [third["id"]]})
    assert refused.status_code == 400 and "attendees" in refused.json()["fields"]

    contact = api.post("/contacts", {"branch_id": branch, "level": "committee_member", "contact_by": "王书记",
                                     "member_id": first["id"], "date": TODAY.isoformat(), "channel": "visit",
                                     "learned": {"life": "生活安好"}})
    assert contact.status_code == 201, contact.text
    assert [i["member_id"] for i in coverage(api, branch)["items"]] == [second["id"]]
    assert api.get("/contacts", params={"branch_id": branch}).json()["total"] == 1

    activity = api.post("/activities", {"branch_id": branch, "kind": "red_education_visit",
                                        "date": TODAY.isoformat(), "title": "参观红色教育基地", "place": "南湖",
                                        "organizer": "王书记", "participants": [first["id"], second["id"]],
                                        "cost": "1500.00"}, headers={"Idempotency-Key": f"act-{branch}"})
    assert activity.status_code == 201, activity.text
    assert activity.json()["cost"] == "1500.00"
    retried = api.post("/activities", {"branch_id": branch, "kind": "red_education_visit",
                                       "date": TODAY.isoformat(), "title": "参观红色教育基地", "place": "南湖",
                                       "organizer": "王书记", "participants": [first["id"], second["id"]],
                                       "cost": "1500.00"}, headers={"Idempotency-Key": f"act-{branch}"})
    assert retried.status_code == 201 and retried.json()["id"] == activity.json()["id"]
    bad = api.post("/activities", {"branch_id": branch, "kind": "red_education_visit", "date": TODAY.isoformat(),
                                   "title": "x", "place": "x", "organizer": "x", "participants": [third["id"]],
                                   "cost": "15.50"})
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["participants"]
    listed = api.get("/activities", params={"branch_id": branch, "page_size": 1}).json()
    assert (listed["total"], listed["page_size"]) == (1, 1)


def test_bulletins_review_meetings_and_the_yearly_figures_from_http(api, branch, wait_for):
    expert = new_member(api, branch, name="赵工", specialties=["城市规划"])
    wait_for(lambda: coverage(api, branch), lambda c: c["total"] == 1)

    body = {"branch_id": branch, "number": 1, "date": TODAY.isoformat(), "reach_online": 20, "reach_offline": 3,
            "items": [{"title": "学习要点", "kind": "article", "link": "https://example.org/1"},
                      {"title": "政策解读", "kind": "policy", "text": "正文"}]}
    published = api.post("/bulletins", body)
    assert published.status_code == 201, published.text
    again = api.post("/bulletins", body)
    assert again.status_code == 409 and "number" in again.json()["fields"]
    gaps = api.get("/bulletin-gaps", params={"branch_id": branch, "year": TODAY.year}).json()
    assert (gaps["issues"], gaps["items"]) == (1, 2)

    meeting = api.post("/review-meetings", {"kind": "lunzheng", "topic": "历史街区保护规划", "date": TODAY.isoformat(),
                                            "organizer": "市规划局",
                                            "participants": [{"member_id": expert["id"], "advice": "保留原有街巷"}]})
    assert meeting.status_code == 201, meeting.text
    assert api.get("/review-meetings", params={"member_id": expert["id"]}).json()["total"] == 1

    figures = api.get("/activity-statistics", params={"year": TODAY.year})
    assert figures.status_code == 200, figures.text
    figures = figures.json()
    assert figures["bulletins"]["issues"] >= 1 and figures["review_meetings"]["meetings"] >= 1
    assert api.get("/activity-statistics", params={"year": "x"}).status_code == 400

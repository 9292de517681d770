"""The activities service in a real nameko container, on RabbitMQ and PostgreSQL.

The broker vhost is shared by the whole test run, so each test uses its own
member and branch ids and looks only at its own events.
"""
import contextlib
import datetime as dt
import functools
import itertools
import uuid

import pytest
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange
from nameko.standalone.rpc import ServiceRpcClient
from nameko.testing.services import entrypoint_waiter

from activities.service import ActivitiesService
from wuji_infra import deadletters, events
from wuji_infra.clock import Clock
from wuji_infra.errors import Conflict, Forbidden, InvalidInput, NotFound
from wuji_infra.testing import publish_message, start_service, wait_until, signed_context

pytestmark = pytest.mark.integration

_ids = itertools.count(5000)



@pytest.fixture
def branch_id():
    return next(_ids)


@pytest.fixture
def activities(container_factory, nameko_config, service_db, amqp_uri):
    service_db("activities")
    return start_service(container_factory, ActivitiesService, nameko_config, amqp_uri)


@pytest.fixture
def rpc(activities, amqp_uri):
    with ServiceRpcClient("activities", uri=amqp_uri, timeout=20, context_data=signed_context()) as client:
        yield client


@pytest.fixture
def publish(activities, amqp_uri):
    return functools.partial(publish_message, amqp_uri, "members")


def member_message(event_type, member_id, branch_id, status="active", name=None):
    return events.to_message(events.new_event(event_type, {
        "member_id": member_id, "branch_id": branch_id, "name": name or f"党员{member_id}",
        "birth_date": dt.date(1940, 1, 1), "status": status, "hardship": False, "lives_alone": False,
        "children_away": False, "mobility_limited": False, "org_relation": "unit",
        "pension_monthly": "4000.00", "specialties": ["城市规划"],
    }, source="members"))


def handled(container, method, times=1):
    successes = []

    def callback(worker_ctx, result, exc_info):
        if exc_info is None:
            successes.append(result)
        return len(successes) >= times
    return entrypoint_waiter(container, method, callback=callback, timeout=20)


@contextlib.contextmanager
def listening(amqp_uri, event_type):
    """A queue bound to activities.events for ``event_type``; yields a function
    waiting for the message whose data matches."""
    with Connection(amqp_uri) as connection:
        queue = Queue(f"test-{event_type}-{uuid.uuid4().hex}", exchange=get_event_exchange("activities"),
                      routing_key=event_type, exclusive=True, auto_delete=True)(connection.default_channel)
        queue.declare()

        def received(**match):
            def find():
                message = queue.get(no_ack=True)
                if message and all(message.payload["data"].get(k) == v for k, v in match.items()):
                    return message.payload
            return events.from_message(wait_until(find), expected_type=event_type)
        yield received


def register(activities, publish, branch_id, count=3):
    member_ids = [next(_ids) for _ in range(count)]
    with handled(activities, "on_member_registered", count):
        for member_id in member_ids:
            publish(member_message("member_registered", member_id, branch_id))
    return member_ids


def test_member_events_keep_the_facts_and_drop_the_dead_and_transferred(activities, rpc, publish, branch_id):
    alive, dead, moved = register(activities, publish, branch_id)
    health = {"member_id": dead, "health_event_id": 1, "date": Clock().today(), "branch_id": branch_id,
              "birth_date": dt.date(1940, 1, 1), "hardship": False, "lives_alone": False}
    with handled(activities, "on_member_deceased"), handled(activities, "on_member_transferred"), \
            handled(activities, "on_member_updated"):
        publish(events.to_message(events.new_event("member_deceased", health, source="members")))
        publish(events.to_message(events.new_event("member_transferred", {
            "member_id": moved, "org_relation": "unit", "community": None, "status": "transferred_out"},
            source="members")))
        publish(member_message("member_updated", alive, branch_id, name="改名后"))

    coverage = rpc.contact_coverage({"branch_id": str(branch_id)})
    assert [(i["member_id"], i["name"]) for i in coverage["items"]] == [(alive, "改名后")]
    assert coverage["branches"] == [{"branch_id": branch_id, "active_members": 1, "not_contacted": 1, "contacted": 0}]

    # the same envelope twice acts once (the inbox)
    again = member_message("member_updated", alive, branch_id, name="第二次")
    with handled(activities, "on_member_updated", 2):
        publish(again)
        publish(again)
    assert rpc.contact_coverage({"branch_id": str(branch_id)})["items"][0]["name"] == "第二次"


def test_a_study_session_is_announced(activities, rpc, publish, amqp_uri, branch_id):
    first, second, third = register(activities, publish, branch_id)
    with listening(amqp_uri, "study_session_recorded") as received:
        session = rpc.record_study_session({
            "branch_id": branch_id, "date": Clock().today().isoformat(), "topic": "学习新修订的党章",
            "materials": ["党章"], "attendees": [first, second]}, "staff1")
        event = received(session_id=session["id"])
    assert event.source == "activities"
    assert (event.data["branch_id"], event.data["attended"], event.data["absent"]) == (branch_id, 2, 1)
    view = rpc.study_compliance({"branch_id": str(branch_id), "year": str(Clock().today().year)})
    assert view["months"][Clock().today().month - 1]["status"] == "held"
    with pytest.raises(InvalidInput) as caught:
        rpc.record_study_session({"branch_id": branch_id, "date": "2026-01-05", "topic": "x", "attendees": [1]})
    assert "attendees" in caught.value.fields


def test_a_contact_is_announced_and_covers_the_member(activities, rpc, publish, amqp_uri, branch_id):
    first, second = register(activities, publish, branch_id, count=2)
    with listening(amqp_uri, "contact_logged") as received:
        contact = rpc.log_contact({
            "branch_id": branch_id, "level": "staff_committee", "contact_by": "老干部科小王",
            "member_id": first, "date": Clock().today().isoformat(), "channel": "phone",
            "learned": {"thoughts": "思想稳定"}})
        event = received(contact_id=contact["id"])
    assert (event.data["level"], event.data["member_id"]) == ("staff_committee", first)
    coverage = rpc.contact_coverage({"branch_id": str(branch_id)}, 1, 10)
    assert [i["member_id"] for i in coverage["items"]] == [second]
    assert rpc.list_contacts({"branch_id": str(branch_id)})["total"] == 1


def test_an_activity_carries_its_cost(activities, rpc, publish, amqp_uri, branch_id):
    members = register(activities, publish, branch_id, count=2)
    with listening(amqp_uri, "activity_recorded") as received:
        activity = rpc.record_activity({
            "branch_id": branch_id, "kind": "themed_practice", "date": Clock().today().isoformat(),
            "title": "主题党日", "place": "社区", "organizer": "王书记", "participants": members,
            "cost": "860.40", "expense_category": "activities"})
        event = received(activity_id=activity["id"])
    assert str(event.data["cost"]) == "860.40" and event.data["participants"] == 2
    assert event.data["expense_category"] == "activities"
    with pytest.raises(InvalidInput) as caught:
        rpc.record_activity({
            "branch_id": branch_id + 100000, "kind": "themed_practice", "date": Clock().today().isoformat(),
            "title": "主题党日", "place": "社区", "organizer": "王书记", "participants": members})
    assert "participants" in caught.value.fields


def test_a_bulletin_is_announced_and_a_number_taken_is_a_conflict(activities, rpc, publish, amqp_uri, branch_id):
    register(activities, publish, branch_id, count=1)
    body = {"branch_id": branch_id, "number": 1, "date": Clock().today().isoformat(), "reach_online": 12,
            "items": [{"title": "学习要点", "kind": "article", "text": "正文"}]}
    with listening(amqp_uri, "bulletin_published") as received:
        bulletin = rpc.publish_bulletin(body)
        event = received(bulletin_id=bulletin["id"])
    assert (event.data["branch_id"], event.data["number"], event.data["items"]) == (branch_id, 1, 1)
    with pytest.raises(Conflict):
        rpc.publish_bulletin(body)
    gaps = rpc.bulletin_gaps({"branch_id": str(branch_id), "year": str(Clock().today().year)})
    assert gaps["issues"] == 1


def test_statistics_on_postgresql(activities, rpc, publish, branch_id):
    members = register(activities, publish, branch_id, count=2)
    today = Clock().today().isoformat()
    rpc.record_study_session({"branch_id": branch_id, "date": today, "topic": "学习", "attendees": members[:1]})
    rpc.record_activity({"branch_id": branch_id, "kind": "culture_show", "date": today, "title": "书画展",
                         "place": "老干部活动中心", "organizer": "王书记", "participants": members,
                         "cost": "300.00", "volunteer_hours": "2.5"})
    rpc.record_review_meeting({"kind": "lunzheng", "topic": "城市更新", "date": today, "organizer": "市住建局",
                               "participants": [{"member_id": m, "advice": "建议"} for m in members]})
    figures = rpc.statistics({"year": str(Clock().today().year)})
    [mine] = [b for b in figures["study_sessions"]["by_branch"] if b["branch_id"] == branch_id]
    assert mine["months"][str(Clock().today().month)] == 1
    assert figures["activities"]["by_kind"]["culture_show"]["count"] >= 1
    assert figures["review_meetings"]["participations"] >= 2


def test_a_secretary_sees_and_writes_only_their_branch_through_rpc(activities, rpc, publish, amqp_uri, branch_id):
    other = next(_ids)
    mine, theirs = register(activities, publish, branch_id, count=1), register(activities, publish, other, count=1)
    today = Clock().today().isoformat()
    for branch, members in ((branch_id, mine), (other, theirs)):
        rpc.record_activity({"branch_id": branch, "kind": "culture_show", "date": today, "title": "书画展",
                             "place": "活动中心", "organizer": "王书记", "participants": members})
        rpc.log_contact({"branch_id": branch, "level": "committee_member", "contact_by": "王书记",
                         "member_id": members[0], "date": today, "channel": "visit",
                         "learned": {"life": "住院治疗中"}})
    other_activity = rpc.list_activities({"branch_id": str(other)})["items"][0]["id"]

    context = signed_context(role="secretary", branch_ids=[branch_id], user="sec")
    with ServiceRpcClient("activities", uri=amqp_uri, timeout=20, context_data=context) as secretary:
        listed = secretary.list_activities({})
        assert {a["branch_id"] for a in listed["items"]} == {branch_id} and listed["total"] == 1
        assert secretary.list_contacts({"branch_id": str(other)})["total"] == 0
        assert [b["branch_id"] for b in secretary.contact_coverage({})["branches"]] == [branch_id]
        with pytest.raises(NotFound):
            secretary.get_activity(other_activity)
        with pytest.raises(Forbidden):
            secretary.publish_bulletin({"branch_id": other, "number": 1, "date": today,
                                        "items": [{"title": "x", "kind": "notice", "text": "y"}]})
    with ServiceRpcClient("activities", uri=amqp_uri, timeout=20,
                          context_data=signed_context(role="viewer", user="leader")) as viewer:
        assert viewer.list_contacts({"branch_id": str(branch_id)})["items"][0]["learned"] == {"life": "***"}


def test_a_member_event_that_breaks_the_contract_goes_to_the_dead_letters(activities, rpc, publish, amqp_uri, branch_id):
    message = member_message("member_registered", next(_ids), branch_id)
    del message["data"]["branch_id"]  # required: the contract names it
    publish(message)
    [parked] = wait_until(lambda: [item for item in deadletters.list_dead_letters("activities", amqp_uri)
                                 if item["event_id"] == message["event_id"]])
    assert parked["attempts"] == 1
    assert rpc.contact_coverage({"branch_id": str(branch_id)})["total"] == 0


def test_a_secretary_records_organization_life_and_a_venue_that_the_scorecard_counts(
        activities, rpc, publish, amqp_uri, branch_id):
    other = next(_ids)
    mine = register(activities, publish, branch_id, count=1)
    today = Clock().today()
    context = signed_context(role="secretary", branch_ids=[branch_id], user="sec")
    with ServiceRpcClient("activities", uri=amqp_uri, timeout=20, context_data=context) as secretary:
        meeting = secretary.record_branch_meeting({"branch_id": branch_id, "kind": "organization_life",
                                                   "date": today.isoformat(), "topic": "组织生活会",
                                                   "participants": mine})
        secretary.add_venue({"branch_id": branch_id, "name": "活动室", "address": "二楼", "since": "2020-01-01"})
        with pytest.raises(Forbidden):
            secretary.add_venue({"branch_id": other, "name": "活动室", "address": "一楼", "since": "2020-01-01"})
        with pytest.raises(InvalidInput):
            secretary.record_branch_meeting({"branch_id": branch_id, "kind": "theme_day",
                                             "date": (today + dt.timedelta(days=1)).isoformat(),
                                             "topic": "主题党日", "participants": mine})
        assert secretary.get_branch_meeting(meeting["id"])["kind"] == "organization_life"
        card = secretary.scorecard_items({"year": today.year, "as_of": today.isoformat(), "branch_ids": None})
    items = {item["key"]: item for item in card["branches"][0]["items"]}
    assert [b["branch_id"] for b in card["branches"]] == [branch_id]
    met = items["organization_life_meeting"]
    assert (met["met"], met["missing"], met["misses"]) == (True, [], 0)
    assert items["venue"]["met"] and items["democratic_review"]["missing"] == ["本年尚未开展民主评议党员"]


def test_annual_figures_and_scorecard_items_through_rpc_in_a_secretarys_scope(activities, rpc, publish, amqp_uri,
                                                                               branch_id):
    other = next(_ids)
    mine, theirs = register(activities, publish, branch_id, count=2), register(activities, publish, other, count=1)
    today = Clock().today()
    for branch, members in ((branch_id, mine), (other, theirs)):
        rpc.record_study_session({"branch_id": branch, "date": today.isoformat(), "topic": "学习",
                                  "attendees": members})
    query = {"year": today.year, "as_of": today.isoformat()}
    context = signed_context(role="secretary", branch_ids=[branch_id], user="sec")
    with ServiceRpcClient("activities", uri=amqp_uri, timeout=20, context_data=context) as secretary:
        figures = secretary.annual_figures(query)
        assert [row["branch_id"] for row in figures["study_by_branch"]] == [branch_id]
        [row] = figures["study_by_branch"]
        assert row["total"] == 1 and row["months"][today.month - 1] == 1
        cards = secretary.scorecard_items(dict(query, branch_ids=None))
        assert [card["branch_id"] for card in cards["branches"]] == [branch_id]
        keys = {item["key"] for item in cards["branches"][0]["items"]}
        assert {"study_monthly", "contacts_quarterly", "bulletin_weekly"} <= keys
        contacts = next(i for i in cards["branches"][0]["items"] if i["key"] == "contacts_quarterly")
        assert not contacts["met"] and contacts["misses"] == 2 and len(contacts["missing"]) == 2
        with pytest.raises(InvalidInput):
            secretary.annual_figures({"year": today.year, "as_of": f"{today.year - 1}-12-31"})


def test_a_withdrawal_published_twice_takes_the_member_out_of_the_coverage_once(activities, rpc, publish, branch_id):
    kept, gone = next(_ids), next(_ids)
    with handled(activities, "on_member_registered", times=2):
        publish(member_message("member_registered", kept, branch_id))
        publish(member_message("member_registered", gone, branch_id))
    withdrawn = events.to_message(events.new_event("member_withdrawn", {
        "member_id": gone, "branch_id": branch_id, "withdrawn_at": dt.datetime.now(dt.timezone.utc)},
        source="members"))
    with handled(activities, "on_member_withdrawn", times=2):
        publish(withdrawn)
        publish(withdrawn)
    coverage = rpc.contact_coverage({"branch_id": str(branch_id)})
    assert [item["member_id"] for item in coverage["items"]] == [kept]
    with pytest.raises(InvalidInput):  # nor expected at a study session
        rpc.record_study_session({"branch_id": branch_id, "date": dt.date.today().isoformat(), "topic": "学习",
                                  "materials": [], "attendees": [gone]})

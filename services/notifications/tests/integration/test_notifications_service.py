"""The notifications service in a real nameko container, on RabbitMQ and PostgreSQL, pushing to a
local HTTP server that stands in for the office group's robot."""
import datetime as dt
import itertools

import pytest
from nameko.standalone.rpc import ServiceRpcClient
from nameko.testing.services import entrypoint_waiter

from notifications.service import NotificationsService
from wuji_infra import events
from wuji_infra.testing import free_port, publish_message, signed_context, start_service, wait_until

pytestmark = pytest.mark.integration

_member_ids = itertools.count(3000)


@pytest.fixture
def notifications(container_factory, nameko_config, service_db, amqp_uri, robot, monkeypatch):
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", robot.url("/robot/send?access_token=t"))
    monkeypatch.setenv("NOTIFY_WEBHOOK_KIND", "dingtalk")
    monkeypatch.setenv("METRICS_PORT", str(free_port()))
    service_db("notifications")
    container = start_service(container_factory, NotificationsService, nameko_config, amqp_uri)
    with ServiceRpcClient("notifications", uri=amqp_uri, timeout=20, context_data=signed_context("admin")) as rpc:
        rpc.set_notification_policy({"quiet_hours": None})  # a run at night must not wait for the morning
    return container


@pytest.fixture
def staff_rpc(notifications, amqp_uri):
    with ServiceRpcClient("notifications", uri=amqp_uri, timeout=20, context_data=signed_context("staff")) as client:
        yield client


def hospitalized(member_id):
    return events.to_message(events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": member_id * 10, "date": dt.date.today(), "hospital": "市第二医院",
        "branch_id": 1, "birth_date": dt.date(1938, 3, 8), "hardship": True, "lives_alone": False,
    }, source="members"))


def test_the_same_event_twice_makes_one_item_and_one_push(notifications, staff_rpc, amqp_uri, robot):
    member_id = next(_member_ids)
    message = hospitalized(member_id)
    with entrypoint_waiter(notifications, "on_member_hospitalized"):
        publish_message(amqp_uri, "members", message)
    with entrypoint_waiter(notifications, "on_member_hospitalized"):
        publish_message(amqp_uri, "members", message)
    items = staff_rpc.list_todos({"member_id": str(member_id)})["items"]
    assert [item["kind"] for item in items] == ["member_hospitalized"]
    pushed = [message["body"] for message in wait_until(lambda: robot.naming(f"#{member_id}"), "the push")]
    assert pushed == [{"msgtype": "text", "text": {"content": pushed[0]["text"]["content"]}}]
    assert "市第二医院" not in pushed[0]["text"]["content"]
    deliveries = staff_rpc.list_deliveries({"status": "sent"})["items"]
    assert [row["item_id"] for row in deliveries].count(items[0]["id"]) == 1
    # a pass of the sender later sends nothing more
    wait_until(lambda: staff_rpc.list_deliveries({"status": "pending"})["total"] == 0, "nothing pending")
    assert len(robot.naming(f"#{member_id}")) == 1


def test_the_service_serves_its_metrics_on_its_port(notifications, staff_rpc, amqp_uri):
    import requests
    member_id = next(_member_ids)
    with entrypoint_waiter(notifications, "on_member_hospitalized"):
        publish_message(amqp_uri, "members", hospitalized(member_id))
    staff_rpc.list_todos({})
    from wuji_infra import config
    text = requests.get(f"http://127.0.0.1:{config.env('METRICS_PORT')}/metrics", timeout=10).text
    assert 'wuji_events_total{handler="notifications.on_member_hospitalized",outcome="ok",service="notifications"}' in text
    assert 'entrypoint="list_todos",kind="rpc",outcome="ok",service="notifications"' in text
    assert 'wuji_outbox_waiting{service="notifications"}' in text
    assert 'wuji_dead_letters{service="notifications"} 0.0' in text

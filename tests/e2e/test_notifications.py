"""Reminders that reach people, end to end: a hospitalization recorded over HTTP puts an item on the
branch secretary's to-do list and a message on the office group's robot (a local HTTP server
standing in for 企业微信), within seconds; the visit done, the item closes."""
import datetime as dt
import json
import os
import time
import uuid

import pytest

from members.domain.roster import id_number_for
from wuji_infra.testing import Api, LocalRobot, fresh_vhost, running_system, wait_until

from .conftest import ADMIN_PASSWORD, ROOT

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
HOSPITAL = "市第一人民医院"


@pytest.fixture(scope="module")
def robot():
    robot = LocalRobot()
    yield robot
    robot.close()


@pytest.fixture(scope="module")
def system(robot):
    with fresh_vhost("wuji-e2e") as amqp_uri, running_system(
            ROOT, amqp_uri, ADMIN_PASSWORD, prefix="wuji_notify",
            extra_env={"NOTIFY_WEBHOOK_URL": robot.url(), "NOTIFY_WEBHOOK_KIND": "wecom",
                       "NOTIFY_TIMEOUT_SECONDS": "1"}) as running:  # a lease of 7 s: a crash is mended soon
        yield running


def register(api, name, number):
    branch = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市民政局"}).json()["id"]
    born = dt.date(1936, 3, 9)
    return api.post("/members", {
        "name": name, "gender": "female", "id_number": id_number_for(born, number), "birth_date": born.isoformat(),
        "branch_id": branch, "retirement_kind": "tuixiu"}).json()


def test_a_hospitalization_reaches_the_secretary_and_the_group_within_seconds(system, api, robot):
    # the office's quiet hours would hold an immediate push at night: none for this test
    policy = api.put("/notifications/policy", {"quiet_hours": None})
    assert policy.status_code == 200, policy.text
    member = register(api, "周桂兰", 731)
    branch = member["branch_id"]
    password = "Secretary-pass-9"
    made = api.post("/accounts", {"username": "zhou-branch", "password": password, "role": "secretary",
                                  "display_name": "刘书记", "branch_ids": [branch]})
    assert made.status_code == 201, made.text
    secretary = Api(system.base_url).login("zhou-branch", password)

    recorded = api.post(f"/members/{member['id']}/health-events",
                        {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": HOSPITAL})
    assert recorded.status_code == 201, recorded.text

    def secretary_items():
        return secretary.get("/todos").json()["items"]
    [item] = wait_until(secretary_items, "the secretary's to-do item", seconds=15)
    assert (item["kind"], item["member_id"], item["status"]) == ("member_hospitalized", member["id"], "open")
    assert "周桂兰" in item["title"] and HOSPITAL not in item["title"]

    [message] = wait_until(lambda: robot.naming("周桂兰"), "the robot's message", seconds=15)
    assert message["path"] == "/cgi-bin/webhook/send?key=test"
    assert message["content_type"].startswith("application/json")
    assert set(message["body"]) == {"msgtype", "text"} and message["body"]["msgtype"] == "text"
    assert set(message["body"]["text"]) == {"content"}
    assert HOSPITAL not in message["body"]["text"]["content"]

    # the visit done, the item closes for everyone: the work itself was done
    [task] = wait_until(lambda: api.get("/visit-tasks", params={"member_id": member["id"]}).json()["items"],
                        "the hospital visit task")
    done = secretary.post(f"/visit-tasks/{task['id']}/complete",
                          {"visited_on": TODAY.isoformat(), "visitors": ["刘书记"]})
    assert done.status_code == 200, done.text
    wait_until(lambda: secretary.get("/todos", params={"status": "closed"}).json()["total"] == 1,
               "the item closed by the visit")
    assert secretary.get("/todos").json()["counts"]["open"] == 0

    log = api.get("/notifications/deliveries", params={"status": "sent"}).json()
    assert [row["channel"] for row in log["items"] if row["item_id"] == item["id"]] == ["webhook"]
    assert len(robot.naming("周桂兰")) == 1


def test_a_crash_between_the_push_and_its_record_repeats_that_push_once_and_no_more(system, api, robot):
    """The guarantee of docs/notifications.md: at least once, one repeat per crash, never lost."""
    # today's digest (due from hour 0) goes out first, with no failpoint: the crash below is the item's push
    assert api.put("/notifications/policy", {"quiet_hours": None, "digest_hour": 0}).status_code == 200
    system.stop("notifications")
    system.start("notifications")
    system.wait_healthy()
    wait_until(lambda: api.get("/notifications/deliveries", params={"status": "pending"}).json()["total"] == 0,
               "nothing waiting to be pushed")
    member = register(api, "吴秀珍", 732)
    system.stop("notifications")
    system.start("notifications", WUJI_FAILPOINTS="after_push")
    system.wait_healthy()
    recorded = api.post(f"/members/{member['id']}/health-events",
                        {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": HOSPITAL})
    assert recorded.status_code == 201, recorded.text
    assert system.exited("notifications") == 86  # killed after the robot answered, before the record
    assert len(robot.naming("吴秀珍")) == 1

    system.start("notifications")
    system.wait_healthy()
    wait_until(lambda: len(robot.naming("吴秀珍")) == 2, "the push sent again once its lease ran out", seconds=30)
    wait_until(lambda: api.get("/notifications/deliveries", params={"status": "pending"}).json()["total"] == 0,
               "the push recorded sent")
    time.sleep(4)  # two more passes of the sender: nothing more goes out
    assert len(robot.naming("吴秀珍")) == 2


def test_one_hospitalization_is_followed_across_the_processes_by_its_request_id(system, api, robot):
    """Structured logs: the request id of the POST is on the lines of every process it reached."""
    member = register(api, "孙玉梅", 733)
    key = f"follow-{uuid.uuid4().hex[:12]}"
    recorded = api.post(f"/members/{member['id']}/health-events",
                        {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": HOSPITAL},
                        headers={"Idempotency-Key": key})
    assert recorded.status_code == 201, recorded.text
    wait_until(lambda: robot.naming("孙玉梅"), "the robot's message", seconds=15)

    def lines_of(process):
        with open(os.path.join(system.log_dir, f"{process}.log"), encoding="utf-8", errors="replace") as log:
            return [json.loads(line) for line in log if line.startswith("{") and key in line]
    reached = wait_until(lambda: (lambda found: found if len(found) == 5 else None)(
        {p for p in ("gateway", "members", "welfare", "funding", "notifications") if lines_of(p)}),
        "the request id in every process's log", seconds=15)
    assert reached == {"gateway", "members", "welfare", "funding", "notifications"}
    handled = [line for line in lines_of("welfare") if "handled member_hospitalized" in line["message"]]
    assert handled and handled[0]["request_id"] == key and handled[0]["process"] == "welfare"

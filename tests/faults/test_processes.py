"""Processes killed, stopped and paused at the worst moments."""
import datetime as dt
import signal
import time
import uuid

import pytest

from wuji_infra.testing import answered

pytestmark = [pytest.mark.e2e, pytest.mark.faults]



def test_a_producer_killed_between_its_commit_and_its_publish(system, ward, record):
    [member] = ward.members(1)
    system.stop("members")
    system.start("members", WUJI_FAILPOINTS="after_commit")
    system.wait_healthy()
    key = str(uuid.uuid4())
    cut = ward.hospitalize(member, key)          # members commits, then dies before publishing
    assert cut.status_code == 503, cut.text
    assert system.exited("members") == 86
    system.start("members")
    system.wait_healthy()
    retried = answered(lambda: ward.hospitalize(member, key), "the retry")
    assert retried.status_code == 201, retried.text
    listed = ward.api.get(f"/members/{member}/health-events").json()
    assert [event["id"] for event in listed["items"]] == [retried.json()["id"]]  # the retry booked nothing new
    record("producer killed between commit and publish", **ward.count([member]),
           note="the request answered 503; its retry with the key answered the first result")


def test_consumers_killed_between_their_commit_and_their_ack(system, ward, record):
    members = ward.members(3)
    for name in ("welfare", "funding"):
        system.stop(name)
        system.start(name, WUJI_FAILPOINTS="after_handling:member_hospitalized")
    system.wait_healthy()
    ward.admit(members)
    assert system.exited("welfare") == 86 and system.exited("funding") == 86  # each died on the first event
    for name in ("welfare", "funding"):
        system.start(name)
    system.wait_healthy()
    record("consumers killed after their commit, before their ack", **ward.count(members),
           note="the first event came again to each restarted consumer; its inbox row said it was done")


def test_a_service_stopped_during_a_call_answers_503_and_does_nothing_afterwards(system, api, record):
    year = dt.date.today().year
    budget = {"year": year, "source": "unit_subsidy", "amount": "1234.00", "note": f"故障测试 {uuid.uuid4().hex[:6]}"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    system.processes["funding"].send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        stopped = api.post("/funding/budgets", budget, headers=key)
        waited = time.monotonic() - started
    finally:
        system.kill("funding")                   # its call stays unacknowledged: the broker hands it on
    assert stopped.status_code == 503, stopped.text
    deadline = float(system.env.get("RPC_TIMEOUT_SECONDS") or 5)
    assert waited < deadline + 3, f"503 after {waited:.1f}s, deadline {deadline}s"
    system.start("funding")                      # takes the call again, past its deadline
    system.wait_healthy()
    time.sleep(2)

    def booked():
        listed = api.get("/funding/budgets", params={"year": year, "page_size": 500})
        assert listed.status_code == 200, listed.text
        return [row for row in listed.json()["items"] if row["description"] == budget["note"]]

    assert booked() == []                        # nothing done after the 503
    retried = answered(lambda: api.post("/funding/budgets", budget, headers=key), "the retry")
    assert retried.status_code == 201, retried.text
    came_out = len(booked())
    record("service stopped during an RPC", sent=1, expected=1, came_out=came_out, lost=int(came_out == 0),
           doubled=max(0, came_out - 1),
           note=f"503 after {waited:.1f}s (deadline {deadline:.0f}s); none booked after it; the retry booked one")


def test_a_consumer_paused_past_the_heartbeat_while_a_second_one_works(system, ward, record, heartbeat):
    members = ward.members(12)
    system.start("welfare", replica=2)
    system.wait_healthy()
    paused = system.processes["welfare"]
    admitting = ward.admit_in_background(members, pause=0.2)
    time.sleep(1.0)
    paused.send_signal(signal.SIGSTOP)           # mid-stream: it holds unacknowledged events
    try:
        time.sleep(3 * heartbeat)        # the broker gives up on it after two heartbeats
    finally:
        paused.send_signal(signal.SIGCONT)
    admitting.wait()
    try:
        record("consumer paused (SIGSTOP) past the heartbeat", **ward.count(members),
               note=f"welfare paused {3 * heartbeat}s mid-stream beside a second welfare process")
    finally:
        system.stop("welfare#2")

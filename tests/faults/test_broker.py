"""The broker restarted, its connections closed, and a network in front of it that is slow,
silent or resetting."""
import subprocess
import time
import urllib.parse

import pytest

from wuji_infra.testing import BrokerProxy

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

THROUGH_PROXY = ("welfare", "funding")


def vhost(system):
    return urllib.parse.unquote(urllib.parse.urlsplit(system.env["AMQP_URI"]).path[1:]) or "/"


def test_every_connection_closed_by_the_broker_twice(system, ward, record):
    members = ward.members(20)
    admitting = ward.admit_in_background(members, pause=0.1)
    for _ in range(2):
        time.sleep(0.8)
        subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "--vhost", vhost(system), "fault test"],
                       check=True, timeout=60)
    admitting.wait()
    record("broker closed every connection (twice, mid-stream)", **ward.count(members),
           note="rabbitmqctl close_all_connections; requests answered 503 were retried with their keys")


def test_the_broker_restarted(system, ward, record):
    members = ward.members(5)
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    try:
        admitting = ward.admit_in_background(members, pause=0.1)
        time.sleep(2)
    finally:
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
        subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, timeout=120)
    admitting.wait()
    system.wait_healthy(seconds=120)
    record("broker restarted while requests came in", **ward.count(members),
           note="requests sent while it was down answered 503 and were retried")


@pytest.fixture(scope="module")
def proxy(system):
    """welfare and funding talk to the broker through a proxy the test controls."""
    parts = urllib.parse.urlsplit(system.env["AMQP_URI"])
    proxy = BrokerProxy(parts.hostname, parts.port or 5672)
    through = parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}").geturl()
    for name in THROUGH_PROXY:
        system.stop(name)
        system.start(name, AMQP_URI=through)
    system.wait_healthy()
    yield proxy
    proxy.latency, proxy.holding = 0.0, False
    for name in THROUGH_PROXY:
        system.stop(name)
        system.start(name)
    system.wait_healthy()
    proxy.close()


def test_a_slow_network_to_the_broker(system, ward, proxy, record):
    members = ward.members(5)
    proxy.latency = 0.2
    try:
        ward.admit(members)
        counted = ward.count(members)
    finally:
        proxy.latency = 0.0
    record("200 ms added to every packet to and from the broker", **counted,
           note="welfare and funding through a TCP proxy")


def test_the_network_to_the_broker_silent_for_less_than_two_heartbeats(system, ward, proxy, record, heartbeat):
    members = ward.members(5)
    before = proxy.accepted
    proxy.holding = True
    try:
        ward.admit(members)                       # members publishes; the consumers hear nothing
        # one heartbeat: with the last one heard up to half a heartbeat before the silence, the
        # connection is still short of the two missed heartbeats after which it is dropped
        time.sleep(heartbeat)
    finally:
        proxy.holding = False
    counted = ward.count(members)
    assert proxy.accepted == before, "a connection was made again: the broker gave up too early"
    record(f"network silent {heartbeat}s (a blackhole shorter than two heartbeats)",
           **counted, note="the held bytes went on; the connections survived")


def test_the_network_to_the_broker_silent_past_two_heartbeats(system, ward, proxy, record, heartbeat):
    members = ward.members(5)
    before = proxy.accepted
    proxy.holding = True
    try:
        ward.admit(members)
        time.sleep(3 * heartbeat)
    finally:
        proxy.holding = False
    counted = ward.count(members, seconds=120)
    assert proxy.accepted > before, "the consumers never reconnected"
    record(f"network silent {3 * heartbeat}s (a blackhole past two heartbeats)", **counted,
           note=f"the broker dropped the silent connections; {proxy.accepted - before} new ones were made")


def test_every_connection_to_the_broker_reset(system, ward, proxy, record):
    members = ward.members(20)
    before = proxy.accepted
    admitting = ward.admit_in_background(members, pause=0.1)
    for _ in range(3):
        time.sleep(0.7)
        proxy.reset()
    admitting.wait()
    counted = ward.count(members, seconds=120)
    assert proxy.accepted > before
    record("every connection to the broker reset (TCP RST, 3 times mid-stream)", **counted,
           note=f"{proxy.accepted - before} connections made again")

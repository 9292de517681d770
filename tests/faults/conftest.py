"""Faults: what goes wrong in production, done to the running system on purpose.

Each test does one fault while members are hospitalized over HTTP, then counts the effects
a hospitalization must have exactly once: a visit task (welfare) and a subsidy check
(funding). It records what it sent, what came out, and how many effects were lost or
doubled, and fails unless both are 0. ``make faults`` runs this folder alone and prints the
table at the end; ``make test`` runs it with the rest.

The system runs with a 5 s AMQP heartbeat, so that a silent connection is noticed in 10 s
rather than 60 (the production default is 30 s).
"""
import os
import uuid

import pytest

from wuji_infra.testing import Api, Ward, fresh_vhost, running_system

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADMIN_PASSWORD = "faults-Admin-pass-1"
HEARTBEAT_SECONDS = 5
RESULTS = []


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("faults: what each sent, what came out, effects lost and doubled")
    write(f"{'fault':<68} {'sent':>5} {'effects expected':>17} {'came out':>9} {'lost':>5} {'doubled':>8}")
    for row in RESULTS:
        write(f"{row['fault']:<68} {row['sent']:>5} {row['expected']:>17} {row['came_out']:>9} "
              f"{row['lost']:>5} {row['doubled']:>8}")
        if row["note"]:
            write(f"    {row['note']}")


@pytest.fixture
def record():
    """``record(fault, sent, expected, came_out, lost, doubled, note="")``: a row of the table, then
    the verdict. ``sent``: requests or events sent; the rest count the effects they must have."""
    def record(fault, sent, expected, came_out, lost, doubled, note=""):
        RESULTS.append({"fault": fault, "sent": sent, "expected": expected, "came_out": came_out,
                        "lost": lost, "doubled": doubled, "note": note})
        assert (lost, doubled) == (0, 0), f"{fault}: {lost} effects lost, {doubled} doubled ({note})"
    return record


@pytest.fixture(scope="module")
def system():
    with fresh_vhost("wuji-faults") as amqp_uri, \
            running_system(ROOT, amqp_uri, ADMIN_PASSWORD, prefix="wuji_faults",
                           extra_env={"AMQP_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS)}) as running:
        yield running


@pytest.fixture
def heartbeat(system):
    """The running system's AMQP heartbeat, in seconds."""
    return int(system.env["AMQP_HEARTBEAT_SECONDS"])


@pytest.fixture
def api(system):
    return Api(system.base_url).login("admin", ADMIN_PASSWORD)


@pytest.fixture
def ward(api):
    response = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"})
    assert response.status_code == 201, response.text
    return Ward(api, response.json()["id"])

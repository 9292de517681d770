"""The whole system with each process on its own broker user (wuji_infra.broker_users):
a hospitalization still becomes a visit task and a subsidy check, and the
processes' users cannot forge one another's events."""
import datetime as dt
import uuid

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Producer

from members.domain.roster import id_number_for
from wuji_infra import config
from wuji_infra.testing import fresh_vhost, process_users, running_system

from .conftest import ADMIN_PASSWORD, ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """Overrides the conftest's system: every process gets its own URI, and the
    shared AMQP_URI names no user at all, so a process that fell back on it would not start."""
    with fresh_vhost("wuji-e2e-users") as amqp_uri, \
            process_users(amqp_uri, str(tmp_path_factory.mktemp("users"))) as uris:
        own = {f"{process.upper()}_AMQP_URI": uri for process, uri in uris.items()}
        nobody = amqp_uri.replace("//", "//nobody:nothing@", 1).replace("guest:guest@", "")
        with running_system(ROOT, nobody, ADMIN_PASSWORD, extra_env=own) as running:
            running.uris = uris
            yield running


def test_a_hospitalization_becomes_a_visit_task_and_a_subsidy_check(api, wait_for):
    branch = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市民政局"})
    assert branch.status_code == 201, branch.text
    born = dt.date(1938, 3, 1)
    member = api.post("/members", {
        "name": "测试党员", "gender": "male", "id_number": id_number_for(born, 1), "birth_date": born.isoformat(),
        "branch_id": branch.json()["id"], "retirement_kind": "tuixiu", "hardship": False, "lives_alone": False,
    })
    assert member.status_code == 201, member.text
    member_id = member.json()["id"]

    recorded = api.post(f"/members/{member_id}/health-events",
                        {"kind": "hospitalized", "date": dt.date.today().isoformat(), "hospital": "市第一人民医院"})
    assert recorded.status_code == 201, recorded.text

    tasks = wait_for(lambda: api.get("/visit-tasks", params={"member_id": member_id}).json()["items"])
    assert [task["cause"] for task in tasks] == ["hospitalized"]
    checks = wait_for(lambda: api.get("/subsidy-checks", params={"member_id": member_id}).json()["items"])
    assert len(checks) == 1


@pytest.mark.parametrize("process", [p for p in config.PROCESSES if p != "members"])
def test_no_other_process_can_announce_a_hospitalization(system, process):
    with Connection(system.uris[process], transport_options={"confirm_publish": True}) as connection:
        with pytest.raises(AccessRefused):
            Producer(connection.channel()).publish(
                {"event_type": "member_hospitalized"}, serializer="json", routing_key="member_hospitalized",
                exchange=Exchange("members.events", type="topic", durable=True), retry=False)

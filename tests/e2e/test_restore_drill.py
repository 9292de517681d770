"""The restore drill: welfare put back from an older backup while the others ran on, then
brought level by replaying what it missed (members' outbox republished, members.replay), ends
in the same state it had before the restore, on PostgreSQL, with the commands an operator runs."""
import datetime as dt
import itertools
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

sequence = itertools.count(500)
TODAY = dt.date.today()


def command(system, *args):
    done = subprocess.run([sys.executable, "-m", *args], env=system.env, cwd=system.root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def welfare_state(system):
    """What welfare holds, without its row ids: the visit tasks and its copy of the roster."""
    engine = sa.create_engine(system.env["WELFARE_DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            tasks = connection.execute(sa.text(
                "SELECT member_id, cause, reason, due_date, status FROM visit_tasks")).all()
            facts = connection.execute(sa.text(
                "SELECT member_id, branch_id, status, lives_alone, hardship FROM member_facts")).all()
    finally:
        engine.dispose()
    return sorted(map(tuple, tasks)), sorted(map(tuple, facts))


def new_member(api, branch):
    born = dt.date(1938, 4, 1)
    response = api.post("/members", {
        "name": "演练党员", "gender": "female", "id_number": id_number_for(born, next(sequence)),
        "birth_date": born.isoformat(), "branch_id": branch, "retirement_kind": "lixiu"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def health_event(api, member_id, kind):
    response = api.post(f"/members/{member_id}/health-events",
                        {"kind": kind, "date": TODAY.isoformat(), "hospital": "市中医院"})
    assert response.status_code == 201, response.text


def test_welfare_restored_from_an_older_backup_and_replayed_ends_in_the_same_state(system, api, wait_for, tmp_path):
    branch = api.post("/branches", {"name": f"演练支部{uuid.uuid4().hex[:4]}", "unit": "市住房和城乡建设局"}).json()["id"]
    first = [new_member(api, branch) for _ in range(3)]
    for member_id in first[:2]:
        health_event(api, member_id, "hospitalized")
    wait_for(lambda: len(welfare_state(system)[0]) >= 2, seconds=30)

    backup_file = str(tmp_path / "welfare.dump")
    taken_at = dt.datetime.now(dt.timezone.utc)
    command(system, "wuji_infra.backup", "dump", "welfare", backup_file)   # welfare running
    at_backup = welfare_state(system)

    # the rest of the day, of which welfare's backup knows nothing
    later = [new_member(api, branch) for _ in range(2)]
    for member_id in later + first[2:]:
        health_event(api, member_id, "hospitalized")
    health_event(api, first[0], "deceased")
    changed = api.patch(f"/members/{first[1]}", {"lives_alone": True, "hardship": True})
    assert changed.status_code == 200, changed.text
    time.sleep(3)
    before = wait_for(lambda: welfare_state(system), lambda state: len(state[0]) >= 6, seconds=30)
    assert before != at_backup

    system.stop("welfare")
    command(system, "wuji_infra.backup", "restore", "welfare", backup_file)
    assert welfare_state(system) == at_backup                                 # the older state is back
    system.start("welfare")
    system.wait_healthy()

    since = (taken_at - dt.timedelta(minutes=1)).isoformat()
    assert "marked for publishing again" in command(system, "wuji_infra.backup", "republish", "members", "--since", since)
    assert "member_updated queued" in command(system, "members.replay")
    after = wait_for(lambda: welfare_state(system), lambda state: state == before, seconds=60)
    assert after == before

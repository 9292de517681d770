"""A service that lost its copy of the roster gets it back: ``python -m members.replay``."""
import datetime as dt
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from members.domain.roster import id_number_for
from wuji_infra.config import env

pytestmark = pytest.mark.e2e


def recreate_database(url):
    """Drop a service's database and create it empty, as after a lost disk with no backup."""
    admin = sa.create_engine(env("WUJI_TEST_POSTGRES_URL"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    database = sa.engine.make_url(url).database
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()


def test_funding_rebuilt_from_nothing_learns_the_roster_again(system, api, wait_for):
    year = dt.date.today().year
    branch = api.post("/branches", {"name": f"离退休第{uuid.uuid4().hex[:6]}支部", "unit": "市住房和城乡建设局"}).json()
    for i, pension in enumerate(["4000.00", "6000.00"]):
        created = api.post("/members", {
            "name": f"党员{i}", "gender": "male", "id_number": id_number_for(dt.date(1940 + i, 3, 3), i),
            "birth_date": f"194{i}-03-03", "branch_id": branch["id"], "retirement_kind": "tuixiu",
            "pension_monthly": pension})
        assert created.status_code == 201, created.text

    def fix_dues():
        answer = api.post("/funding/dues/rates", {"year": year, "from_month": 1})
        assert answer.status_code == 200, answer.text
        return answer.json()

    # funding knows both members (from member_registered) ...
    known = wait_for(fix_dues, lambda fixed: fixed["fixed"] + fixed["already_fixed"] == 2)
    assert known["fixed"] + known["already_fixed"] == 2

    # ... until its database is lost: rebuilt empty, it knows nobody
    system.stop("funding")
    recreate_database(system.env["FUNDING_DATABASE_URL"])
    system.start("funding")
    system.wait_healthy()
    assert fix_dues()["fixed"] == 0

    replay = subprocess.run([sys.executable, "-m", "members.replay"], cwd=system.root, env=system.env,
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stderr
    assert "member_updated queued for 2 members" in replay.stdout

    # the replayed facts arrive one by one: fix again until both are known
    def rates():
        fix_dues()
        return api.get("/funding/dues/rates", params={"year": year}).json()["items"]

    fixed = wait_for(rates, lambda items: len(items) == 2)
    assert sorted(rate["monthly_amount"] for rate in fixed) == ["20.00", "60.00"]

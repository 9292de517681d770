"""Two processes of every service at once (competing consumers on the same queues, CONTRACT: any
Procfile line may run as several processes): many hospitalizations, activities and visits at
once, every effect exactly once, and the timers' work (birthday visits) done once though both
welfare processes start their daily run at the same moment."""
import concurrent.futures
import datetime as dt
import time
import uuid
from decimal import Decimal

import pytest

from members.domain.roster import id_number_for
from wuji_infra import config
from wuji_infra.testing import Api, fresh_vhost, running_system, wait_until

from .conftest import ADMIN_PASSWORD, ROOT

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
YEAR = TODAY.year
MEMBERS = 20
BIRTHDAYS = 6   # of them, 90 years old today: a milestone birthday visit each
ACTIVITIES = 10
CASH, COST = Decimal("50.00"), Decimal("100.00")


@pytest.fixture(scope="module")
def system():
    with fresh_vhost("wuji-e2e") as amqp_uri, \
            running_system(ROOT, amqp_uri, ADMIN_PASSWORD, prefix="wuji_replicas") as running:
        yield running


def created(response):
    assert response.status_code in (200, 201), response.text
    return response.json()


def sent(api, path, body):
    """A write as a front end sends it: one key, and again with it after a 503 (nothing was done;
    under this burst eleven processes may run a database's connections short)."""
    key = str(uuid.uuid4())
    for _ in range(8):
        response = api.post(path, body, headers={"Idempotency-Key": key})
        if response.status_code != 503:
            break
        time.sleep(0.5)
    return created(response)


def got(api, path, params):
    """A read as a front end makes it: again after a 503 (the database's connections run short,
    as for ``sent``); any other answer but 200 fails the test."""
    for _ in range(8):
        response = api.get(path, params=params)
        if response.status_code != 503:
            break
        time.sleep(0.5)
    assert response.status_code == 200, response.text
    return response.json()


def born_for(n):
    if n < BIRTHDAYS:  # ninety today (29 February: a year with it is not needed here)
        return TODAY.replace(year=TODAY.year - 90) if not (TODAY.month == 2 and TODAY.day == 29) else dt.date(1936, 2, 28)
    return dt.date(1938, 1 + n % 12, 1 + n % 28)


def test_two_of_each_service_do_every_effect_once(system, api):
    branch = created(api.post("/branches", {"name": f"双实例支部{uuid.uuid4().hex[:4]}", "unit": "市民政局"}))["id"]
    for source in ("special_fund", "dues_rebate", "public_fund", "unit_subsidy"):
        created(api.post("/funding/budgets", {"year": YEAR, "source": source, "amount": "100000.00"}))
    members = [created(api.post("/members", {
        "name": f"双实例党员{n}", "gender": "male", "id_number": id_number_for(born_for(n), 700 + n),
        "birth_date": born_for(n).isoformat(), "branch_id": branch, "retirement_kind": "tuixiu",
        "lives_alone": True, "hardship": True}))["id"] for n in range(MEMBERS)]
    # the facts reached welfare (every member lives alone: all are unpaired)
    wait_until(lambda: got(api, "/unpaired-members", {"branch_id": branch})["total"] == MEMBERS,
               "the members in welfare", seconds=30)

    # a second process of each service; both welfare processes start their daily run at once
    system.stop("welfare")
    for name in config.SERVICES:
        system.start(name, replica=2)
    system.start("welfare")
    system.wait_healthy()

    def hospitalize(member_id):
        return sent(api, f"/members/{member_id}/health-events",
                    {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": "市第一人民医院"})

    def activity(n):
        return sent(api, "/activities", {
            "branch_id": branch, "kind": "red_education_visit", "date": TODAY.isoformat(), "title": f"参观{n}",
            "place": "南湖", "organizer": "王书记", "participants": members[:3], "cost": str(COST)})

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(hospitalize, members))
        list(pool.map(activity, range(ACTIVITIES)))

    def hospital_tasks():
        items = got(api, "/visit-tasks", {"cause": "hospitalized", "page_size": 100})["items"]
        return [t for t in items if t["member_id"] in members]
    tasks = wait_until(lambda: (lambda found: found if len(found) >= MEMBERS else None)(hospital_tasks()),
                       "a hospital visit for each member", seconds=60)
    assert sorted(t["member_id"] for t in tasks) == sorted(members)

    def visit(task):
        return sent(api, f"/visit-tasks/{task['id']}/complete", {
            "visited_on": TODAY.isoformat(), "visitors": ["王书记"], "cash": str(CASH)})

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(visit, tasks))

    expected = CASH * MEMBERS + COST * ACTIVITIES

    def spent():
        sources = got(api, "/funding/balances", {"year": YEAR})["sources"]
        return sum(Decimal(source["spent"]) for source in sources.values())
    wait_until(lambda: spent() >= expected, "the visits' and activities' money booked", seconds=60)

    checks = got(api, "/subsidy-checks", {"page_size": 100})["items"]
    staff = created(api.post("/accounts", {"username": f"replica.{uuid.uuid4().hex[:4]}", "password": "Replica-pass-12",
                                           "role": "staff"}))
    office = Api(system.base_url).login(staff["username"], "Replica-pass-12")

    def todos():
        return got(office, "/todos", {"kind": "member_hospitalized", "status": "all", "page_size": 100})
    wait_until(lambda: todos()["total"] >= MEMBERS, "a to-do item for each hospitalization", seconds=60)

    birthdays = [t for t in got(api, "/visit-tasks", {"cause": "birthday", "page_size": 100})["items"]
                 if t["member_id"] in members]

    # every effect exactly once, whichever process did it
    assert spent() == expected
    assert sorted(c["member_id"] for c in checks if c["member_id"] in members) == sorted(members)
    assert len(hospital_tasks()) == MEMBERS
    assert todos()["total"] == MEMBERS
    assert sorted(t["member_id"] for t in birthdays) == sorted(members[:BIRTHDAYS])
    assert all(system.processes[f"{name}#2"].poll() is None for name in config.SERVICES)

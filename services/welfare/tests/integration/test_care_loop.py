"""The care rules on RabbitMQ and PostgreSQL: member facts, death, and the
daily timer's reminders once per task even from two processes at once."""
import datetime as dt
import itertools
import json

import eventlet
import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcClient
from nameko.testing.services import entrypoint_waiter
from sqlalchemy.orm import sessionmaker

from welfare.handlers import daily, festivals as festival_handlers, tasks as handlers
from welfare.service import WelfareService
from wuji_infra import events
from wuji_infra.clock import FixedClock
from wuji_infra.db import Store, make_engine
from wuji_infra.tables import outbox
from wuji_infra.testing import publish_message, start_service, signed_context

pytestmark = pytest.mark.integration

_member_ids = itertools.count(5000)


@pytest.fixture
def member_id():
    return next(_member_ids)


@pytest.fixture
def welfare_url(service_db):
    return service_db("welfare")


@pytest.fixture
def welfare(container_factory, nameko_config, welfare_url, amqp_uri):
    return start_service(container_factory, WelfareService, nameko_config, amqp_uri)


@pytest.fixture
def rpc(welfare, amqp_uri):
    with ServiceRpcClient("welfare", uri=amqp_uri, timeout=20, context_data=signed_context()) as client:
        yield client


def publish(amqp_uri, event):
    publish_message(amqp_uri, event.source, events.to_message(event))


def health(event_type, member_id, date, **extra):
    return events.new_event(event_type, {
        "member_id": member_id, "health_event_id": 1, "date": date, "branch_id": 1,
        "birth_date": dt.date(1938, 3, 8), "hardship": False, "lives_alone": True, **extra,
    }, source="members")


def test_a_death_while_in_hospital_cancels_the_visit_and_makes_a_condolence_visit(welfare, rpc, amqp_uri, member_id):
    today = dt.date.today()
    registered = events.new_event("member_registered", {
        "member_id": member_id, "branch_id": 1, "name": "张老", "birth_date": dt.date(1938, 3, 8),
        "status": "active", "hardship": False, "lives_alone": True, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "specialties": [],
    }, source="members")
    with entrypoint_waiter(welfare, "on_member_registered"):
        publish(amqp_uri, registered)
    with entrypoint_waiter(welfare, "on_member_hospitalized"):
        publish(amqp_uri, health("member_hospitalized", member_id, today - dt.timedelta(days=1), hospital="市医院"))
    with entrypoint_waiter(welfare, "on_member_deceased"):
        publish(amqp_uri, health("member_deceased", member_id, today))
    with entrypoint_waiter(welfare, "on_member_hospitalized"):  # late news of an old stay
        publish(amqp_uri, health("member_hospitalized", member_id, today - dt.timedelta(days=5), hospital="市医院"))

    tasks = rpc.list_visit_tasks({"member_id": str(member_id)})["items"]
    assert sorted((t["cause"], t["status"]) for t in tasks) == [("deceased", "open"), ("hospitalized", "cancelled")]
    [cancelled] = [t for t in tasks if t["status"] == "cancelled"]
    assert "逝世" in cancelled["cancel_note"]


def test_two_timers_at_once_send_each_reminder_once(welfare_url, member_id):
    engine = make_engine(welfare_url)
    store = Store(sessionmaker(engine, expire_on_commit=False), "welfare")
    today = dt.date(2026, 11, 26)
    with store.transaction() as tx:
        for offset, member in enumerate(range(member_id * 10, member_id * 10 + 20)):
            data = health("member_hospitalized", member, today - dt.timedelta(days=offset % 6), hospital="市医院").data
            handlers.create_hospital_visit(tx, data, due_days=3, today=today)

    def run():
        with store.transaction() as tx:
            return daily.run_daily(tx, today=today, now=FixedClock(today).now())

    results = [thread.wait() for thread in [eventlet.spawn(run) for _ in range(4)]]
    with store.read() as session:
        payloads = [json.loads(p) for p in session.scalars(
            sa.select(outbox.c.payload).where(outbox.c.event_type.in_(["visit_task_due_soon", "visit_task_overdue"])))]
    engine.dispose()

    sent = [(p["event_type"], p["data"]["task_id"]) for p in payloads]
    assert len(sent) == len(set(sent))
    # due 2 days ago ... 3 days ahead: offsets 0..5 -> due today+3 .. today-2
    overdue = sum(1 for offset in range(20) if 3 - offset % 6 < 0)
    due_soon = sum(1 for offset in range(20) if 0 <= 3 - offset % 6 <= 1)
    assert sum(r["overdue"] for r in results) == overdue == sum(1 for kind, _ in sent if kind == "visit_task_overdue")
    assert sum(r["due_soon"] for r in results) == due_soon


def test_festival_batches_at_once_on_postgresql_make_each_task_once(welfare_url):
    from welfare.domain import festivals
    from welfare.models import MemberFact, Visitor

    engine = make_engine(welfare_url)
    store = Store(sessionmaker(engine, expire_on_commit=False), "welfare")
    now = dt.datetime.now(dt.timezone.utc)
    with store.transaction() as tx:
        tx.session.add_all(MemberFact(
            member_id=n, branch_id=1 + n % 4, name=f"党员{n}", birth_date=dt.date(1930 + n % 30, 1 + n % 12, 1),
            status="active", hardship=n % 7 == 0, lives_alone=n % 5 == 0, children_away=False,
            mobility_limited=False, as_of=now) for n in range(1, 301))
        tx.session.add_all(Visitor(name=f"走访人{n}", role="staff", active=True, pairs=False) for n in range(7))
    policy = festivals.Policy(min_age=80)

    def run():
        with store.transaction() as tx:
            return festival_handlers.festival_batch(tx, "spring_festival", 2027, policy,
                                                   today=dt.date(2027, 1, 25), now=now)

    results = [thread.wait() for thread in [eventlet.spawn(run) for _ in range(3)]]
    again = run()
    with store.read() as session:
        tasks = session.execute(sa.text(
            "SELECT assignee, count(*) FROM visit_tasks WHERE cause = 'festival' GROUP BY assignee")).all()
        announced = session.scalar(sa.select(sa.func.count()).select_from(outbox)
                                   .where(outbox.c.event_type == "visit_task_created"))
        batches = session.scalar(sa.select(sa.func.count()).select_from(outbox)
                                 .where(outbox.c.event_type == "festival_batch_made"))
    engine.dispose()

    selected = results[0]["selected"]
    assert selected > 100
    assert sum(r["created"] for r in results) == selected == announced
    assert again["created"] == 0
    assert batches == len([r for r in results if r["created"]])  # announced by each run that made tasks
    loads = [count for _, count in tasks]
    assert sum(loads) == selected and len(loads) == 7 and max(loads) - min(loads) <= 1


def test_two_timers_at_once_make_each_birthday_task_once(welfare_url):
    from welfare.models import MemberFact, VisitTask

    engine = make_engine(welfare_url)
    store = Store(sessionmaker(engine, expire_on_commit=False), "welfare")
    now = dt.datetime.now(dt.timezone.utc)
    with store.transaction() as tx:
        tx.session.add_all(MemberFact(
            member_id=90000 + n, branch_id=1, name="寿星", birth_date=dt.date(1936, 12, 1 + n % 5),
            status="active", hardship=False, lives_alone=False, children_away=False,
            mobility_limited=False, as_of=now) for n in range(30))

    def run():
        with store.transaction() as tx:
            day = dt.date(2026, 11, 30)
            return daily.run_daily(tx, today=day, now=FixedClock(day).now())

    results = [thread.wait() for thread in [eventlet.spawn(run) for _ in range(3)]]
    with store.read() as session:
        made = session.scalar(sa.select(sa.func.count()).select_from(VisitTask).where(VisitTask.cause == "birthday"))
        announced = session.scalar(sa.select(sa.func.count()).select_from(outbox)
                                   .where(outbox.c.event_type == "visit_task_created"))
    engine.dispose()
    assert made == announced == sum(r["birthday_tasks"] for r in results) == 30

"""The funding service in a nameko container, on the real RabbitMQ and PostgreSQL.

The vhost is shared by the whole run (so is the service's queue): each test
uses its own member ids and looks only at them.
"""
import contextlib
import datetime as dt
import json
import logging
import uuid

import pytest
import sqlalchemy as sa
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_waiter

from funding.service import FundingService
from wuji_infra import db, events
from wuji_infra.errors import Forbidden, InvalidInput, NotFound
from wuji_infra.tables import outbox
from wuji_infra.testing import handled, publish_message, wait_until, signed_context

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 30
real_make_engine = db.make_engine


def hospitalized(member_id, date=dt.date(2026, 3, 10), birth_date=dt.date(1941, 1, 15), hardship=False):
    return events.new_event("member_hospitalized", {
        "member_id": member_id, "health_event_id": member_id * 10, "date": date,
        "hospital": "市第一人民医院", "branch_id": 1, "birth_date": birth_date,
        "hardship": hardship, "lives_alone": True,
    }, source="members")


def registered(member_id, branch_id):
    return events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": f"党员{member_id}", "birth_date": dt.date(1941, 1, 15),
        "status": "active", "hardship": True, "lives_alone": True, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": "4000.00",
    }, source="members")


def publish(amqp_uri, event):
    """As members' outbox relay does: exchange members.events, routing key = event type."""
    publish_message(amqp_uri, "members", events.to_message(event))


@contextlib.contextmanager
def subsidy_checked_messages(amqp_uri):
    """A queue of our own on funding.events; yields ``take(member_id)`` -> the next envelope for him."""
    queue = Queue(
        f"test-funding-observer-{uuid.uuid4().hex[:8]}", exchange=get_event_exchange("funding"),
        routing_key="subsidy_checked", exclusive=True, auto_delete=True,
    )
    with Connection(amqp_uri) as connection:
        bound = queue(connection.default_channel)
        bound.declare()

        def take(member_id):
            def next_for_member():
                message = bound.get(no_ack=True)
                while message is not None:
                    if message.payload["data"]["member_id"] == member_id:
                        return message.payload
                    message = bound.get(no_ack=True)
                return None
            return wait_until(next_for_member, f"subsidy_checked for member {member_id}")
        yield take


def list_checks(amqp_uri, **filters):
    with ClusterRpcClient(uri=amqp_uri, timeout=10, context_data=signed_context()) as client:
        return client.funding.list_subsidy_checks({k: str(v) for k, v in filters.items()})


def outbox_rows(db_url, member_id):
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(outbox.c.payload, outbox.c.published_at)).all()
    finally:
        engine.dispose()
    return [
        (json.loads(row.payload), row.published_at) for row in rows
        if json.loads(row.payload)["data"]["member_id"] == member_id
    ]


def published_outbox_rows(db_url, member_id):
    """The member's outbox rows once all are marked published, else None."""
    rows = outbox_rows(db_url, member_id)
    return rows if rows and all(published_at for _, published_at in rows) else None


def terminate_connections(db_url):
    """Drop every connection to the service's database, as a PostgreSQL restart would."""
    database = sa.engine.make_url(db_url).database
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            terminated = connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :database AND pid <> pg_backend_pid()"
            ), {"database": database}).scalars().all()
    finally:
        engine.dispose()
    return len(terminated)


def test_a_hospitalization_published_twice_is_checked_once_and_announced(funding, amqp_uri):
    container, db_url = funding
    member_id = 3101
    event = hospitalized(member_id, hardship=True)

    with subsidy_checked_messages(amqp_uri) as take:
        with entrypoint_waiter(container, "on_member_hospitalized", timeout=DEADLINE_SECONDS,
                               callback=handled(event, times=2)):
            publish(amqp_uri, event)
            publish(amqp_uri, event)
        announced = take(member_id)

    page = list_checks(amqp_uri, member_id=member_id)
    assert page["total"] == 1
    [check] = page["items"]
    assert {k: check[k] for k in ("member_id", "cause", "eligible", "amount", "reason", "status", "event_date")} == {
        "member_id": member_id, "cause": "hospitalized", "eligible": True, "amount": "500.00",
        "reason": "生活困难党员，年满80周岁（85岁），住院补助 500.00 元",
        "status": "pending_approval", "event_date": "2026-03-10",
    }
    assert announced["event_type"] == "subsidy_checked"
    assert announced["source"] == "funding"
    assert announced["data"] == {
        "check_id": check["id"], "member_id": member_id, "cause": "hospitalized",
        "eligible": True, "amount": "500.00", "source_event_id": event.event_id, "status": "pending_approval",
    }
    rows = wait_until(lambda: published_outbox_rows(db_url, member_id), "the outbox row marked published")
    assert len(rows) == 1


def engine_without_pre_ping(url, autocommit=False):
    """As wuji_infra.db.make_engine, but the pool hands out dead connections."""
    real_make_engine(url).dispose()   # keeps its psycogreen patch
    return sa.create_engine(url, pool_size=10, max_overflow=10,
                            **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))


@pytest.mark.parametrize("recovery", ["pool_pre_ping", "handler_retry"])
def test_the_service_recovers_when_its_database_connections_drop(
    recovery, container_factory, nameko_config, service_db, amqp_uri, monkeypatch, caplog,
):
    if recovery == "handler_retry":
        monkeypatch.setattr(db, "make_engine", engine_without_pre_ping)
    caplog.set_level(logging.WARNING, logger="wuji_infra.handlers")
    db_url = service_db("funding")
    container = container_factory(FundingService, nameko_config)
    container.start()
    member_id = 3201 if recovery == "pool_pre_ping" else 3202
    before = hospitalized(member_id, date=dt.date(2026, 3, 10))
    after = hospitalized(member_id, date=dt.date(2026, 4, 20))

    with subsidy_checked_messages(amqp_uri) as take:
        with entrypoint_waiter(container, "on_member_hospitalized", timeout=DEADLINE_SECONDS,
                               callback=handled(before)):
            publish(amqp_uri, before)
        take(member_id)

        assert terminate_connections(db_url) >= 1   # the service's pooled connections

        with entrypoint_waiter(container, "on_member_hospitalized", timeout=DEADLINE_SECONDS,
                               callback=handled(after)):
            publish(amqp_uri, after)
        announced = take(member_id)

    if recovery == "handler_retry":
        # the first attempt met a dead connection: the retry did the work
        assert any("attempt 1 failed" in record.getMessage() for record in caplog.records)
    assert announced["source"] == "funding"
    page = list_checks(amqp_uri, member_id=member_id)
    assert page["total"] == 2
    assert [c["event_date"] for c in page["items"]] == ["2026-04-20", "2026-03-10"]
    assert announced["data"]["check_id"] == page["items"][0]["id"]


def test_rpc_refuses_a_bad_filter(funding, amqp_uri):
    with pytest.raises(InvalidInput) as raised:
        list_checks(amqp_uri, member_id="abc")
    assert "member_id" in raised.value.fields


def test_a_bad_subsidy_amount_stops_the_service_at_start(container_factory, nameko_config, service_db, monkeypatch):
    service_db("funding")
    monkeypatch.setenv("SUBSIDY_AMOUNT", "five hundred")
    container = container_factory(FundingService, nameko_config)
    with pytest.raises(ValueError, match="SUBSIDY_AMOUNT"):
        container.start()


def test_the_subsidy_follows_the_settings_until_the_funding_policy_sets_it(
    container_factory, nameko_config, service_db, amqp_uri, monkeypatch,
):
    service_db("funding")
    monkeypatch.setenv("SUBSIDY_MIN_AGE", "85")
    monkeypatch.setenv("SUBSIDY_AMOUNT", "600.00")
    container = container_factory(FundingService, nameko_config)
    container.start()
    with ClusterRpcClient(uri=amqp_uri, timeout=10, context_data=signed_context()) as client:
        shown = client.funding.get_policy()
        assert (shown["version"], shown["subsidy_min_age"], shown["subsidy_amount"], shown["subsidy_from_settings"]) == (
            0, 85, "600.00", True)
        allocation = shown["allocation"]

    def check_of(member_id, birth_date):
        event = hospitalized(member_id, birth_date=birth_date)
        with entrypoint_waiter(container, "on_member_hospitalized", timeout=DEADLINE_SECONDS, callback=handled(event)):
            publish(amqp_uri, event)
        [check] = list_checks(amqp_uri, member_id=member_id)["items"]
        return check

    before = check_of(3301, dt.date(1944, 1, 1))          # 82 on 2026-03-10
    with ClusterRpcClient(uri=amqp_uri, timeout=10, context_data=signed_context()) as client:
        with pytest.raises(InvalidInput) as raised:
            client.funding.set_policy({"allocation": allocation, "subsidy_yearly_cap": "100.00"}, "admin")
        assert "subsidy_amount" in raised.value.fields          # the cap is below the amount in force
        changed = client.funding.set_policy(
            {"allocation": allocation, "subsidy_min_age": 80, "subsidy_amount": "700.00"}, "admin")
        assert (changed["version"], changed["subsidy_yearly_cap"], changed["subsidy_from_settings"]) == (
            1, "2000.00", False)
    after = check_of(3302, dt.date(1944, 1, 1))
    assert (before["eligible"], before["policy_version"], before["reason"]) == (
        False, 0, "不符合条件：非生活困难党员，且未满85周岁（82岁）")
    assert (after["eligible"], after["amount"], after["policy_version"], after["reason"]) == (
        True, "700.00", 1, "年满80周岁（82岁），住院补助 700.00 元")


def test_a_secretary_sees_and_records_only_their_branch_through_rpc(funding, amqp_uri):
    container, _ = funding
    ours, theirs = 3401, 3402
    for member_id, branch_id in ((ours, 41), (theirs, 42)):
        for event, method in ((registered(member_id, branch_id), "on_member_registered"),
                              (hospitalized(member_id), "on_member_hospitalized")):
            with entrypoint_waiter(container, method, timeout=DEADLINE_SECONDS, callback=handled(event)):
                publish(amqp_uri, event)
    checks = {c["member_id"]: c["id"] for c in list_checks(amqp_uri)["items"]}
    assert set(checks) == {ours, theirs}          # the office sees both branches

    secretary = signed_context(role="secretary", branch_ids=[41], user="li")
    with ClusterRpcClient(uri=amqp_uri, timeout=10, context_data=secretary) as client:
        page = client.funding.list_subsidy_checks({})
        assert ([c["member_id"] for c in page["items"]], page["total"]) == ([ours], 1)
        assert client.funding.get_subsidy_check(checks[ours])["member_id"] == ours
        with pytest.raises(NotFound):
            client.funding.get_subsidy_check(checks[theirs])
        with pytest.raises(Forbidden):
            client.funding.pay_dues({"member_id": theirs, "year": 2026, "month": 1, "paid_by": "member"}, "li")


def test_a_withdrawal_published_twice_closes_the_pending_check_once_and_withdraws_the_member(funding, amqp_uri):
    container, db_url = funding
    member_id = 3201
    with entrypoint_waiter(container, "on_member_registered", timeout=DEADLINE_SECONDS):
        publish(amqp_uri, registered(member_id, 1))
    event = hospitalized(member_id, hardship=True)
    with entrypoint_waiter(container, "on_member_hospitalized", timeout=DEADLINE_SECONDS, callback=handled(event)):
        publish(amqp_uri, event)
    withdrawn = events.new_event("member_withdrawn", {"member_id": member_id, "branch_id": 1,
                                                      "withdrawn_at": dt.datetime.now(dt.timezone.utc)}, source="members")
    with entrypoint_waiter(container, "on_member_withdrawn", timeout=DEADLINE_SECONDS,
                           callback=handled(withdrawn, times=2)):
        publish(amqp_uri, withdrawn)
        publish(amqp_uri, withdrawn)
    [check] = list_checks(amqp_uri, member_id=member_id)["items"]
    assert (check["status"], check["review_note"], check["expense_id"]) == ("closed", "登记有误，已撤销", None)
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        status = connection.scalar(sa.text("SELECT status FROM member_facts WHERE member_id = :m"), {"m": member_id})
        claims = connection.scalar(sa.text("SELECT count(*) FROM inbox WHERE event_id = :e"),
                                   {"e": withdrawn.event_id})
    engine.dispose()
    assert (status, claims) == ("withdrawn", 1)

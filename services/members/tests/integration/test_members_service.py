"""The members service on the real RabbitMQ and PostgreSQL."""
import datetime as dt
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from wuji_infra.testing import signed_context
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_hook, replace_dependencies

from members.domain.roster import id_number_for
from members.service import MembersService
from wuji_infra import events
from wuji_infra.errors import Conflict, Forbidden, InvalidInput, NotFound
from wuji_infra.types import utc_now

pytestmark = pytest.mark.integration



@pytest.fixture
def members(container_factory, nameko_config, service_db):
    service_db("members")
    container = container_factory(MembersService, nameko_config)
    container.start()
    with ClusterRpcClient(uri=nameko_config["AMQP_URI"], timeout=10, context_data=signed_context()) as cluster:
        yield cluster.members


@pytest.fixture
def clocked(container_factory, nameko_config, service_db):
    """The service with its clock in the test's hands: ``clock.today.return_value = date``."""
    service_db("members")
    container = container_factory(MembersService, nameko_config)
    clock = replace_dependencies(container, "clock")
    clock.today.return_value = dt.date(2026, 11, 26)
    clock.now.side_effect = utc_now  # moments stay real: only the day moves
    container.start()
    with ClusterRpcClient(uri=nameko_config["AMQP_URI"], timeout=10, context_data=signed_context()) as cluster:
        yield container, clock, cluster.members


@pytest.fixture
def announced(amqp_uri):
    """A queue of our own on members.events: the events as consumers get them."""
    with Connection(amqp_uri) as connection:
        queue = Queue(f"test-members-{uuid.uuid4().hex[:8]}", Exchange("members.events", type="topic", durable=True),
                      routing_key="#", auto_delete=True)
        queue(connection.default_channel).declare()

        def take(count, seconds=10):
            got = []
            bound = queue(connection.default_channel)
            import eventlet
            with eventlet.Timeout(seconds):
                while len(got) < count:
                    message = bound.get(no_ack=True)
                    if message is None:
                        eventlet.sleep(0.05)
                        continue
                    got.append(events.from_message(message.payload))
            eventlet.sleep(0.5)
            assert bound.get(no_ack=True) is None, "an event was announced more than once"
            return got
        yield take


def test_a_hospitalization_recorded_once_is_announced_once_with_the_contract_envelope(members, announced):
    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    member = members.create_member({
        "name": "陈淑芬", "gender": "female", "id_number": id_number_for(dt.date(1936, 1, 20), 7),
        "birth_date": "1936-01-20", "branch_id": branch["id"], "retirement_kind": "lixiu",
        "hardship": False, "lives_alone": True,
    })
    request_id = str(uuid.uuid4())
    data = {"kind": "hospitalized", "date": dt.date.today().isoformat(), "hospital": "杭州市第一人民医院"}
    first = members.record_health_event(member["id"], data, actor="staff", request_id=request_id)
    again = members.record_health_event(member["id"], data, actor="staff", request_id=request_id)   # a retried request
    assert first == again

    registered, hospitalized = announced(2)
    assert registered.event_type == "member_registered"
    assert hospitalized.event_type == "member_hospitalized" and hospitalized.source == "members"
    assert hospitalized.data["member_id"] == member["id"] and hospitalized.data["lives_alone"] is True


def test_errors_cross_the_wire_with_their_fields(members):
    with pytest.raises(InvalidInput) as error:
        members.create_member({"name": "x"})
    assert "id_number" in error.value.fields
    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    with pytest.raises(Conflict):
        members.create_branch({"name": branch["name"], "unit": "市住建局"})


def test_a_secretary_reaches_only_their_branch_over_rpc(members, nameko_config):
    """The caller the gateway signed reaches the handlers: a secretary of branch A sees A's members
    only, not B's, and may not write on B's."""
    made = {}
    for key, sequence in (("a", 21), ("b", 22)):
        branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
        made[key] = members.create_member({
            "name": f"党员{key}", "gender": "male", "id_number": id_number_for(dt.date(1944, 2, 3), sequence),
            "birth_date": "1944-02-03", "branch_id": branch["id"], "retirement_kind": "tuixiu",
            "pension_monthly": "6000.00"})
    a, b = made["a"], made["b"]
    context = signed_context(role="secretary", branch_ids=[a["branch_id"]], user="sec_a")
    with ClusterRpcClient(uri=nameko_config["AMQP_URI"], timeout=10, context_data=context) as cluster:
        secretary = cluster.members
        listed = secretary.list_members({}, 1, 100)
        assert [m["id"] for m in listed["items"]] == [a["id"]] and listed["total"] == 1
        assert secretary.list_members({"branch_id": b["branch_id"]}, 1, 100)["total"] == 0
        assert [x["id"] for x in secretary.list_branches()["items"]] == [a["branch_id"]]
        assert secretary.headline_figures()["members_total"] == 1
        assert secretary.get_member(a["id"])["id"] == a["id"]
        with pytest.raises(NotFound):
            secretary.get_member(b["id"])
        with pytest.raises(Forbidden):
            secretary.update_member(b["id"], {"name": "改名"}, actor="sec_a")
        with pytest.raises(Forbidden):
            secretary.update_member(a["id"], {"branch_id": b["branch_id"]}, actor="sec_a")
    assert members.list_members({}, 1, 100)["total"] >= 2  # staff see both
    assert members.get_member(b["id"])["name"] == "党员b"


def test_ping_answers_when_the_database_does(members):
    assert members.ping() == {"status": "ok"}


def test_the_daily_timer_sends_each_term_reminder_once_with_a_moved_clock(clocked, announced):
    container, clock, members = clocked
    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    secretary = members.create_member({
        "name": "周志强", "gender": "male", "id_number": id_number_for(dt.date(1944, 2, 3), 11),
        "birth_date": "1944-02-03", "branch_id": branch["id"], "retirement_kind": "tuixiu",
    }, actor="clerk1")
    term = members.elect_committee(branch["id"], {
        "starts_on": "2024-04-01", "committee": [{"member_id": secretary["id"], "role": "secretary"}]}, actor="clerk1")
    assert term["ends_on"] == dt.date(2027, 3, 31)

    with entrypoint_hook(container, "send_term_reminders") as run_timer:
        for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2027, 1, 5), dt.date(2027, 4, 2),
                    dt.date(2027, 4, 30)):
            clock.today.return_value = day
            run_timer()
    registered, elected, *reminders = announced(5)
    assert (registered.event_type, elected.event_type) == ("member_registered", "branch_term_elected")
    assert [(e.event_type, e.data["reminder"]) for e in reminders] == [
        ("branch_term_expiring", "6_months"), ("branch_term_expiring", "3_months"),
        ("branch_term_overdue", "overdue:2027-04")]
    assert members.get_committee(branch["id"])["term"]["state"] == "overdue"


def test_history_and_health_reads_over_rpc(members):
    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    member = members.create_member({
        "name": "陈淑芬", "gender": "female", "id_number": id_number_for(dt.date(1936, 1, 20), 9),
        "birth_date": "1936-01-20", "branch_id": branch["id"], "retirement_kind": "lixiu",
    }, actor="clerk1")
    members.update_member(member["id"], {"phone": "13800000000"}, actor="clerk2")
    members.transfer_member(member["id"], {"target": "community", "date": "2026-01-05", "community": "北山社区"}, actor="clerk3")
    members.list_health_events(member["id"], None, 1, 20, actor="clerk4")
    history = members.member_history(member["id"])
    assert [(e["field"], e["changed_by"]) for e in history["items"]] == [
        ("community", "clerk3"), ("org_relation", "clerk3"), ("phone", "clerk2"), ("*", "clerk1")]
    assert members.list_health_reads(member["id"])["items"][0]["read_by"] == "clerk4"
    assert members.list_transfers(member["id"])["items"][0]["date"] == "2026-01-05"
    members.add_honor(member["id"], {"title": "优秀党员", "level": "municipal", "year": 2026})
    figures = members.headline_figures({"on": "2026-12-31", "year": 2026})
    assert figures["members_total"] >= 1 and figures["in_communities"] >= 1
    assert figures["honors_by_level"]["municipal"] >= 1


def test_an_excel_import_runs_as_a_job_and_its_progress_is_read(members):
    import base64
    import io

    import eventlet
    from openpyxl import Workbook

    from members import excel

    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    book = Workbook()
    sheet = book.active
    sheet.append(excel.HEADINGS)
    for i in range(1, 1201):
        born = dt.date(1935, 1, 1) + dt.timedelta(days=i * 7)
        cells = dict.fromkeys(excel.HEADINGS)
        cells.update({"姓名": f"党员{i}", "性别": "男" if i % 2 else "女", "身份证号": id_number_for(born, i % 1000),
                      "出生日期": born, "党支部": branch["name"], "离退休类别": "退休"})
        if i % 100 == 0:
            cells["性别"] = "不详"
        sheet.append([cells[h] for h in excel.HEADINGS])
    buffer = io.BytesIO()
    book.save(buffer)

    job = members.start_import(base64.b64encode(buffer.getvalue()).decode(), "名册.xlsx", actor="clerk1")
    seen = set()
    with eventlet.Timeout(60):
        while True:
            state = members.get_import(job["id"])
            seen.add(state["status"])
            if state["status"] == "done":
                break
            eventlet.sleep(0.05)
    assert (state["total_rows"], state["created"], state["rejected"], state["progress"]) == (1200, 1188, 12, 100)
    errors = members.list_import_errors(job["id"], None, 1, 100)
    assert errors["total"] == 12 and errors["items"][0] == {"row": 101, "column": "性别",
                                                            "reason": errors["items"][0]["reason"]}
    assert members.list_members({"branch_id": branch["id"]}, 1, 1)["total"] == 1188
    assert base64.b64decode(members.import_errors_workbook(job["id"]))[:2] == b"PK"
    assert base64.b64decode(members.export_members({"branch_id": branch["id"]}))[:2] == b"PK"


def test_an_import_cancelled_stops_and_keeps_only_its_committed_chunks(members):
    import base64
    import io

    import eventlet
    from openpyxl import Workbook

    from members import excel
    from wuji_infra.errors import NotFound

    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    book = Workbook()
    book.active.append(excel.HEADINGS[:6])
    for i in range(1, 3001):
        born = dt.date(1935, 1, 1) + dt.timedelta(days=i)
        book.active.append([f"党员{i}", "男", id_number_for(born, i % 1000), born, branch["name"], "退休"])
    buffer = io.BytesIO()
    book.save(buffer)

    job = members.start_import(base64.b64encode(buffer.getvalue()).decode(), "名册.xlsx", actor="clerk1")
    cancelled = members.cancel_import(job["id"], actor="clerk2")  # queued, or running its first chunks
    assert cancelled["status"] == "cancelled" and "clerk2" in cancelled["error"]
    eventlet.sleep(2.5)  # past the next chunk and the timer's next turn
    state = members.get_import(job["id"])
    assert state["status"] == "cancelled" and state["processed_rows"] % 500 == 0 and state["processed_rows"] < 3000
    assert members.list_members({"branch_id": branch["id"]}, 1, 1)["total"] == state["created"]
    with pytest.raises(Conflict):
        members.cancel_import(job["id"], actor="clerk2")
    with pytest.raises(NotFound):
        members.cancel_import(10 ** 6)


def test_the_years_figures_and_the_scorecard_over_rpc_in_the_callers_scope(members, nameko_config):
    """annual_figures and scorecard_items over the broker on PostgreSQL: a member registered
    today with an earlier 入册日期 counts in last year's figures; a secretary gets only their branch."""
    made = {}
    for key, sequence in (("a", 31), ("b", 32)):
        branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
        made[key] = members.create_member({
            "name": f"党员{key}", "gender": "female", "id_number": id_number_for(dt.date(1944, 2, 3), sequence),
            "birth_date": "1944-02-03", "branch_id": branch["id"], "retirement_kind": "lixiu",
            "counts_from": "2019-05-01"})
    a, b = made["a"], made["b"]
    assert a["counts_from"] == "2019-05-01"
    members.elect_committee(a["branch_id"], {
        "starts_on": "2024-04-01", "committee": [{"member_id": a["id"], "role": "secretary"}]}, actor="clerk1")
    query = {"year": 2025, "as_of": "2025-12-31"}
    everyone = members.annual_figures(query)
    assert {a["branch_id"], b["branch_id"]} <= {x["branch_id"] for x in everyone["branch_list"]}

    context = signed_context(role="secretary", branch_ids=[a["branch_id"]], user="sec_a")
    with ClusterRpcClient(uri=nameko_config["AMQP_URI"], timeout=10, context_data=context) as cluster:
        figures = cluster.members.annual_figures(query)
        card = cluster.members.scorecard_items({**query, "branch_ids": None})
        asked_other = cluster.members.scorecard_items({**query, "branch_ids": [b["branch_id"]]})
        with pytest.raises(InvalidInput):
            cluster.members.annual_figures({"year": 2025, "as_of": "2026-01-01"})
    assert (figures["members_total"], figures["in_unit"], figures["branches"], figures["committees"]) == (1, 1, 1, 1)
    assert figures["average_age"] == 81.0
    assert [x["branch_id"] for x in figures["branch_list"]] == [a["branch_id"]]
    sheet = figures["census"]
    assert sheet["rows"][0]["branch_id"] == a["branch_id"]
    assert (sheet["totals"]["total"], sheet["totals"]["lixiu"], sheet["totals"]["female"],
            sheet["totals"]["80_89"]) == (1, 1, 1, 1)
    assert sheet["last_year"]["total"] == 1 and sheet["changes"] == {"joined": 0, "deceased": 0, "transferred_out": 0}
    assert [x["branch_id"] for x in card["branches"]] == [a["branch_id"]]
    items = {item["key"]: item for item in card["branches"][0]["items"]}
    assert items["committee_complete"] == {"key": "committee_complete", "met": True, "missing": [], "misses": 0}
    term_current = items["term_current"]
    assert term_current["met"] and term_current["missing"] == [] and term_current["misses"] == 0
    assert items["seat_vacancy"]["met"]
    assert asked_other["branches"] == []  # a branch outside the secretary's scope is not answered


def test_a_withdrawal_on_postgresql_announced_once_then_the_id_number_registers_again(members, announced, amqp_uri):
    from nameko.standalone.rpc import ServiceRpcClient

    from wuji_infra import idempotency

    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    data = {"name": "陈淑芬", "gender": "female", "id_number": id_number_for(dt.date(1936, 1, 21), 8),
            "birth_date": "1936-01-21", "branch_id": branch["id"], "retirement_kind": "lixiu"}
    member = members.create_member(data)
    [registered] = announced(1)
    assert registered.event_type == "member_registered"
    body = {"reason": "身份证号录错"}
    context = idempotency.ClientKey("staff1", "withdraw-1").context("members.withdraw_member", [member["id"]],
                                                                   {"data": body})
    with ServiceRpcClient("members", uri=amqp_uri, timeout=10, context_data=signed_context(**context)) as client:
        first = client.withdraw_member(member["id"], body, actor="staff1")
        again = client.withdraw_member(member["id"], body, actor="staff1")  # the same request key: its answer
    assert first == again and first["withdrawn"]["reason"] == "身份证号录错"
    updated, withdrawn = announced(2)
    assert (updated.event_type, updated.data["status"]) == ("member_updated", "withdrawn")
    assert withdrawn.data == {"member_id": member["id"], "branch_id": branch["id"],
                              "withdrawn_at": dt.datetime.fromisoformat(first["withdrawn"]["at"])}
    with pytest.raises(Conflict):  # a new request: already withdrawn
        members.withdraw_member(member["id"], body, actor="staff1")
    history = members.member_history(member["id"], {}, 1, 20)["items"]
    assert [entry["reason"] for entry in history] == ["withdrawal", "created"]
    with pytest.raises(Conflict):  # nothing more is written to it
        members.update_member(member["id"], {"phone": "13900000000"})
    again_registered = members.create_member(data)  # the partial unique index lets it in
    assert again_registered["id"] != member["id"]
    with pytest.raises(Conflict) as refused:
        members.withdraw_branch(branch["id"], body, actor="staff1")
    assert "还有 1 名党员未撤销" in refused.value.message
    assert [m["id"] for m in members.list_members({"branch_id": branch["id"]}, 1, 20)["items"]] == [again_registered["id"]]


def test_a_member_registered_while_their_branch_is_being_withdrawn_waits_and_is_refused(members):
    import os

    import eventlet
    import sqlalchemy as sa

    branch = members.create_branch({"name": f"支部{uuid.uuid4().hex[:6]}", "unit": "市住建局"})
    data = {"name": "周振华", "gender": "male", "id_number": id_number_for(dt.date(1938, 5, 2), 9),
            "birth_date": "1938-05-02", "branch_id": branch["id"], "retirement_kind": "tuixiu"}
    engine = sa.create_engine(os.environ["MEMBERS_DATABASE_URL"])
    with engine.connect() as withdrawal:  # a withdrawal of the branch, holding its row as withdraw_branch does
        withdrawal.execute(sa.text("SELECT id FROM branches WHERE id = :id FOR UPDATE"), {"id": branch["id"]})
        registering = eventlet.spawn(members.create_member, data)
        eventlet.sleep(0.5)
        assert not registering.dead  # waiting for the branch
        withdrawal.execute(sa.text("UPDATE branches SET withdrawn_at = now(), withdrawn_reason = '名称录错', "
                                   "withdrawn_by = 'staff1' WHERE id = :id"), {"id": branch["id"]})
        withdrawal.commit()
    with pytest.raises(InvalidInput) as refused:
        registering.wait()
    assert "branch_id" in refused.value.fields
    engine.dispose()

"""The dues sheet through RPC, on the real RabbitMQ and PostgreSQL: downloaded, filled in,
uploaded; two uploads of one sheet at once record each month once; a bad sheet records
nothing; a secretary's sheet is their branch's."""
import base64
import datetime as dt
import io

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_waiter
from openpyxl import load_workbook

from wuji_infra import events
from wuji_infra.errors import InvalidInput, NotFound
from wuji_infra.testing import handled, publish_message, signed_context

pytestmark = pytest.mark.integration

TODAY = dt.date.today()  # the service runs on the real clock
YEAR = TODAY.year
BRANCH, OTHER = 51, 52


def registered(member_id, branch_id, pension):
    return events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": f"收缴表党员{member_id}",
        "birth_date": dt.date(1941, 1, 15), "status": "active", "hardship": False, "lives_alone": False,
        "children_away": False, "mobility_limited": False, "org_relation": "unit", "pension_monthly": pension,
    }, source="members")


@pytest.fixture
def branch(funding, amqp_uri):
    container, _ = funding
    for member_id, branch_id, pension in ((5101, BRANCH, "4000.00"), (5102, BRANCH, "6000.00"),
                                          (5201, OTHER, "3000.00")):
        event = registered(member_id, branch_id, pension)
        with entrypoint_waiter(container, "on_member_registered", timeout=30, callback=handled(event)):
            publish_message(amqp_uri, "members", events.to_message(event))
    with ClusterRpcClient(uri=amqp_uri, timeout=30, context_data=signed_context()) as client:
        assert client.funding.fix_dues({"year": YEAR, "from_month": 1}, "clerk")["fixed"] == 3
    return amqp_uri


def sheet_of(client, branch_id=BRANCH):
    answer = client.funding.dues_sheet({"branch_id": str(branch_id), "year": str(YEAR),
                                        "month": str(TODAY.month)}, "收缴表支部")
    return load_workbook(io.BytesIO(base64.b64decode(answer["content_base64"])))


def encoded(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def payments(client):
    return {(p["member_id"], p["month"]) for p in client.funding.list_dues_payments({"year": str(YEAR)}, 1, 100)["items"]}


def test_a_sheet_filled_in_is_recorded_once_even_uploaded_twice_at_once(branch):
    with ClusterRpcClient(uri=branch, timeout=30, context_data=signed_context()) as client:
        workbook = sheet_of(client)
        sheet = workbook.active
        assert [(row[0].value, row[1].value, row[2].value) for row in sheet.iter_rows(min_row=4)] == [
            (5101, "收缴表党员5101", 20), (5102, "收缴表党员5102", 60)]
        sheet["D4"], sheet["D5"] = 20, "59.00"
        with pytest.raises(InvalidInput) as refused:   # one bad cell: nothing recorded
            client.funding.record_dues_sheet(encoded(workbook), "treasurer")
        assert refused.value.fields == {f"第5行 {YEAR}年{TODAY.month}月": [
            "金额应为该月应缴的 60.00 元 (the dues of that month are 60.00)"]}
        assert payments(client) == set()

        sheet["D5"] = 60
        content = encoded(workbook)

    def upload(_):  # a client each, as two offices would
        with ClusterRpcClient(uri=branch, timeout=30, context_data=signed_context()) as client:
            return client.funding.record_dues_sheet(content, "treasurer")
    answers = list(eventlet.GreenPool().imap(upload, range(2)))
    assert sorted(a["recorded"] for a in answers) == [0, 2]  # the rates are locked: the second sees them paid
    assert sorted(a["already_paid"] for a in answers) == [0, 2]
    assert next(a for a in answers if a["recorded"])["total"] == "80.00"
    with ClusterRpcClient(uri=branch, timeout=30, context_data=signed_context()) as client:
        assert payments(client) == {(5101, TODAY.month), (5102, TODAY.month)}
        assert client.funding.get_balances({"year": str(YEAR)})["sources"]["dues_rebate"]["budget"] == "40.00"


def test_a_secretary_downloads_and_records_their_branch_only(branch):
    secretary = signed_context(role="secretary", branch_ids=[BRANCH], user="li")
    with ClusterRpcClient(uri=branch, timeout=30, context_data=secretary) as client:
        with pytest.raises(NotFound):
            sheet_of(client, OTHER)
        workbook = sheet_of(client)
        workbook.active.append([5201, "收缴表党员5201", 15, 15])
        with pytest.raises(InvalidInput) as refused:
            client.funding.record_dues_sheet(encoded(workbook), "li")
        assert refused.value.fields == {"第6行 党员编号": ["不是您所在支部的党员 (not a member of your branches)"]}
        assert payments(client) == set()

"""The gateway over real HTTP, RabbitMQ and PostgreSQL, in front of fake services.

The fakes are small nameko services named like the real ones, answering
canned data or raising wuji_infra.errors, in this test run's vhost.
"""
import base64
import datetime as dt
import decimal
import json
import logging
import os
import re
import socket
import time

import jwt
import pytest
import requests
import sqlalchemy as sa
from nameko.rpc import rpc

from gateway.service import GatewayService
from wuji_infra.errors import EXPECTED, Conflict, InvalidInput, NotFound

pytestmark = pytest.mark.integration

ADMIN_PASSWORD = "测试管理员密码 pw-1"
JWT_SECRET = "integration-test-secret-of-enough-length"

BRANCH = {"id": 1, "name": "第一党支部", "unit": "市住建局", "created_at": "2024-01-02T03:04:05+00:00"}


def page(items, page, page_size, **extra):
    return {"items": items, "total": len(items), "page": page, "page_size": page_size, **extra}


class FakeMembers:
    name = "members"

    @rpc
    def ping(self):
        return {"status": "ok"}

    @rpc(expected_exceptions=EXPECTED)
    def create_branch(self, data, actor=None):
        if not data.get("name"):
            raise InvalidInput("输入有误 (invalid input)", {"name": ["必填 (required)"]})
        if data["name"] == "重名支部":
            raise Conflict("同名党支部已存在 (a branch with this name exists)", {"name": ["already exists"]})
        return dict(BRANCH, **data)

    @rpc(expected_exceptions=EXPECTED)
    def get_branch(self, branch_id):
        if branch_id != 1:
            raise NotFound(f"党支部 {branch_id} 不存在 (no such branch)")
        return BRANCH

    @rpc(expected_exceptions=EXPECTED)
    def list_branches(self, filters=None, page_number=1, page_size=20):
        if filters:
            return page([], page_number, page_size, filters_seen=filters)
        return page([BRANCH], page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def create_member(self, data, actor=None):
        return {"id": 5, "changed_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_members(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_member(self, member_id):
        # a date and a Decimal travel as kombu-tagged JSON: the gateway must answer them as text
        return {"id": member_id, "name": "张三", "birth_date": dt.date(1940, 1, 2),
                "pension_monthly": decimal.Decimal("4800.50")}

    @rpc(expected_exceptions=EXPECTED)
    def update_member(self, member_id, data, actor=None):
        return {"id": member_id, "changed_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def member_history(self, member_id, filters=None, page_number=1, page_size=20):
        return page([{"member_id": member_id, "field": "phone", "old_value": None, "new_value": "1"}],
                    page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def transfer_member(self, member_id, data, actor=None):
        return {"id": 1, "member_id": member_id, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_transfers(self, member_id, filters=None, page_number=1, page_size=20):
        return page([{"id": 1, "member_id": member_id, "target": "community"}], page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def list_health_reads(self, member_id, filters=None, page_number=1, page_size=20):
        return page([{"member_id": member_id, "read_by": "admin"}], page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def elect_committee(self, branch_id, data, actor=None):
        if not data.get("committee"):
            raise InvalidInput("输入有误 (invalid input)", {"committee": ["必填 (required)"]})
        return {"id": 2, "branch_id": branch_id, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_terms(self, branch_id, filters=None, page_number=1, page_size=20):
        return page([{"id": 2, "branch_id": branch_id}], page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def add_honor(self, member_id, data, actor=None):
        return {"id": 4, "member_id": member_id, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_honors(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def add_social_role(self, member_id, data, actor=None):
        return {"id": 6, "member_id": member_id, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_social_roles(self, member_id, filters=None, page_number=1, page_size=20):
        return page([{"id": 6, "member_id": member_id}], page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def headline_figures(self, query=None):
        return {"members_total": 3, "query_seen": query}

    @rpc(expected_exceptions=EXPECTED)
    def import_template(self):
        return base64.b64encode(b"PK-template").decode()

    @rpc(expected_exceptions=EXPECTED)
    def start_import(self, content_b64, filename=None, actor=None):
        return {"id": 8, "status": "queued", "filename": filename, "started_by": actor,
                "size": len(base64.b64decode(content_b64))}

    @rpc(expected_exceptions=EXPECTED)
    def get_import(self, job_id):
        return {"id": job_id, "status": "running", "progress": 40}

    @rpc(expected_exceptions=EXPECTED)
    def list_import_errors(self, job_id, filters=None, page_number=1, page_size=20):
        return page([{"row": 3, "column": "性别", "reason": "x"}], page_number, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def import_errors_workbook(self, job_id):
        return base64.b64encode(b"PK-errors-%d" % job_id).decode()

    @rpc(expected_exceptions=EXPECTED)
    def export_members(self, filters=None):
        return base64.b64encode(json.dumps(filters).encode()).decode()

    @rpc(expected_exceptions=EXPECTED)
    def get_committee(self, branch_id):
        return {"branch_id": branch_id, "term": None, "has_secretary": False}

    @rpc(expected_exceptions=EXPECTED)
    def record_health_event(self, member_id, data, actor=None, request_id=None):
        return {"id": 9, "member_id": member_id, "request_id": request_id, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_health_events(self, member_id, filters=None, page_number=1, page_size=20, actor=None):
        return page([{"id": 9, "member_id": member_id, "kind": "hospitalized"}], page_number, page_size,
                    read_by=actor)


class FakeActivities:
    name = "activities"

    @rpc
    def ping(self):
        return {"status": "ok"}

    @rpc(expected_exceptions=EXPECTED)
    def record_study_session(self, data, actor=None):
        if data.get("attendees") == [99]:
            raise InvalidInput("参加者须为本支部在册党员 (participants must be active members of the branch)",
                               {"attendees": ["党员 99 不存在 (no such member)"]})
        return {"id": 4, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_study_sessions(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_study_session(self, session_id):
        if session_id == 404:
            raise NotFound("集体学习 404 不存在 (no such study session)")
        return {"id": session_id}

    @rpc(expected_exceptions=EXPECTED)
    def record_catch_up(self, session_id, data, actor=None):
        return {"id": session_id, "caught_up": data}

    @rpc(expected_exceptions=EXPECTED)
    def list_absences(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def study_compliance(self, query):
        return {"query_seen": query}

    @rpc(expected_exceptions=EXPECTED)
    def log_contact(self, data, actor=None, request_id=None):
        return {"id": 6, "recorded_by": actor, "request_id": request_id, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def contact_coverage(self, query=None, page_number=1, page_size=20):
        return page([], page_number, page_size, query_seen=query)

    @rpc(expected_exceptions=EXPECTED)
    def record_activity(self, data, actor=None, request_id=None):
        return {"id": 8, "recorded_by": actor, "request_id": request_id, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, activity_id):
        return {"id": activity_id}

    @rpc(expected_exceptions=EXPECTED)
    def publish_bulletin(self, data, actor=None):
        if data.get("number") == 1:
            raise Conflict("该支部本年度已有此期号 (this number is taken for the branch and year)",
                           {"number": ["taken"]})
        return {"id": 10, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_bulletins(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_bulletin(self, bulletin_id):
        return {"id": bulletin_id}

    @rpc(expected_exceptions=EXPECTED)
    def bulletin_gaps(self, query):
        return {"query_seen": query}

    @rpc(expected_exceptions=EXPECTED)
    def record_review_meeting(self, data, actor=None):
        return {"id": 11, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_review_meetings(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_review_meeting(self, meeting_id):
        return {"id": meeting_id}

    @rpc(expected_exceptions=EXPECTED)
    def list_experts(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def statistics(self, query):
        return {"query_seen": query}


class FakeWelfare:
    name = "welfare"

    @rpc
    def ping(self):
        return {"status": "ok"}

    @rpc(expected_exceptions=EXPECTED)
    def list_visit_tasks(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def complete_visit_task(self, task_id, data, actor=None):
        if task_id == 404:
            raise NotFound("走访任务不存在 (no such visit task)")
        return {"id": task_id, "status": "done", "completed_by": actor, "visited_on": data["visited_on"]}

    @rpc(expected_exceptions=EXPECTED)
    def get_visit_task(self, task_id):
        if task_id == 404:
            raise NotFound("走访任务不存在 (no such visit task)")
        return {"id": task_id, "status": "open"}

    @rpc(expected_exceptions=EXPECTED)
    def cancel_visit_task(self, task_id, data, actor=None):
        if not data.get("note"):
            raise InvalidInput("输入有误 (invalid input)", {"note": ["必填 (required)"]})
        if task_id == 409:
            raise Conflict("该走访任务已完成，不能取消 (the visit task is done)")
        return {"id": task_id, "status": "cancelled", "cancel_note": data["note"], "cancelled_by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def change_assignee(self, task_id, data, actor=None):
        return {"id": task_id, "status": "open", "assignee": data.get("assignee")}

    @rpc(expected_exceptions=EXPECTED)
    def add_visitor(self, data, actor=None):
        return {"id": 3, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_visitors(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def list_pairings(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def create_pairing(self, data, actor=None):
        return {"id": 4, "active": True, **data}

    @rpc(expected_exceptions=EXPECTED)
    def get_pairing(self, pairing_id):
        if pairing_id == 404:
            raise NotFound("结对不存在 (no such pairing)")
        return {"id": pairing_id, "talks": []}

    @rpc(expected_exceptions=EXPECTED)
    def end_pairing(self, pairing_id, data, actor=None):
        return {"id": pairing_id, "active": False, "end_reason": data["reason"]}

    @rpc(expected_exceptions=EXPECTED)
    def log_pairing_talk(self, pairing_id, data, actor=None):
        return {"id": pairing_id, "talks": [dict(data, logged_by=actor)]}

    @rpc(expected_exceptions=EXPECTED)
    def members_without_pairing(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def list_festival_policies(self, data=None):
        return {"items": [], "seen": data}

    @rpc(expected_exceptions=EXPECTED)
    def set_festival_policy(self, festival, data, actor=None):
        if festival == "easter":
            raise InvalidInput("节日有误 (unknown festival)", {"festival": ["unknown"]})
        return {"festival": festival, "updated_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def run_festival_batch(self, data, actor=None):
        return {"festival": data["festival"], "year": data["year"], "created": 3}

    @rpc(expected_exceptions=EXPECTED)
    def open_help_case(self, data, actor=None):
        if not data.get("title"):
            raise InvalidInput("输入有误 (invalid input)", {"title": ["必填 (required)"]})
        return {"id": 6, "status": "open", "opened_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_help_cases(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_help_case(self, case_id):
        return {"id": case_id, "status": "open"}

    @rpc(expected_exceptions=EXPECTED)
    def assign_help_case(self, case_id, data, actor=None):
        return {"id": case_id, "status": "in_progress", "assignee": data["assignee"]}

    @rpc(expected_exceptions=EXPECTED)
    def add_help_case_note(self, case_id, data, actor=None):
        return {"id": case_id, "notes": [dict(data, written_by=actor)]}

    @rpc(expected_exceptions=EXPECTED)
    def close_help_case(self, case_id, data, actor=None):
        if case_id == 409:
            raise Conflict("该帮扶事项已办结 (the help case is closed)")
        return {"id": case_id, "status": "closed", "result": data["result"], "closed_by": actor}


class FakeNotifications:
    name = "notifications"

    @rpc
    def ping(self):
        return {"status": "ok"}

    @rpc(expected_exceptions=EXPECTED)
    def list_todos(self, filters=None, page_number=1, page_size=20, names=()):
        answer = page([], page_number, page_size, filters_seen=filters)
        answer["counts"] = {"open": 0, "snoozed": 0, "done": 0}
        answer["names_seen"] = list(names)
        return answer


class FakeFunding:
    name = "funding"

    @rpc
    def ping(self):
        return {"status": "ok"}

    @rpc(expected_exceptions=EXPECTED)
    def list_subsidy_checks(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_subsidy_check(self, check_id):
        if check_id == 404:
            raise NotFound("补助核查 404 不存在 (no such subsidy check)")
        return {"id": check_id, "status": "pending_approval"}

    @rpc(expected_exceptions=EXPECTED)
    def approve_subsidy(self, check_id, actor=None):
        if check_id == 2:
            raise Conflict("补助核查 2 状态为「已批准」，不能再审批 (the check is approved)", {"status": ["approved"]})
        return {"id": check_id, "status": "approved", "reviewed_by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def reject_subsidy(self, check_id, data, actor=None):
        return {"id": check_id, "status": "rejected", "review_note": data.get("reason"), "reviewed_by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def fix_dues(self, data, actor=None):
        if data.get("from_month") not in (None, *range(1, 13)):
            raise InvalidInput("输入有误 (invalid input)", {"from_month": ["月份应为1到12 (a month from 1 to 12)"]})
        return {"year": data["year"], "fixed": 2, "already_fixed": 0, "from_month": data.get("from_month"),
                "without_pension": [], "by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def list_dues_rates(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def adjust_dues(self, data, actor=None):
        return {"id": 4, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def pay_dues(self, data, actor=None):
        if data.get("month") == 1:
            raise InvalidInput("补缴党费最多6个月 (at most 6 months back)", {"month": ["已超过7个月"]})
        return {"id": 5, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_dues_payments(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def dues_arrears(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_statement(self, query):
        return {"year": int(query["year"]), "query_seen": query}

    @rpc(expected_exceptions=EXPECTED)
    def get_statement_xlsx(self, query):
        return {"filename": f"funding-statement-{query['year']}.xlsx",
                "content_base64": base64.b64encode(b"PK fake workbook").decode("ascii")}

    @rpc(expected_exceptions=EXPECTED)
    def reverse_expense(self, expense_id, data, actor=None):
        if expense_id == 3:
            raise Conflict("支出 3 已冲销 (already reversed)", {"expense_id": ["已冲销 (already reversed)"]})
        return {"id": expense_id, "reversal": {"reason": data.get("reason"), "reversed_by": actor}}

    @rpc(expected_exceptions=EXPECTED)
    def add_budget(self, data, actor=None):
        return {"id": 1, "recorded_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_budgets(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_budget(self, budget_id, data, actor=None):
        if not data.get("reason"):
            raise InvalidInput("输入有误 (invalid input)", {"reason": ["必填 (required)"]})
        if budget_id == 404:
            raise NotFound("预算 404 不存在 (no such budget entry)")
        if budget_id == 3:
            raise Conflict("不能冲销：专项经费余额 100.00 元，少于要冲销的预算 300.00 元（已有支出）",
                           {"special_fund": ["余额 100.00 元 (balance 100.00)"]})
        return {"id": budget_id, "reversal": {"reason": data["reason"], "reversed_by": actor}}

    @rpc(expected_exceptions=EXPECTED)
    def get_balances(self, query):
        if "year" not in query:
            raise InvalidInput("输入有误 (invalid input)", {"year": ["必填 (required)"]})
        return {"year": int(query["year"]), "sources": {"special_fund": {
            "budget": decimal.Decimal("100.00"), "spent": decimal.Decimal("0.00"), "balance": decimal.Decimal("100.00")}}}

    @rpc(expected_exceptions=EXPECTED)
    def book_expense(self, data, actor=None):
        if data["amount"] == "999.00":
            raise Conflict("经费不足 (not enough funds)", {"special_fund": ["余额 100.00 元 (balance 100.00)"]})
        return {"id": 2, "booked_by": actor, "allocations": [{"source": "special_fund", "amount": data["amount"]}]}

    @rpc(expected_exceptions=EXPECTED)
    def get_expense(self, expense_id):
        return {"id": expense_id}

    @rpc(expected_exceptions=EXPECTED)
    def list_ledger(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size, filters_seen=filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_policy(self):
        return {"version": 0, "allocation": {"activities": ["special_fund"]}}

    @rpc(expected_exceptions=EXPECTED)
    def set_policy(self, data, actor=None):
        if data.get("subsidy_min_age") == 0:
            raise InvalidInput("经费政策有误 (invalid funding policy)",
                               {"subsidy_min_age": ["年龄应为1到150周岁 (a whole number of years from 1 to 150)"]})
        return {"version": 1, "created_by": actor, **data}

    @rpc(expected_exceptions=EXPECTED)
    def list_policy_history(self, filters=None, page_number=1, page_size=20):
        return page([], page_number, page_size)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class System:
    def __init__(self, url, fakes):
        self.url = url
        self.fakes = fakes
        self.http = requests.Session()

    def call(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def login(self, username="admin", password=ADMIN_PASSWORD):
        answer = self.call("POST", "/api/v1/auth/token", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]


@pytest.fixture
def start_system(container_factory, nameko_config, service_db, monkeypatch):
    def start(admin_password=ADMIN_PASSWORD):
        if admin_password:
            monkeypatch.setenv("ADMIN_PASSWORD", admin_password)
        else:
            monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
        monkeypatch.setenv("ADMIN_USERNAME", "admin")
        monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
        monkeypatch.setenv("RPC_TIMEOUT_SECONDS", "1")
        service_db("gateway")
        port = free_port()
        config = dict(nameko_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
        fakes = {}
        for fake in (FakeMembers, FakeActivities, FakeWelfare, FakeFunding, FakeNotifications):
            fakes[fake.name] = container_factory(fake, config)
            fakes[fake.name].start()
        container_factory(GatewayService, config).start()
        return System(f"http://127.0.0.1:{port}", fakes)
    return start


@pytest.fixture
def system(start_system):
    return start_system()


@pytest.fixture
def token(system):
    return system.login()


def assert_error(answer, status, code):
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    body = answer.json()
    assert set(body) == {"error", "message", "fields"} and body["error"] == code
    return body


# -- health and auth ------------------------------------------------------------

def test_health_is_public_and_ok_when_every_service_answers(system):
    answer = system.call("GET", "/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "services": {
        "members": "ok", "activities": "ok", "welfare": "ok", "funding": "ok", "notifications": "ok"}}


def test_live_and_ready_are_public_and_say_what_they_checked(system):
    assert system.call("GET", "/health/live").json() == {"status": "ok"}
    ready = system.call("GET", "/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "broker": "ok"}}
    system.fakes["members"].stop()  # a service down: the gateway is still ready (its answers say 503)
    assert system.call("GET", "/health/ready").status_code == 200


def test_metrics_time_each_route_in_the_prometheus_text_format(system, token):
    system.call("GET", "/health")
    system.call("GET", "/api/v1/todos", token=token)
    answer = system.call("GET", "/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    text = answer.text
    assert 'wuji_entrypoint_seconds_count{entrypoint="health",kind="http",outcome="ok",service="gateway"}' in text
    assert 'entrypoint="list_todos",kind="http"' in text


def test_each_account_asks_for_its_own_to_do_list_by_its_names(system, token):
    answer = system.call("GET", "/api/v1/todos?status=all", token=token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["counts"] == {"open": 0, "snoozed": 0, "done": 0} and body["names_seen"] == ["admin"]
    assert body["filters_seen"] == {"status": "all"}


def test_the_api_needs_a_token(system):
    assert_error(system.call("GET", "/api/v1/branches"), 401, "unauthorized")
    assert_error(system.call("GET", "/api/v1/branches", token="not.a.token"), 401, "unauthorized")
    expired = jwt.encode({"sub": "admin", "role": "admin", "iat": 1, "exp": 2}, JWT_SECRET, algorithm="HS256")
    assert_error(system.call("GET", "/api/v1/branches", token=expired), 401, "unauthorized")


def test_log_in_and_use_the_token(system):
    wrong = assert_error(system.call("POST", "/api/v1/auth/token", json={"username": "admin", "password": "x"}),
                         401, "unauthorized")
    unknown = assert_error(system.call("POST", "/api/v1/auth/token", json={"username": "nobody", "password": "x"}),
                           401, "unauthorized")
    assert wrong == unknown

    answer = system.call("POST", "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert answer.status_code == 200
    issued = answer.json()
    assert issued["token_type"] == "bearer" and issued["expires_in"] > 0

    listed = system.call("GET", "/api/v1/branches?page=1&page_size=5", token=issued["access_token"])
    assert listed.status_code == 200
    assert listed.json() == {"items": [BRANCH], "total": 1, "page": 1, "page_size": 5}


def test_a_genuine_token_of_no_account_is_401_whatever_role_it_claims(system):
    # the account is read before any role is checked: only the account's current role counts
    # (403 for a role a route does not allow: tests/e2e/test_roles.py, every route and role)
    guest = jwt.encode({"sub": "visitor", "role": "admin", "iat": int(time.time()), "exp": int(time.time()) + 60},
                       JWT_SECRET, algorithm="HS256")
    assert_error(system.call("GET", "/api/v1/members", token=guest), 401, "unauthorized")


def test_a_generated_admin_password_is_printed_once_and_works(start_system, capsys):
    system = start_system(admin_password=None)
    out = capsys.readouterr().out  # the container has started: the account is made
    [line] = [line for line in out.splitlines() if "初始管理员 admin 的密码: " in line]
    password = line.split("的密码: ", 1)[1].split(" ;", 1)[0]
    assert system.login("admin", password)


# -- forwarding to the services -------------------------------------------------

def test_create_answers_201_with_the_resource(system, token):
    answer = system.call("POST", "/api/v1/branches", token=token, json={"name": "第二党支部", "unit": "市住建局"})
    assert answer.status_code == 201
    assert answer.json()["name"] == "第二党支部"


def test_a_services_invalid_input_is_400_with_its_fields(system, token):
    body = assert_error(system.call("POST", "/api/v1/branches", token=token, json={"unit": "x"}), 400, "invalid_input")
    assert body["fields"] == {"name": ["必填 (required)"]}


def test_a_services_not_found_and_conflict_keep_their_status(system, token):
    assert_error(system.call("GET", "/api/v1/branches/2", token=token), 404, "not_found")
    body = assert_error(system.call("POST", "/api/v1/branches", token=token, json={"name": "重名支部", "unit": "x"}),
                        409, "conflict")
    assert body["fields"] == {"name": ["already exists"]}


def test_unknown_paths_bad_ids_and_methods_answer_json(system, token):
    for path in ("/nowhere", "/api/v1/branches/0", "/api/v1/branches/abc", "/api/v1/branches/99999999999"):
        assert_error(system.call("GET", path, token=token), 404, "not_found")
    answer = system.call("DELETE", "/api/v1/branches", token=token)
    assert_error(answer, 405, "method_not_allowed")
    assert "GET" in answer.headers["Allow"]


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/branches/2147483648/terms"), ("PATCH", "/api/v1/members/2147483648"),
    ("GET", "/api/v1/members/2147483648/transfers"), ("POST", "/api/v1/members/0/social-roles"),
])
def test_an_id_out_of_range_under_a_path_of_other_methods_is_404_not_405(system, token, method, path):
    assert_error(system.call(method, path, token=token, json={}), 404, "not_found")


def test_answers_are_readable_chinese_with_dates_and_money_as_text(system, token):
    answer = system.call("GET", "/api/v1/members/3", token=token)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "张三" in answer.content.decode("utf-8")  # not \u5f20\u4e09
    assert answer.json() == {"id": 3, "name": "张三", "birth_date": "1940-01-02", "pension_monthly": "4800.50"}


def test_member_filters_and_paging_reach_the_service(system, token):
    answer = system.call("GET", "/api/v1/members?branch_id=1&q=%E5%BC%A0&status=active&page=2&page_size=10", token=token)
    assert answer.status_code == 200
    assert answer.json() == {"items": [], "total": 0, "page": 2, "page_size": 10,
                             "filters_seen": {"branch_id": "1", "q": "张", "status": "active"}}
    assert_error(system.call("GET", "/api/v1/members?page_size=501", token=token), 400, "invalid_input")
    assert_error(system.call("GET", "/api/v1/members?colour=red", token=token), 400, "invalid_input")


def test_update_member(system, token):
    answer = system.call("PATCH", "/api/v1/members/7", token=token, json={"phone": "13800000000"})
    assert answer.status_code == 200
    assert answer.json() == {"id": 7, "phone": "13800000000", "changed_by": "admin"}
    created = system.call("POST", "/api/v1/members", token=token, json={"name": "张三"})
    assert created.status_code == 201 and created.json()["changed_by"] == "admin"


def test_history_transfers_and_committees_reach_the_service_with_the_caller(system, token):
    history = system.call("GET", "/api/v1/members/7/history?page_size=5", token=token)
    assert history.status_code == 200
    assert history.json()["items"][0]["field"] == "phone" and history.json()["page_size"] == 5

    moved = system.call("POST", "/api/v1/members/7/transfers", token=token,
                        json={"target": "community", "date": "2026-01-05", "community": "西湖街道社区"})
    assert moved.status_code == 201
    assert moved.json()["recorded_by"] == "admin" and moved.json()["member_id"] == 7
    assert system.call("GET", "/api/v1/members/7/transfers", token=token).json()["total"] == 1

    term = system.call("POST", "/api/v1/branches/1/terms", token=token,
                       json={"starts_on": "2026-01-01", "committee": [{"member_id": 7, "role": "secretary"}]})
    assert term.status_code == 201 and term.json()["recorded_by"] == "admin"
    assert_error(system.call("POST", "/api/v1/branches/1/terms", token=token, json={"starts_on": "2026-01-01"}),
                 400, "invalid_input")
    assert system.call("GET", "/api/v1/branches/1/terms", token=token).json()["items"][0]["id"] == 2
    assert system.call("GET", "/api/v1/branches/1/committee", token=token).json()["has_secretary"] is False
    lacking = system.call("GET", "/api/v1/branches?without_secretary=true", token=token)
    assert lacking.json()["filters_seen"] == {"without_secretary": "true"}


def test_talent_search_honors_and_social_roles(system, token):
    found = system.call("GET", "/api/v1/members?specialty=%E4%B9%A6%E6%B3%95&willing_to_serve=true", token=token)
    assert found.json()["filters_seen"] == {"specialty": "书法", "willing_to_serve": "true"}
    honor = system.call("POST", "/api/v1/members/3/honors", token=token,
                        json={"title": "星级模范党员", "level": "municipal", "year": 2025})
    assert honor.status_code == 201 and honor.json()["recorded_by"] == "admin"
    honors = system.call("GET", "/api/v1/honors?level=municipal&year=2025", token=token)
    assert honors.json()["filters_seen"] == {"level": "municipal", "year": "2025"}
    assert_error(system.call("GET", "/api/v1/honors?colour=red", token=token), 400, "invalid_input")
    role = system.call("POST", "/api/v1/members/3/social-roles", token=token,
                       json={"role": "监督员", "appointed_by": "市人民检察院", "starts_on": "2024-01-01"})
    assert role.status_code == 201 and role.json()["recorded_by"] == "admin"
    assert system.call("GET", "/api/v1/members/3/social-roles", token=token).json()["total"] == 1


def test_headline_figures_pass_the_date_and_year(system, token):
    answer = system.call("GET", "/api/v1/members/figures?on=2026-12-31&year=2026", token=token)
    assert answer.status_code == 200
    assert answer.json() == {"members_total": 3, "query_seen": {"on": "2026-12-31", "year": "2026"}}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_excel_template_import_job_errors_and_export(system, token):
    template = system.call("GET", "/api/v1/members/import-template", token=token)
    assert template.status_code == 200 and template.headers["Content-Type"] == XLSX
    assert template.content == b"PK-template" and "attachment" in template.headers["Content-Disposition"]

    started = system.call("POST", "/api/v1/members/imports?filename=%E5%90%8D%E5%86%8C.xlsx", token=token,
                          data=b"PK\x03\x04 workbook bytes", headers={"Content-Type": XLSX})
    assert started.status_code == 202
    assert started.json() == {"id": 8, "status": "queued", "filename": "名册.xlsx", "started_by": "admin", "size": 19}
    assert system.call("GET", "/api/v1/members/imports/8", token=token).json()["progress"] == 40
    assert system.call("GET", "/api/v1/members/imports/8/errors", token=token).json()["items"][0]["column"] == "性别"
    bad_rows = system.call("GET", "/api/v1/members/imports/8/errors.xlsx", token=token)
    assert bad_rows.headers["Content-Type"] == XLSX and bad_rows.content == b"PK-errors-8"

    exported = system.call("GET", "/api/v1/members/export?org_relation=community", token=token)
    assert exported.status_code == 200 and json.loads(exported.content) == {"org_relation": "community"}
    assert_error(system.call("GET", "/api/v1/members/export?page=x&colour=red", token=token), 400, "invalid_input")

    assert_error(system.call("POST", "/api/v1/members/imports", token=token, json={"a": 1}),
                 415, "unsupported_media_type")
    assert_error(system.call("POST", "/api/v1/members/imports", token=token, data=b"",
                             headers={"Content-Type": XLSX}), 400, "invalid_input")
    assert_error(system.call("POST", "/api/v1/members/imports", token=token, data=b"x" * (20 * 1024 * 1024 + 1),
                             headers={"Content-Type": XLSX}), 413, "payload_too_large")


def test_who_read_health_events_is_for_admins_only(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    answer = system.call("GET", "/api/v1/members/3/health-reads", token=token)
    assert answer.status_code == 200 and answer.json()["items"][0]["read_by"] == "admin"
    staff = jwt.encode({"sub": "clerk", "role": "staff", "iat": int(time.time()), "exp": int(time.time()) + 60},
                       JWT_SECRET, algorithm="HS256")
    assert_error(system.call("GET", "/api/v1/members/3/health-reads", token=staff), 403, "forbidden")
    assert system.call("GET", "/api/v1/members/3/history", token=staff).status_code == 200


def test_a_health_event_carries_the_idempotency_key_and_the_recorder(system, token):
    event = {"kind": "hospitalized", "date": "2024-03-01", "hospital": "市第一人民医院"}
    answer = system.call("POST", "/api/v1/members/3/health-events", token=token, json=event,
                         headers={"Idempotency-Key": "retry-me-1"})
    assert answer.status_code == 201
    assert answer.json() == {"id": 9, "member_id": 3, "request_id": "retry-me-1", "recorded_by": "admin", **event}

    without_key = system.call("POST", "/api/v1/members/3/health-events", token=token, json=event).json()
    assert len(without_key["request_id"]) == 36  # a fresh uuid4

    body = assert_error(system.call("POST", "/api/v1/members/3/health-events", token=token, json=event,
                                    headers={"Idempotency-Key": "k" * 65}), 400, "invalid_input")
    assert "Idempotency-Key" in body["fields"]


def test_every_read_of_health_events_is_audited(system, token, caplog):
    caplog.set_level(logging.INFO, logger="wuji.audit")
    answer = system.call("GET", "/api/v1/members/3/health-events", token=token)
    assert answer.status_code == 200 and answer.json()["total"] == 1
    assert answer.json()["read_by"] == "admin"  # the service records who read
    [record] = [r for r in caplog.records if r.name == "wuji.audit"]
    assert "member 3" in record.getMessage() and "admin" in record.getMessage()


def test_visit_tasks_and_subsidy_checks(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    tasks = system.call("GET", "/api/v1/visit-tasks?member_id=3&status=overdue&due_before=2024-05-01", token=token)
    assert tasks.json()["filters_seen"] == {"member_id": "3", "status": "overdue", "due_before": "2024-05-01"}

    done = system.call("POST", "/api/v1/visit-tasks/12/complete", token=token,
                       json={"visited_on": "2024-03-02", "visitors": ["王五"]})
    assert done.status_code == 200
    assert done.json() == {"id": 12, "status": "done", "completed_by": "admin", "visited_on": "2024-03-02"}
    assert_error(system.call("POST", "/api/v1/visit-tasks/404/complete", token=token,
                             json={"visited_on": "2024-03-02", "visitors": ["王五"]}), 404, "not_found")

    checks = system.call("GET", "/api/v1/subsidy-checks?member_id=3&status=pending_approval", token=token)
    assert checks.status_code == 200 and checks.json()["filters_seen"] == {"member_id": "3", "status": "pending_approval"}

    approved = system.call("POST", "/api/v1/subsidy-checks/1/approve", token=staff_token())
    assert approved.status_code == 200 and approved.json()["reviewed_by"] == "clerk"
    assert_error(system.call("POST", "/api/v1/subsidy-checks/2/approve", token=token), 409, "conflict")
    rejected = system.call("POST", "/api/v1/subsidy-checks/3/reject", token=token, json={"reason": "已由工会补助"})
    assert rejected.json() == {"id": 3, "status": "rejected", "review_note": "已由工会补助", "reviewed_by": "admin"}
    assert_error(system.call("POST", "/api/v1/subsidy-checks/3/reject", token=token, data=b"x"), 415,
                 "unsupported_media_type")


def test_one_subsidy_check(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    answer = system.call("GET", "/api/v1/subsidy-checks/7", token=staff_token())
    assert answer.status_code == 200 and answer.json() == {"id": 7, "status": "pending_approval"}
    assert_error(system.call("GET", "/api/v1/subsidy-checks/404", token=token), 404, "not_found")
    assert_error(system.call("GET", "/api/v1/subsidy-checks/7"), 401, "unauthorized")


def staff_token():
    now = int(time.time())
    return jwt.encode({"sub": "clerk", "role": "staff", "iat": now, "exp": now + 60}, JWT_SECRET, algorithm="HS256")


def test_funding_budgets_balances_expenses_and_the_ledger(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    made = system.call("POST", "/api/v1/funding/budgets", token=token,
                       json={"year": 2026, "source": "special_fund", "amount": "100.00"})
    assert made.status_code == 201 and made.json()["recorded_by"] == "admin"

    balances = system.call("GET", "/api/v1/funding/balances?year=2026", token=token)
    assert balances.json()["sources"]["special_fund"] == {"budget": "100.00", "spent": "0.00", "balance": "100.00"}
    assert_error(system.call("GET", "/api/v1/funding/balances", token=token), 400, "invalid_input")
    assert_error(system.call("GET", "/api/v1/funding/balances?year=2026&colour=red", token=token), 400, "invalid_input")

    body = {"year": 2026, "category": "activities", "amount": "50.00", "description": "活动"}
    booked = system.call("POST", "/api/v1/funding/expenses", token=staff_token(), json=body)
    assert booked.status_code == 201 and booked.json()["booked_by"] == "clerk"
    refused = assert_error(system.call("POST", "/api/v1/funding/expenses", token=token, json=dict(body, amount="999.00")),
                           409, "conflict")
    assert refused["fields"] == {"special_fund": ["余额 100.00 元 (balance 100.00)"]}
    assert system.call("GET", "/api/v1/funding/expenses/2", token=token).json() == {"id": 2}
    reversed_ = system.call("POST", "/api/v1/funding/expenses/2/reverse", token=token, json={"reason": "录入错误"})
    assert reversed_.json() == {"id": 2, "reversal": {"reason": "录入错误", "reversed_by": "admin"}}
    assert_error(system.call("POST", "/api/v1/funding/expenses/3/reverse", token=token, json={"reason": "x"}),
                 409, "conflict")

    ledger = system.call("GET", "/api/v1/funding/ledger?year=2026&source=special_fund&category=activities"
                                "&member_id=3&date_from=2026-01-01&date_to=2026-12-31&page=2&page_size=5", token=token)
    assert ledger.json()["filters_seen"] == {"year": "2026", "source": "special_fund", "category": "activities",
                                             "member_id": "3", "date_from": "2026-01-01", "date_to": "2026-12-31"}
    assert (ledger.json()["page"], ledger.json()["page_size"]) == (2, 5)


def test_funding_budgets_are_listed_and_reversed(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    listed = system.call("GET", "/api/v1/funding/budgets?year=2026&source=special_fund&page=2&page_size=5",
                         token=staff_token())
    assert listed.status_code == 200
    assert listed.json()["filters_seen"] == {"year": "2026", "source": "special_fund"}
    assert (listed.json()["page"], listed.json()["page_size"]) == (2, 5)
    assert_error(system.call("GET", "/api/v1/funding/budgets?kind=budget", token=token), 400, "invalid_input")

    reversed_ = system.call("POST", "/api/v1/funding/budgets/2/reverse", token=staff_token(), json={"reason": "重复录入"})
    assert reversed_.status_code == 200
    assert reversed_.json() == {"id": 2, "reversal": {"reason": "重复录入", "reversed_by": "clerk"}}
    spent = assert_error(system.call("POST", "/api/v1/funding/budgets/3/reverse", token=token, json={"reason": "x"}),
                         409, "conflict")
    assert spent["fields"] == {"special_fund": ["余额 100.00 元 (balance 100.00)"]} and "余额 100.00 元" in spent["message"]
    assert_error(system.call("POST", "/api/v1/funding/budgets/404/reverse", token=token, json={"reason": "x"}),
                 404, "not_found")
    assert "reason" in assert_error(system.call("POST", "/api/v1/funding/budgets/2/reverse", token=token, json={}),
                                    400, "invalid_input")["fields"]
    assert_error(system.call("POST", "/api/v1/funding/budgets/x/reverse", token=token, json={"reason": "x"}),
                 404, "not_found")
    assert_error(system.call("POST", "/api/v1/funding/budgets/2/reverse", json={"reason": "x"}), 401, "unauthorized")


def test_only_an_admin_changes_the_funding_policy(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    assert system.call("GET", "/api/v1/funding/policy", token=staff_token()).json()["version"] == 0
    body = {"allocation": {"activities": ["public_fund"]}}
    assert_error(system.call("PUT", "/api/v1/funding/policy", token=staff_token(), json=body), 403, "forbidden")
    changed = system.call("PUT", "/api/v1/funding/policy", token=token, json=body)
    assert changed.status_code == 200 and changed.json()["created_by"] == "admin"
    subsidy = {"subsidy_min_age": 75, "subsidy_amount": "800.00", "subsidy_yearly_cap": "3000.00"}
    assert system.call("PUT", "/api/v1/funding/policy", token=token, json=dict(body, **subsidy)).json()[
        "subsidy_amount"] == "800.00"
    bad = assert_error(system.call("PUT", "/api/v1/funding/policy", token=token, json=dict(body, subsidy_min_age=0)),
                       400, "invalid_input")
    assert list(bad["fields"]) == ["subsidy_min_age"]
    assert system.call("GET", "/api/v1/funding/policy/history?page_size=3", token=token).json()["page_size"] == 3


def test_funding_statement_as_json_and_as_a_workbook(system, token):
    assert system.call("GET", "/api/v1/funding/statement?year=2026", token=token).json() == {
        "year": 2026, "query_seen": {"year": "2026"}}
    workbook = system.call("GET", "/api/v1/funding/statement?year=2026&format=xlsx", token=token)
    assert workbook.status_code == 200 and workbook.content == b"PK fake workbook"
    assert workbook.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert workbook.headers["Content-Disposition"].startswith('attachment; filename="funding-statement-2026.xlsx"')
    bad = assert_error(system.call("GET", "/api/v1/funding/statement?year=2026&format=pdf", token=token),
                       400, "invalid_input")
    assert "format" in bad["fields"]


def test_funding_dues(system, token):
    make_account(system, token)  # the staff tokens below name this account: it is read at every request
    fixed = system.call("POST", "/api/v1/funding/dues/rates", token=token, json={"year": 2026})
    assert fixed.status_code == 200 and fixed.json()["by"] == "admin"
    named = system.call("POST", "/api/v1/funding/dues/rates", token=token, json={"year": 2026, "from_month": 4})
    assert named.status_code == 200 and named.json()["from_month"] == 4
    bad = assert_error(system.call("POST", "/api/v1/funding/dues/rates", token=token, json={"year": 2026, "from_month": 13}),
                       400, "invalid_input")
    assert list(bad["fields"]) == ["from_month"]
    adjusted = system.call("POST", "/api/v1/funding/dues/adjustments", token=staff_token(),
                           json={"member_id": 1, "year": 2026, "from_month": 3, "monthly_amount": "0.00", "reason": "免缴"})
    assert adjusted.status_code == 201 and adjusted.json()["recorded_by"] == "clerk"
    body = {"member_id": 1, "year": 2026, "month": 7, "paid_by": "member"}
    assert system.call("POST", "/api/v1/funding/dues/payments", token=token, json=body).status_code == 201
    late = assert_error(system.call("POST", "/api/v1/funding/dues/payments", token=token, json=dict(body, month=1)),
                        400, "invalid_input")
    assert "month" in late["fields"]
    for path in ("rates", "payments", "arrears"):
        answer = system.call("GET", f"/api/v1/funding/dues/{path}?year=2026&member_id=1", token=token)
        assert answer.json()["filters_seen"] == {"year": "2026", "member_id": "1"}, path


def test_activities_routes(system, token):
    session = {"branch_id": 1, "date": "2026-03-10", "topic": "学习", "attendees": [1]}
    answer = system.call("POST", "/api/v1/study-sessions", token=token, json=session)
    assert answer.status_code == 201 and answer.json() == {"id": 4, "recorded_by": "admin", **session}
    body = assert_error(system.call("POST", "/api/v1/study-sessions", token=token, json=dict(session, attendees=[99])),
                        400, "invalid_input")
    assert body["fields"] == {"attendees": ["党员 99 不存在 (no such member)"]}
    listed = system.call("GET", "/api/v1/study-sessions?branch_id=1&date_from=2026-01-01&page=2&page_size=5", token=token)
    assert listed.json() == {"items": [], "total": 0, "page": 2, "page_size": 5,
                             "filters_seen": {"branch_id": "1", "date_from": "2026-01-01"}}
    assert system.call("GET", "/api/v1/study-sessions/3", token=token).json() == {"id": 3}
    assert_error(system.call("GET", "/api/v1/study-sessions/404", token=token), 404, "not_found")
    catch_up = {"member_id": 2, "method": "home_delivery", "date": "2026-03-11"}
    answer = system.call("POST", "/api/v1/study-sessions/3/catch-ups", token=token, json=catch_up)
    assert answer.status_code == 201 and answer.json() == {"id": 3, "caught_up": catch_up}
    absences = system.call("GET", "/api/v1/study-absences?branch_id=1&caught_up=false", token=token)
    assert absences.json()["filters_seen"] == {"branch_id": "1", "caught_up": "false"}
    compliance = system.call("GET", "/api/v1/study-compliance?branch_id=1&year=2026", token=token)
    assert compliance.json() == {"query_seen": {"branch_id": "1", "year": "2026"}}

    contact = {"branch_id": 1, "level": "committee_member", "member_id": 2}
    answer = system.call("POST", "/api/v1/contacts", token=token, json=contact, headers={"Idempotency-Key": "c-1"})
    assert answer.status_code == 201
    assert (answer.json()["recorded_by"], answer.json()["request_id"]) == ("admin", "c-1")
    contacts = system.call("GET", "/api/v1/contacts?level=staff_committee&member_id=2&date_to=2026-12-31", token=token)
    assert contacts.json()["filters_seen"] == {"level": "staff_committee", "member_id": "2", "date_to": "2026-12-31"}
    coverage = system.call("GET", "/api/v1/contacts/coverage?branch_id=1&as_of=2026-11-01&page_size=50", token=token)
    assert coverage.json()["query_seen"] == {"branch_id": "1", "as_of": "2026-11-01"}
    assert coverage.json()["page_size"] == 50
    assert_error(system.call("GET", "/api/v1/contacts/coverage?colour=red", token=token), 400, "invalid_input")

    activity = {"branch_id": 1, "kind": "volunteer_service", "participants": [1], "cost": "10.00"}
    answer = system.call("POST", "/api/v1/activities", token=token, json=activity, headers={"Idempotency-Key": "a-1"})
    assert answer.status_code == 201
    assert answer.json() == {"id": 8, "recorded_by": "admin", "request_id": "a-1", **activity}
    without_key = system.call("POST", "/api/v1/activities", token=token, json=activity).json()
    assert len(without_key["request_id"]) == 36  # a fresh uuid4
    assert_error(system.call("POST", "/api/v1/activities", token=token, json=activity,
                             headers={"Idempotency-Key": "k" * 65}), 400, "invalid_input")
    activities = system.call("GET", "/api/v1/activities?kind=volunteer_service&branch_id=1", token=token)
    assert activities.json()["filters_seen"] == {"kind": "volunteer_service", "branch_id": "1"}
    assert system.call("GET", "/api/v1/activities/8", token=token).json() == {"id": 8}

    bulletin = {"branch_id": 1, "number": 2, "date": "2026-01-07", "items": []}
    answer = system.call("POST", "/api/v1/bulletins", token=token, json=bulletin)
    assert answer.status_code == 201 and answer.json() == {"id": 10, "recorded_by": "admin", **bulletin}
    body = assert_error(system.call("POST", "/api/v1/bulletins", token=token, json=dict(bulletin, number=1)),
                        409, "conflict")
    assert body["fields"] == {"number": ["taken"]}
    bulletins = system.call("GET", "/api/v1/bulletins?branch_id=1&year=2026&page=3", token=token).json()
    assert (bulletins["filters_seen"], bulletins["page"]) == ({"branch_id": "1", "year": "2026"}, 3)
    assert system.call("GET", "/api/v1/bulletins/10", token=token).json() == {"id": 10}
    gaps = system.call("GET", "/api/v1/bulletin-gaps?branch_id=1&year=2026", token=token).json()
    assert gaps == {"query_seen": {"branch_id": "1", "year": "2026"}}

    meeting = {"kind": "lunzheng", "topic": "旧城改造", "participants": [{"member_id": 1, "advice": "好"}]}
    answer = system.call("POST", "/api/v1/review-meetings", token=token, json=meeting)
    assert answer.status_code == 201 and answer.json() == {"id": 11, "recorded_by": "admin", **meeting}
    meetings = system.call("GET", "/api/v1/review-meetings?member_id=1&kind=yantao", token=token).json()
    assert meetings["filters_seen"] == {"member_id": "1", "kind": "yantao"}
    assert system.call("GET", "/api/v1/review-meetings/11", token=token).json() == {"id": 11}
    experts = system.call("GET", "/api/v1/experts?specialty=%E5%9F%8E%E5%B8%82%E8%A7%84%E5%88%92", token=token).json()
    assert experts["filters_seen"] == {"specialty": "城市规划"}
    figures = system.call("GET", "/api/v1/activity-statistics?year=2026", token=token).json()
    assert figures == {"query_seen": {"year": "2026"}}
    assert_error(system.call("GET", "/api/v1/activity-statistics?year=2026&branch=1", token=token), 400, "invalid_input")
    query = "member_id=3&assignee=李干事&cause=birthday&overdue=true&due_after=2024-04-01&due_before=2024-05-01"
    tasks = system.call("GET", "/api/v1/visit-tasks?" + query, token=token)
    assert tasks.json()["filters_seen"] == {"member_id": "3", "assignee": "李干事", "cause": "birthday",
                                            "overdue": "true", "due_after": "2024-04-01", "due_before": "2024-05-01"}
    assert_error(system.call("GET", "/api/v1/visit-tasks?helper=1", token=token), 400, "invalid_input")

    assert system.call("GET", "/api/v1/visit-tasks/12", token=token).json() == {"id": 12, "status": "open"}
    assert_error(system.call("GET", "/api/v1/visit-tasks/404", token=token), 404, "not_found")

    cancelled = system.call("POST", "/api/v1/visit-tasks/12/cancel", token=token, json={"note": "家属婉拒"})
    assert cancelled.status_code == 200
    assert cancelled.json() == {"id": 12, "status": "cancelled", "cancel_note": "家属婉拒", "cancelled_by": "admin"}
    body = assert_error(system.call("POST", "/api/v1/visit-tasks/12/cancel", token=token, json={}), 400, "invalid_input")
    assert "note" in body["fields"]
    assert_error(system.call("POST", "/api/v1/visit-tasks/409/cancel", token=token, json={"note": "x"}), 409, "conflict")

    assigned = system.call("PUT", "/api/v1/visit-tasks/12/assignee", token=token, json={"assignee": "李干事"})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "李干事"

    added = system.call("POST", "/api/v1/visitors", token=token, json={"name": "王委员", "role": "committee"})
    assert added.status_code == 201 and added.json()["id"] == 3
    visitors = system.call("GET", "/api/v1/visitors?role=staff&pairs=true", token=token)
    assert visitors.json()["filters_seen"] == {"role": "staff", "pairs": "true"}
    pairings = system.call("GET", "/api/v1/pairings?member_id=3&active=true", token=token)
    assert pairings.json()["filters_seen"] == {"member_id": "3", "active": "true"}

    checks = system.call("GET", "/api/v1/subsidy-checks?member_id=3", token=token)
    assert checks.status_code == 200 and checks.json()["filters_seen"] == {"member_id": "3"}


def test_pairings_and_help_cases(system, token, caplog):
    caplog.set_level(logging.INFO, logger="wuji.audit")
    call = lambda method, path, **kwargs: system.call(method, "/api/v1" + path, token=token, **kwargs)  # noqa: E731
    made = call("POST", "/pairings", json={"member_id": 3, "helper_id": 1, "reason": "lonely"})
    assert made.status_code == 201 and made.json()["id"] == 4
    assert call("GET", "/pairings/4").json() == {"id": 4, "talks": []}
    assert_error(call("GET", "/pairings/404"), 404, "not_found")
    talk = call("POST", "/pairings/4/talks", json={"talked_on": "2024-03-02", "how": "phone", "notes": "好"})
    assert talk.status_code == 201 and talk.json()["talks"][0]["logged_by"] == "admin"
    assert call("POST", "/pairings/4/end", json={"reason": "子女回来了"}).json()["active"] is False
    assert call("GET", "/unpaired-members?branch_id=2").json()["filters_seen"] == {"branch_id": "2"}
    assert_error(call("GET", "/unpaired-members?status=x"), 400, "invalid_input")
    audited = [r.getMessage() for r in caplog.records if r.name == "wuji.audit"]
    assert len(audited) == 2 and all("admin" in message for message in audited)

    opened = call("POST", "/help-cases", json={"member_id": 3, "title": "加装扶手"})
    assert opened.status_code == 201 and opened.json()["opened_by"] == "admin"
    assert_error(call("POST", "/help-cases", json={"member_id": 3}), 400, "invalid_input")
    listed = call("GET", "/help-cases?status=open&assignee=李&member_id=3&opened_after=2024-01-01&opened_before=2024-12-31")
    assert listed.json()["filters_seen"] == {"status": "open", "assignee": "李", "member_id": "3",
                                             "opened_after": "2024-01-01", "opened_before": "2024-12-31"}
    assert call("GET", "/help-cases/6").json()["status"] == "open"
    assert call("PUT", "/help-cases/6/assignee", json={"assignee": "李干事"}).json()["status"] == "in_progress"
    noted = call("POST", "/help-cases/6/notes", json={"note": "已联系物业"})
    assert noted.status_code == 201 and noted.json()["notes"][0]["written_by"] == "admin"
    closed = call("POST", "/help-cases/6/close", json={"result": "已安装"})
    assert closed.json() == {"id": 6, "status": "closed", "result": "已安装", "closed_by": "admin"}
    assert_error(call("POST", "/help-cases/409/close", json={"result": "x"}), 409, "conflict")


def test_festival_policies_and_batches(system, token):
    call = lambda method, path, **kwargs: system.call(method, "/api/v1" + path, token=token, **kwargs)  # noqa: E731
    assert call("GET", "/festival-policies?year=2027").json() == {"items": [], "seen": {"year": "2027"}}
    assert_error(call("GET", "/festival-policies?festival=x"), 400, "invalid_input")
    policy = call("PUT", "/festival-policies/double_ninth", json={"min_age": 85})
    assert policy.status_code == 200
    assert policy.json() == {"festival": "double_ninth", "updated_by": "admin", "min_age": 85}
    assert_error(call("PUT", "/festival-policies/easter", json={}), 400, "invalid_input")
    batch = call("POST", "/festival-batches", json={"festival": "spring_festival", "year": 2027})
    assert batch.status_code == 200 and batch.json()["created"] == 3


# -- bodies ---------------------------------------------------------------------

def test_bodies_that_are_refused(system, token):
    post = lambda **kwargs: system.call("POST", "/api/v1/branches", token=token, **kwargs)  # noqa: E731
    json_type = {"Content-Type": "application/json"}

    assert_error(post(data=b"{not json", headers=json_type), 400, "invalid_input")
    assert_error(post(data=b"[1, 2]", headers=json_type), 400, "invalid_input")
    body = assert_error(post(json={"name": "x", "unit": {"__type__": "decimal", "__value__": "1"}}),
                        400, "invalid_input")
    assert sorted(body["fields"]) == ["unit.__type__", "unit.__value__"]
    assert_error(post(data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "unsupported_media_type")


def test_a_body_over_one_mib_is_413(system, token):
    too_big = json.dumps({"name": "x" * (1024 * 1024), "unit": "x"}).encode()
    assert_error(system.call("POST", "/api/v1/branches", token=token, data=too_big,
                             headers={"Content-Type": "application/json"}), 413, "payload_too_large")

    def chunks():  # chunked: no Content-Length, the bytes read decide
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'", "unit": "x"}'

    assert_error(system.call("POST", "/api/v1/branches", token=token, data=chunks(),
                             headers={"Content-Type": "application/json"}), 413, "payload_too_large")


# -- a service that is down -------------------------------------------------------

def test_a_stopped_service_is_503_and_health_degraded(system, token):
    system.fakes["members"].stop()

    assert_error(system.call("GET", "/api/v1/branches", token=token), 503, "service_unavailable")

    health = system.call("GET", "/health")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded",
                             "services": {"members": "down", "activities": "ok", "welfare": "ok", "funding": "ok",
                                          "notifications": "ok"}}

    # the others still answer
    assert system.call("GET", "/api/v1/subsidy-checks", token=token).status_code == 200


# -- accounts: the gateway's own database ------------------------------------------

CLERK_PASSWORD = "二支部书记的密码 pw"


def make_account(system, token, username="clerk", role="staff", password=CLERK_PASSWORD, **extra):
    answer = system.call("POST", "/api/v1/accounts", token=token,
                         json={"username": username, "password": password, "role": role, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_admin_makes_accounts_and_lists_them(system, token):
    clerk = make_account(system, token, display_name="王秘书")
    assert set(clerk) == {"id", "username", "display_name", "role", "branch_ids", "active", "created_at",
                          "password_changed_at"}
    assert (clerk["username"], clerk["role"], clerk["display_name"], clerk["active"]) == ("clerk", "staff", "王秘书", True)

    clerk_token = system.login("clerk", CLERK_PASSWORD)
    assert system.call("GET", "/api/v1/branches", token=clerk_token).status_code == 200

    listed = system.call("GET", "/api/v1/accounts?page_size=1", token=token).json()
    assert (listed["total"], listed["page"], listed["page_size"]) == (2, 1, 1)
    assert [a["username"] for a in listed["items"]] == ["clerk"]  # newest first
    by_name = system.call("GET", "/api/v1/accounts?order=username", token=token).json()
    assert [a["username"] for a in by_name["items"]] == ["admin", "clerk"]
    assert "password_hash" not in json.dumps(by_name)
    assert_error(system.call("GET", "/api/v1/accounts?order=role", token=token), 400, "invalid_input")


def test_only_admins_manage_accounts(system, token):
    clerk = make_account(system, token)
    clerk_token = system.login("clerk", CLERK_PASSWORD)
    for method, path, body in (("POST", "/api/v1/accounts", {"username": "x", "password": "y", "role": "admin"}),
                               ("GET", "/api/v1/accounts", None),
                               ("PATCH", f"/api/v1/accounts/{clerk['id']}", {"role": "admin"}),
                               ("POST", "/api/v1/accounts/1/password", {"new_password": "taken-over-pw"})):
        assert_error(system.call(method, path, token=clerk_token, json=body), 403, "forbidden")
    assert_error(system.call("GET", "/api/v1/accounts"), 401, "unauthorized")


def test_a_taken_username_is_409_and_a_weak_password_400(system, token):
    make_account(system, token)
    taken = system.call("POST", "/api/v1/accounts", token=token,
                        json={"username": "clerk", "password": "another-password", "role": "staff"})
    assert "username" in assert_error(taken, 409, "conflict")["fields"]
    weak = system.call("POST", "/api/v1/accounts", token=token,
                       json={"username": "clerk2", "password": "short", "role": "staff"})
    assert assert_error(weak, 400, "invalid_input")["fields"] == {"password": ["密码至少10位 (at least 10 characters)"]}
    bad_name = system.call("POST", "/api/v1/accounts", token=token,
                           json={"username": "王 秘书", "password": CLERK_PASSWORD, "role": "staff"})
    assert "username" in assert_error(bad_name, 400, "invalid_input")["fields"]


def test_an_account_changes_its_own_password(system, token, caplog):
    make_account(system, token)
    clerk_token = system.login("clerk", CLERK_PASSWORD)
    new = "自己选的新密码 chosen"

    wrong = system.call("POST", "/api/v1/auth/password", token=clerk_token,
                        json={"current_password": "not-it", "new_password": new})
    assert assert_error(wrong, 400, "invalid_input")["fields"] == {
        "current_password": ["当前密码不正确 (wrong current password)"]}
    same = system.call("POST", "/api/v1/auth/password", token=clerk_token,
                       json={"current_password": CLERK_PASSWORD, "new_password": CLERK_PASSWORD})
    assert list(assert_error(same, 400, "invalid_input")["fields"]) == ["new_password"]

    with caplog.at_level(logging.INFO, logger="wuji.audit"):
        changed = system.call("POST", "/api/v1/auth/password", token=clerk_token,
                              json={"current_password": CLERK_PASSWORD, "new_password": new})
    assert changed.status_code == 200 and changed.json() == {"changed": True}
    assert "password of account clerk changed by its owner" in caplog.text
    assert new not in caplog.text and CLERK_PASSWORD not in caplog.text

    assert_error(system.call("POST", "/api/v1/auth/token", json={"username": "clerk", "password": CLERK_PASSWORD}),
                 401, "unauthorized")
    assert system.login("clerk", new)
    [clerk] = [a for a in system.call("GET", "/api/v1/accounts", token=token).json()["items"] if a["username"] == "clerk"]
    assert clerk["password_changed_at"] is not None


def test_an_admin_sets_a_password_and_deactivates_an_account(system, token):
    clerk = make_account(system, token)
    clerk_token = system.login("clerk", CLERK_PASSWORD)

    reset = system.call("POST", f"/api/v1/accounts/{clerk['id']}/password", token=token,
                        json={"new_password": "管理员给的新密码 given"})
    assert reset.status_code == 200 and reset.json() == {"changed": True}
    assert system.login("clerk", "管理员给的新密码 given")
    assert_error(system.call("POST", "/api/v1/accounts/999/password", token=token,
                             json={"new_password": "管理员给的新密码 given"}), 404, "not_found")

    patched = system.call("PATCH", f"/api/v1/accounts/{clerk['id']}", token=token, json={"active": False})
    assert patched.status_code == 200 and patched.json()["active"] is False
    inactive = system.call("POST", "/api/v1/auth/token", json={"username": "clerk", "password": "管理员给的新密码 given"})
    wrong = system.call("POST", "/api/v1/auth/token", json={"username": "admin", "password": "not-it"})
    assert assert_error(inactive, 401, "unauthorized") == assert_error(wrong, 401, "unauthorized")
    # a token issued before the reset and the deactivation is refused at once (issue 11)
    assert_error(system.call("GET", "/api/v1/branches", token=clerk_token), 401, "unauthorized")

    promoted = system.call("PATCH", f"/api/v1/accounts/{clerk['id']}", token=token,
                           json={"active": True, "role": "admin", "display_name": "王主任"})
    assert (promoted.json()["active"], promoted.json()["role"]) == (True, "admin")
    assert_error(system.call("PATCH", "/api/v1/accounts/999", token=token, json={"active": False}), 404, "not_found")


def test_the_last_active_admin_is_kept(system, token):
    last = system.call("PATCH", "/api/v1/accounts/1", token=token, json={"role": "staff"})
    body = assert_error(last, 409, "conflict")
    assert "最后一位在用的管理员" in body["message"] and "role" in body["fields"]
    assert_error(system.call("PATCH", "/api/v1/accounts/1", token=token, json={"active": False}), 409, "conflict")


def test_five_failed_logins_lock_the_username_until_the_time_is_over(system, token):
    make_account(system, token)
    login = {"username": "clerk", "password": CLERK_PASSWORD}
    for _ in range(5):
        assert_error(system.call("POST", "/api/v1/auth/token", json=dict(login, password="wrong")),
                     401, "unauthorized")
    locked = system.call("POST", "/api/v1/auth/token", json=login)  # the right password
    body = assert_error(locked, 429, "too_many_attempts")
    assert "15分钟后再试" in body["message"]
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert system.login("admin")  # other usernames log in

    # the count is in the gateway's database: move it 15 minutes into the past
    engine = sa.create_engine(os.environ["GATEWAY_DATABASE_URL"], poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        for table in ("login_throttle", "login_throttle_pairs"):  # the lock is the pair's (clerk, this address)
            connection.execute(sa.text(
                f"UPDATE {table} SET window_started_at = window_started_at - interval '15 minutes', "
                "locked_until = locked_until - interval '15 minutes' WHERE username = 'clerk'"))
    engine.dispose()
    assert system.login("clerk", CLERK_PASSWORD)


# -- the API describes itself ------------------------------------------------------

def test_the_document_and_swagger_ui_are_public_and_served_locally(system):
    document = system.call("GET", "/api/v1/openapi.json")
    assert document.status_code == 200 and document.json()["openapi"].startswith("3.")
    assert "/api/v1/subsidy-checks/{check_id}" in document.json()["paths"]

    page = system.call("GET", "/api/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "/api/v1/openapi.json" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/api/docs/") for asset in assets)  # no CDN
    for asset in assets:
        answer = system.call("GET", asset)
        assert answer.status_code == 200 and len(answer.content) > 100, asset
    assert "SwaggerUIBundle" in system.call("GET", "/api/docs/swagger-ui-bundle.js").text
    assert_error(system.call("GET", "/api/docs/secret.txt"), 404, "not_found")


# -- revocation and the audit log (issue 11) -----------------------------------------

def audit_log(system, token, **filters):
    answer = system.call("GET", "/api/v1/audit-log", token=token, params=filters)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_demoted_admins_old_token_cannot_make_an_admin(system, token):
    boss = make_account(system, token, username="boss", role="admin")
    boss_token = system.login("boss", CLERK_PASSWORD)
    assert system.call("GET", "/api/v1/accounts", token=boss_token).status_code == 200
    assert system.call("PATCH", f"/api/v1/accounts/{boss['id']}", token=token, json={"role": "staff"}).status_code == 200

    attempt = system.call("POST", "/api/v1/accounts", token=boss_token,
                          json={"username": "mole", "password": CLERK_PASSWORD, "role": "admin"})
    assert_error(attempt, 403, "forbidden")
    assert_error(system.call("GET", "/api/v1/accounts", token=boss_token), 403, "forbidden")
    assert system.call("GET", "/api/v1/branches", token=boss_token).status_code == 200  # still staff
    [entry] = audit_log(system, token, actor="boss", action="create_account")["items"]
    assert (entry["role"], entry["status"], entry["path"]) == ("staff", 403, "/api/v1/accounts")


def test_a_deactivated_accounts_token_is_refused_at_its_next_request(system, token):
    clerk = make_account(system, token)
    clerk_token = system.login("clerk", CLERK_PASSWORD)
    budget = {"year": 2026, "source": "special_fund", "amount": "100.00"}
    assert system.call("POST", "/api/v1/funding/budgets", token=clerk_token, json=budget).status_code == 201
    system.call("PATCH", f"/api/v1/accounts/{clerk['id']}", token=token, json={"active": False})

    assert_error(system.call("POST", "/api/v1/funding/budgets", token=clerk_token, json=budget), 401, "unauthorized")
    assert_error(system.call("GET", "/api/v1/branches", token=clerk_token), 401, "unauthorized")
    statuses = [e["status"] for e in audit_log(system, token, actor="clerk", action="add_budget")["items"]]
    assert statuses == [401, 201]  # newest first


def test_after_a_password_change_the_old_token_is_refused_and_the_new_one_works(system, token):
    clerk = make_account(system, token)
    old = system.login("clerk", CLERK_PASSWORD)
    chosen = "自己选的新密码 chosen"
    changed = system.call("POST", "/api/v1/auth/password", token=old,
                          json={"current_password": CLERK_PASSWORD, "new_password": chosen})
    assert changed.status_code == 200
    assert_error(system.call("GET", "/api/v1/branches", token=old), 401, "unauthorized")
    new = system.login("clerk", chosen)
    assert system.call("GET", "/api/v1/branches", token=new).status_code == 200

    # an admin's reset ends the tokens too
    reset = system.call("POST", f"/api/v1/accounts/{clerk['id']}/password", token=token,
                        json={"new_password": "管理员给的新密码 given"})
    assert reset.status_code == 200
    assert_error(system.call("GET", "/api/v1/branches", token=new), 401, "unauthorized")
    assert system.call("GET", "/api/v1/branches", token=system.login("clerk", "管理员给的新密码 given")).status_code == 200


def test_logins_money_and_health_reads_are_in_the_audit_log(system, token):
    make_account(system, token)
    assert_error(system.call("POST", "/api/v1/auth/token", json={"username": "clerk", "password": "wrong"}),
                 401, "unauthorized")
    clerk_token = system.login("clerk", CLERK_PASSWORD)
    booked = system.call("POST", "/api/v1/funding/budgets", token=clerk_token,
                         json={"year": 2026, "source": "special_fund", "amount": "100.00"})
    assert booked.status_code == 201
    assert system.call("GET", "/api/v1/members/3/health-events", token=clerk_token,
                       headers={"Idempotency-Key": "read-1"}).status_code == 200
    assert system.call("GET", "/api/v1/branches", token=clerk_token).status_code == 200  # not audited

    entries = audit_log(system, token, actor="clerk")["items"]
    assert [(e["action"], e["role"], e["status"], e["member_id"]) for e in entries] == [
        ("list_health_events", "staff", 200, 3),
        ("add_budget", "staff", 201, None),
        ("issue_token", "staff", 200, None),
        ("issue_token", None, 401, None),
    ]
    read = entries[0]
    assert (read["method"], read["path"], read["request_id"]) == ("GET", "/api/v1/members/3/health-events", "read-1")
    assert dt.datetime.fromisoformat(read["at"]).tzinfo is not None
    assert all(len(e["request_id"]) == 36 for e in entries[1:])  # made up: no Idempotency-Key


def test_only_admins_read_the_audit_log_and_its_filters_work(system, token):
    make_account(system, token)
    clerk_token = system.login("clerk", CLERK_PASSWORD)
    assert_error(system.call("GET", "/api/v1/audit-log", token=clerk_token), 403, "forbidden")
    assert_error(system.call("GET", "/api/v1/audit-log"), 401, "unauthorized")
    system.call("GET", "/api/v1/members/3/health-events", token=token)
    system.call("GET", "/api/v1/members/4/history", token=token)

    everything = audit_log(system, token)  # the logins, the account made, the two reads
    assert everything["total"] == 5 and (everything["page"], everything["page_size"]) == (1, 20)
    assert [e["action"] for e in audit_log(system, token, member_id=3)["items"]] == ["list_health_events"]
    assert audit_log(system, token, action="member_history")["items"][0]["member_id"] == 4
    assert [e["actor"] for e in audit_log(system, token, action="issue_token")["items"]] == ["clerk", "admin"]
    today = dt.date.today().isoformat()
    assert audit_log(system, token, date_from=today, date_to=today)["total"] == 5
    assert audit_log(system, token, date_to="2020-01-01")["total"] == 0
    assert audit_log(system, token, date_from="2999-01-01")["total"] == 0
    assert len(audit_log(system, token, page_size=1)["items"]) == 1
    assert "date_from" in assert_error(system.call("GET", "/api/v1/audit-log?date_from=yesterday", token=token),
                                       400, "invalid_input")["fields"]
    assert_error(system.call("GET", "/api/v1/audit-log?member_id=0", token=token), 400, "invalid_input")
    assert_error(system.call("GET", "/api/v1/audit-log?who=admin", token=token), 400, "invalid_input")


def test_no_route_changes_or_deletes_an_entry(system, token):
    system.call("GET", "/api/v1/members/3/health-events", token=token)
    [entry] = audit_log(system, token, action="list_health_events")["items"]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert_error(system.call(method, "/api/v1/audit-log", token=token, json={}), 405, "method_not_allowed")
        assert_error(system.call(method, f"/api/v1/audit-log/{entry['id']}", token=token, json={}), 404, "not_found")
    assert audit_log(system, token, action="list_health_events")["items"] == [entry]


def test_each_request_has_one_access_line_with_its_request_id_and_no_query(system, token):
    """The gateway's access log: method, path (not the query, which may hold a name searched for),
    status and time, on one line with the request id; also for a refused token and an unknown path."""
    from wuji_infra import logs

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append((record.getMessage(), logs.request_id()))

    keep = Keep()
    logging.getLogger("wuji.access").addHandler(keep)
    logging.getLogger("wuji.access").setLevel(logging.INFO)
    try:
        system.call("GET", "/api/v1/members?q=张建国", token=token, headers={"Idempotency-Key": "read-1"})
        system.call("GET", "/api/v1/branches", token="forged")
        system.call("GET", "/api/v1/no-such-thing", token=token)
    finally:
        logging.getLogger("wuji.access").removeHandler(keep)
    assert [re.sub(r"in [0-9.]+ ms", "in T ms", message) for message, _ in lines] == [
        "GET /api/v1/members 200 in T ms", "GET /api/v1/branches 401 in T ms", "GET /api/v1/no-such-thing 404 in T ms"]
    assert lines[0][1] == "read-1" and lines[1][1] and lines[2][1]
    assert logs.request_id() is None  # not left for the next request on this green thread

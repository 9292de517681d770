"""The route table is the one source: entrypoints, roles, the RPC list and the document."""
import re

import pytest
from nameko.containers import ServiceContainer
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import auth, openapi, web
from gateway.routes import ROUTES
from gateway.routes.table import Route, fetch
from gateway.models import Base
from gateway.service import GatewayService, build
from wuji_infra.config import SERVICES
from wuji_infra.testing import in_memory_store

from . import report_fakes
from .test_reports import FakeClock

SECRET = "unit-test-secret-of-enough-length-for-hs256"

# every RPC the gateway calls, with its arguments (docs/architecture.md: one order, one set of names)
RPCS = """
members.create_branch(data, actor) members.list_branches(filters, page, page_size) members.get_branch(branch_id)
members.create_member(data, actor) members.list_members(filters, page, page_size) members.get_member(member_id)
members.update_member(member_id, data, actor) members.member_history(member_id, filters, page, page_size)
members.transfer_member(member_id, data, actor) members.list_transfers(member_id, filters, page, page_size)
members.record_health_event(member_id, data, actor, request_id)
members.list_health_events(member_id, filters, page, page_size, actor)
members.list_health_reads(member_id, filters, page, page_size) members.elect_committee(branch_id, data, actor)
members.list_terms(branch_id, filters, page, page_size) members.get_committee(branch_id)
members.add_honor(member_id, data, actor) members.list_honors(filters, page, page_size)
members.add_social_role(member_id, data, actor) members.list_social_roles(member_id, filters, page, page_size)
members.headline_figures(query) members.import_template() members.start_import(content_base64, filename, actor)
members.get_import(job_id) members.cancel_import(job_id, actor) members.list_import_errors(job_id, filters, page, page_size)
members.import_errors_workbook(job_id) members.export_members(filters)
members.withdraw_member(member_id, data, actor) members.withdraw_branch(branch_id, data, actor)
activities.record_study_session(data, actor) activities.list_study_sessions(filters, page, page_size)
activities.get_study_session(session_id) activities.record_catch_up(session_id, data, actor)
activities.list_absences(filters, page, page_size) activities.study_compliance(query)
activities.log_contact(data, actor, request_id) activities.list_contacts(filters, page, page_size)
activities.contact_coverage(filters, page, page_size) activities.record_activity(data, actor, request_id)
activities.list_activities(filters, page, page_size) activities.get_activity(activity_id)
activities.publish_bulletin(data, actor) activities.list_bulletins(filters, page, page_size)
activities.get_bulletin(bulletin_id) activities.bulletin_gaps(query) activities.record_review_meeting(data, actor)
activities.list_review_meetings(filters, page, page_size) activities.get_review_meeting(meeting_id)
activities.list_experts(filters, page, page_size) activities.statistics(query)
welfare.list_visit_tasks(filters, page, page_size) welfare.get_visit_task(task_id)
welfare.complete_visit_task(task_id, data, actor) welfare.cancel_visit_task(task_id, data, actor)
welfare.change_assignee(task_id, data, actor) welfare.add_visitor(data, actor)
welfare.list_visitors(filters, page, page_size) welfare.list_pairings(filters, page, page_size)
welfare.create_pairing(data, actor) welfare.get_pairing(pairing_id) welfare.end_pairing(pairing_id, data, actor)
welfare.log_pairing_talk(pairing_id, data, actor) welfare.members_without_pairing(filters, page, page_size)
welfare.open_help_case(data, actor) welfare.list_help_cases(filters, page, page_size) welfare.get_help_case(case_id)
welfare.assign_help_case(case_id, data, actor) welfare.add_help_case_note(case_id, data, actor)
welfare.close_help_case(case_id, data, actor) welfare.list_festival_policies(query)
welfare.set_festival_policy(festival, data, actor) welfare.run_festival_batch(data, actor)
funding.list_subsidy_checks(filters, page, page_size) funding.get_subsidy_check(check_id)
funding.approve_subsidy(check_id, actor) funding.reject_subsidy(check_id, data, actor)
funding.add_budget(data, actor) funding.list_budgets(filters, page, page_size)
funding.reverse_budget(budget_id, data, actor) funding.get_balances(query) funding.book_expense(data, actor)
funding.get_expense(expense_id) funding.reverse_expense(expense_id, data, actor)
funding.list_ledger(filters, page, page_size) funding.get_policy() funding.set_policy(data, actor)
funding.list_policy_history(filters, page, page_size) funding.fix_dues(data, actor)
funding.list_dues_rates(filters, page, page_size) funding.adjust_dues(data, actor) funding.pay_dues(data, actor)
funding.list_dues_payments(filters, page, page_size) funding.dues_arrears(filters, page, page_size)
funding.get_statement(query) funding.get_statement_xlsx(query)
members.annual_figures(query) activities.annual_figures(query) welfare.annual_figures(query)
funding.annual_figures(query) members.scorecard_items(query) activities.scorecard_items(query)
welfare.scorecard_items(query) funding.scorecard_items(query)
funding.list_refused_expenses(filters, page, page_size) funding.book_refused_expense(refused_id, actor)
activities.record_branch_meeting(data, actor) activities.list_branch_meetings(filters, page, page_size)
activities.get_branch_meeting(branch_meeting_id) activities.add_venue(data, actor) activities.end_venue(venue_id, data, actor)
activities.list_venues(filters, page, page_size) funding.collect_dues(data, actor) funding.dues_of_month(query)
funding.dues_sheet(query, branch_name) funding.record_dues_sheet(content_base64, actor)
notifications.list_todos(filters, page, page_size, names) notifications.mark_todo_done(item_id, actor, names)
notifications.snooze_todo(item_id, data, actor, names) notifications.reopen_todo(item_id, actor, names)
notifications.get_notification_policy() notifications.set_notification_policy(data, actor)
notifications.list_deliveries(filters, page, page_size) notifications.send_test_message(actor)
"""
EXPECTED = {name: tuple(a.strip() for a in args.split(",") if a.strip())
            for name, args in re.findall(r"([\w.]+)\(([^)]*)\)", RPCS)}
PINGS = {f"{service}.ping" for service in SERVICES}
KEYWORDS = ("actor", "request_id", "names")  # by keyword; everything else positionally


def entrypoints():
    return [e for e in ServiceContainer(GatewayService).entrypoints if isinstance(e, web.ApiEndpoint)]


def test_the_table_calls_exactly_the_rpc_list():
    declared = {name for route in ROUTES for name in route.rpc}
    assert len(EXPECTED) == 124
    assert declared - PINGS == set(EXPECTED)


def service_classes():
    import importlib
    import inspect
    found = {}
    for service in SERVICES:
        module = importlib.import_module(f"{service}.service")
        found[service] = next(c for _, c in inspect.getmembers(module, inspect.isclass)
                              if getattr(c, "name", None) == service)
    return found


def test_every_service_rpc_takes_the_listed_arguments_in_the_listed_order():
    """The list above is the services' own signatures: a renamed or reordered argument on either side fails."""
    import inspect
    classes = service_classes()
    for name, args in EXPECTED.items():
        service, method = name.split(".")
        function = getattr(classes[service], method, None)
        assert function is not None and hasattr(function, "nameko_entrypoints"), f"{name} is no RPC"
        parameters = tuple(inspect.signature(function).parameters)[1:]  # after self
        assert parameters == args, f"{name}{parameters} != {args}"


def test_every_service_rpc_is_called_by_a_route():
    import inspect
    declared = {name for route in ROUTES for name in route.rpc}
    for service, cls in service_classes().items():
        for method, function in inspect.getmembers(cls, inspect.isfunction):
            if any(type(e).__name__ == "Rpc" for e in getattr(function, "nameko_entrypoints", ())):
                assert f"{service}.{method}" in declared | PINGS, f"{service}.{method}: no route calls it"


class Recorder:
    """A service client that records the call and answers a page (or a file)."""

    def __init__(self, service, calls):
        self.service, self.calls = service, calls

    def with_deadline(self, seconds):
        return self

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self.calls.append((f"{self.service}.{method}", args, kwargs))
            if method in ("get_statement_xlsx", "dues_sheet"):
                return {"content_base64": "UEs=", "filename": "x.xlsx"}
            if method in ("import_template", "import_errors_workbook", "export_members"):
                return "UEs="
            if method == "get_branch":
                return {"id": args[0], "name": "机关第一党支部"}
            if method in ("annual_figures", "scorecard_items", "organization_life_items"):
                return report_fakes.answer(f"{self.service}.{method}", args[0])
            return {"items": [], "total": 0, "page": 1, "page_size": 20}
        return call


def request_for(route, path, query=""):
    data, content_type = None, None
    if route.body == "xlsx":
        data, content_type = b"PK", web.XLSX
    elif route.body is not None:
        data, content_type = b"{}", "application/json"
    environ = EnvironBuilder(method=route.method, path=path, query_string=query, data=data,
                             content_type=content_type).get_environ()
    request = Request(environ)
    request.environ[web.CALLER] = auth.Caller("clerk", "admin")
    return request


@pytest.mark.parametrize("route", [r for r in ROUTES if set(r.rpc) - PINGS], ids=lambda r: r.key)
def test_each_route_calls_its_rpc_with_the_listed_arguments(route):
    calls = []
    service = type("Service", (), {name: Recorder(name, calls) for name in SERVICES})()
    service.clock, service.db = FakeClock(), in_memory_store("gateway", Base.metadata)
    values = {name: 7 if converter == "id" else "spring_festival" for name, converter in route.params}
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route.path)
    queries = {"GET /api/v1/funding/statement": ["format=xlsx", ""], "GET /api/v1/reports/annual": ["year=2025"],
               "GET /api/v1/reports/scorecard": ["year=2025"],
               "GET /api/v1/funding/dues/sheet": ["branch_id=7&year=2025"]}
    from gateway.routes.table import dispatch
    for q in queries.get(route.key, [""]):
        dispatch(service, route, request_for(route, path, q), values)
    assert {name for name, _, _ in calls} == set(route.rpc)
    for name, args, kwargs in calls:
        expected = EXPECTED[name]
        assert len(args) == len([a for a in expected if a not in KEYWORDS]), name
        assert set(kwargs) == {a for a in expected if a in KEYWORDS}, name


def test_a_route_without_roles_is_refused_at_import():
    with pytest.raises(ValueError, match="roles"):
        Route("GET", "/api/v1/somewhere", None, "无", rpc="members.get_member", call=fetch)
    with pytest.raises(ValueError, match="roles"):
        Route("GET", "/api/v1/somewhere", {"staff"}, "无", rpc="members.get_member", call=fetch)


def test_an_entrypoint_without_roles_is_refused_at_start():
    with pytest.raises(ValueError, match="roles"):
        web.ApiEndpoint("GET", "/api/v1/somewhere")


def test_the_service_has_one_entrypoint_per_route_with_its_roles():
    found = {e.route: e.roles for e in entrypoints()}
    assert found == {route.key: route.roles for route in ROUTES}
    with pytest.raises(ValueError, match="taken"):
        build([Route("GET", "/x", auth.PUBLIC, "x", name="members", call=fetch)])


def _token(role):
    return "Bearer " + auth.issue_token(SECRET, "someone", role)["access_token"]


@pytest.mark.parametrize("entrypoint", [e for e in entrypoints() if e.roles is not auth.PUBLIC],
                         ids=lambda e: e.route)
def test_a_role_outside_the_routes_roles_is_403_before_any_worker(entrypoint):
    entrypoint.key.secret = SECRET

    def no_worker(*args, **kwargs):
        raise AssertionError("a worker started")

    entrypoint.container = type("Container", (), {"spawn_worker": staticmethod(no_worker)})()
    entrypoint.current_caller = lambda request, caller: caller  # the account as its token says
    for role in {"guest", *auth.ROLES} - set(entrypoint.roles):
        environ = EnvironBuilder(method=entrypoint.method, path="/x",
                                 headers={"Authorization": _token(role)}).get_environ()
        response = entrypoint.handle_request(Request(environ))
        assert response.status_code == 403, (entrypoint.route, role)
    response = entrypoint.handle_request(Request(EnvironBuilder(method=entrypoint.method, path="/x").get_environ()))
    assert response.status_code == 401


# -- the document ---------------------------------------------------------------

def test_the_document_is_valid_openapi_3():
    from openapi_spec_validator import validate
    document = openapi.build()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_the_document_lists_every_served_route():
    paths = openapi.build()["paths"]
    documented = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    served = {f"{e.method} {openapi.openapi_path(e.url)}" for e in entrypoints()}
    assert documented == served


def test_every_non_public_route_has_the_bearer_scheme_and_every_path_parameter_is_documented():
    document = openapi.build()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for route in ROUTES:
        operation = document["paths"][openapi.openapi_path(route.path)][route.method.lower()]
        if route.roles is auth.PUBLIC:
            assert operation["security"] == [], route.key
        else:
            assert operation["security"] == [{"bearer": []}], route.key
            assert {"401", "403"} <= set(operation["responses"]), route.key
        in_path = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert in_path == set(re.findall(r"\{(\w+)\}", openapi.openapi_path(route.path))), route.key


def test_filters_errors_and_pages_are_documented():
    document = openapi.build()
    members = document["paths"]["/api/v1/members"]["get"]
    query = {p["name"] for p in members["parameters"] if p["in"] == "query"}
    assert query == {"branch_id", "ids", "q", "org_relation", "status", "specialty", "willing_to_serve", "withdrawn",
                     "page", "page_size"}
    page = members["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(page["properties"]) == {"items", "total", "page", "page_size"}
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "fields"}
    for status in ("400", "401", "403", "404", "503"):
        assert "$ref" in members["responses"][status]
    created = document["paths"]["/api/v1/branches"]["post"]
    assert "201" in created["responses"] and "409" in created["responses"]
    assert created["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/members.BranchIn"}
    assert "subsidy-checks/{check_id}" in " ".join(document["paths"])


def test_the_allowed_query_parameters_come_from_the_query_schema():
    route = next(r for r in ROUTES if r.key == "GET /api/v1/visit-tasks")
    assert set(route.filters) == {"member_id", "assignee", "status", "cause", "overdue", "due_after", "due_before",
                                 "visited_from", "visited_to"}
    assert next(r for r in ROUTES if r.key == "GET /api/v1/branches/<id:branch_id>").filters == ()

"""nameko HTTP entrypoints of the gateway: thin, each reads the request, calls
one service and answers.

Around every entrypoint (web.py): the token and the role are checked before
the worker starts; errors, also those raised by a service, become the JSON
error body (errors.py); each RPC has a deadline (dependencies.ServiceClient).
"""
import logging

from gateway import handlers, web
from gateway.dependencies import AccountsDatabase, ServiceClient, Tokens
from gateway.web import created, http, json_response
from wuji_infra.service import ServiceBase

audit = logging.getLogger("wuji.audit")


class GatewayService(ServiceBase):
    name = "gateway"

    db = AccountsDatabase()
    tokens = Tokens()
    members = ServiceClient("members")
    welfare = ServiceClient("welfare")
    funding = ServiceClient("funding")

    @http("GET", "/health")
    def health(self, request):
        # 200 also when degraded: a probe reads the body to see which service is down
        services = {"members": self.members, "welfare": self.welfare, "funding": self.funding}
        return json_response(handlers.health(services))

    @http("POST", "/api/v1/auth/token")
    def issue_token(self, request):
        data = web.json_body(request)
        with self.db.read() as session:
            account = handlers.authenticate(session, data)
        return json_response(self.tokens(account.username, account.role))

    # -- members service ----------------------------------------------------------

    @http("POST", "/api/v1/branches")
    def create_branch(self, request):
        return created(self.members.create_branch(web.json_body(request)))

    @http("GET", "/api/v1/branches")
    def list_branches(self, request):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_branches(page, page_size))

    @http("GET", "/api/v1/branches/<id:branch_id>")
    def get_branch(self, request, branch_id):
        return json_response(self.members.get_branch(branch_id))

    @http("POST", "/api/v1/members")
    def create_member(self, request):
        return created(self.members.create_member(web.json_body(request)))

    @http("GET", "/api/v1/members")
    def list_members(self, request):
        filters, page, page_size = web.query(request, ("branch_id", "q", "org_relation", "status"))
        return json_response(self.members.list_members(filters, page, page_size))

    @http("GET", "/api/v1/members/<id:member_id>")
    def get_member(self, request, member_id):
        return json_response(self.members.get_member(member_id))

    @http("PATCH", "/api/v1/members/<id:member_id>")
    def update_member(self, request, member_id):
        return json_response(self.members.update_member(member_id, web.json_body(request)))

    @http("POST", "/api/v1/members/<id:member_id>/health-events")
    def record_health_event(self, request, member_id):
        data = web.json_body(request)
        request_id = web.idempotency_key(request)
        event = self.members.record_health_event(member_id, data, request_id, web.caller(request).username)
        return created(event)

    @http("GET", "/api/v1/members/<id:member_id>/health-events")
    def list_health_events(self, request, member_id):
        _, page, page_size = web.query(request)
        events = self.members.list_health_events(member_id, page, page_size)
        caller = web.caller(request)
        audit.info("health events of member %s read by %s (role %s): %s of %s",
                   member_id, caller.username, caller.role, len(events["items"]), events["total"])
        return json_response(events)

    # -- welfare service ----------------------------------------------------------

    @http("GET", "/api/v1/visit-tasks")
    def list_visit_tasks(self, request):
        filters, page, page_size = web.query(
            request, ("member_id", "assignee", "status", "cause", "overdue", "due_after", "due_before"))
        return json_response(self.welfare.list_visit_tasks(filters, page, page_size))

    @http("GET", "/api/v1/visit-tasks/<id:task_id>")
    def get_visit_task(self, request, task_id):
        return json_response(self.welfare.get_visit_task(task_id))

    @http("POST", "/api/v1/visit-tasks/<id:task_id>/complete")
    def complete_visit_task(self, request, task_id):
        data = web.json_body(request)
        return json_response(self.welfare.complete_visit_task(task_id, data, web.caller(request).username))

    @http("POST", "/api/v1/visit-tasks/<id:task_id>/cancel")
    def cancel_visit_task(self, request, task_id):
        data = web.json_body(request)
        return json_response(self.welfare.cancel_visit_task(task_id, data, web.caller(request).username))

    @http("PUT", "/api/v1/visit-tasks/<id:task_id>/assignee")
    def change_visit_task_assignee(self, request, task_id):
        return json_response(self.welfare.change_assignee(task_id, web.json_body(request)))

    @http("POST", "/api/v1/visitors")
    def add_visitor(self, request):
        return created(self.welfare.add_visitor(web.json_body(request)))

    @http("GET", "/api/v1/visitors")
    def list_visitors(self, request):
        filters, page, page_size = web.query(request, ("role", "branch_id", "pairs", "active"))
        return json_response(self.welfare.list_visitors(filters, page, page_size))

    # a pairing's reason and the needs of unpaired members may tell of a serious
    # illness: health facts, so every read is logged like the health events
    @http("GET", "/api/v1/pairings")
    def list_pairings(self, request):
        filters, page, page_size = web.query(request, ("member_id", "helper_id", "active"))
        pairings = self.welfare.list_pairings(filters, page, page_size)
        self._audit(request, f"pairings {filters}", pairings["total"])
        return json_response(pairings)

    def _audit(self, request, what, count):
        caller = web.caller(request)
        audit.info("%s read by %s (role %s): %s", what, caller.username, caller.role, count)

    @http("POST", "/api/v1/pairings")
    def create_pairing(self, request):
        return created(self.welfare.create_pairing(web.json_body(request)))

    @http("GET", "/api/v1/pairings/<id:pairing_id>")
    def get_pairing(self, request, pairing_id):
        pairing = self.welfare.get_pairing(pairing_id)
        self._audit(request, f"pairing {pairing_id}", 1)
        return json_response(pairing)

    @http("POST", "/api/v1/pairings/<id:pairing_id>/end")
    def end_pairing(self, request, pairing_id):
        return json_response(self.welfare.end_pairing(pairing_id, web.json_body(request)))

    @http("POST", "/api/v1/pairings/<id:pairing_id>/talks")
    def log_pairing_talk(self, request, pairing_id):
        data = web.json_body(request)
        return created(self.welfare.log_pairing_talk(pairing_id, data, web.caller(request).username))

    @http("GET", "/api/v1/unpaired-members")
    def members_without_pairing(self, request):
        filters, page, page_size = web.query(request, ("branch_id",))
        members = self.welfare.members_without_pairing(filters, page, page_size)
        self._audit(request, f"unpaired members {filters}", members["total"])
        return json_response(members)

    @http("GET", "/api/v1/festival-policies")
    def list_festival_policies(self, request):
        filters, _, _ = web.query(request, ("year",))
        return json_response(self.welfare.list_festival_policies(filters))

    @http("PUT", "/api/v1/festival-policies/<festival>")
    def set_festival_policy(self, request, festival):
        data = web.json_body(request)
        return json_response(self.welfare.set_festival_policy(festival, data, web.caller(request).username))

    @http("POST", "/api/v1/festival-batches")
    def run_festival_batch(self, request):
        return json_response(self.welfare.run_festival_batch(web.json_body(request)))

    @http("POST", "/api/v1/help-cases")
    def open_help_case(self, request):
        return created(self.welfare.open_help_case(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/help-cases")
    def list_help_cases(self, request):
        filters, page, page_size = web.query(
            request, ("member_id", "status", "assignee", "opened_after", "opened_before"))
        return json_response(self.welfare.list_help_cases(filters, page, page_size))

    @http("GET", "/api/v1/help-cases/<id:case_id>")
    def get_help_case(self, request, case_id):
        return json_response(self.welfare.get_help_case(case_id))

    @http("PUT", "/api/v1/help-cases/<id:case_id>/assignee")
    def assign_help_case(self, request, case_id):
        return json_response(self.welfare.assign_help_case(case_id, web.json_body(request)))

    @http("POST", "/api/v1/help-cases/<id:case_id>/notes")
    def add_help_case_note(self, request, case_id):
        data = web.json_body(request)
        return created(self.welfare.add_help_case_note(case_id, data, web.caller(request).username))

    @http("POST", "/api/v1/help-cases/<id:case_id>/close")
    def close_help_case(self, request, case_id):
        data = web.json_body(request)
        return json_response(self.welfare.close_help_case(case_id, data, web.caller(request).username))

    # -- funding service ----------------------------------------------------------

    @http("GET", "/api/v1/subsidy-checks")
    def list_subsidy_checks(self, request):
        filters, page, page_size = web.query(request, ("member_id",))
        return json_response(self.funding.list_subsidy_checks(filters, page, page_size))

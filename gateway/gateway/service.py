"""nameko HTTP entrypoints of the gateway: thin, each reads the request, calls
one service and answers.

Around every entrypoint (web.py): the token and the role are checked before
the worker starts; errors, also those raised by a service, become the JSON
error body (errors.py); each RPC has a deadline (dependencies.ServiceClient).
"""
import logging

from gateway import handlers, web
from gateway.dependencies import AccountsDatabase, ServiceClient, Tokens
from gateway.web import created, http, json_response, xlsx_response
from wuji_infra.service import ServiceBase

audit = logging.getLogger("wuji.audit")

FILE_RPC_SECONDS = 60  # building or storing a workbook of 10,000 rows takes seconds, not milliseconds


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
        filters, page, page_size = web.query(request, ("without_secretary",))
        return json_response(self.members.list_branches(page, page_size, filters))

    @http("GET", "/api/v1/branches/<id:branch_id>")
    def get_branch(self, request, branch_id):
        return json_response(self.members.get_branch(branch_id))

    @http("POST", "/api/v1/members")
    def create_member(self, request):
        return created(self.members.create_member(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/members")
    def list_members(self, request):
        filters, page, page_size = web.query(
            request, ("branch_id", "q", "org_relation", "status", "specialty", "willing_to_serve"))
        return json_response(self.members.list_members(filters, page, page_size))

    @http("GET", "/api/v1/members/<id:member_id>")
    def get_member(self, request, member_id):
        return json_response(self.members.get_member(member_id))

    @http("PATCH", "/api/v1/members/<id:member_id>")
    def update_member(self, request, member_id):
        data = web.json_body(request)
        return json_response(self.members.update_member(member_id, data, web.caller(request).username))

    @http("GET", "/api/v1/members/<id:member_id>/history")
    def member_history(self, request, member_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.member_history(member_id, page, page_size))

    @http("POST", "/api/v1/members/<id:member_id>/transfers")
    def transfer_member(self, request, member_id):
        data = web.json_body(request)
        return created(self.members.transfer_member(member_id, data, web.caller(request).username))

    @http("GET", "/api/v1/members/<id:member_id>/transfers")
    def list_transfers(self, request, member_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_transfers(member_id, page, page_size))

    @http("POST", "/api/v1/members/<id:member_id>/health-events")
    def record_health_event(self, request, member_id):
        data = web.json_body(request)
        request_id = web.idempotency_key(request)
        event = self.members.record_health_event(member_id, data, request_id, web.caller(request).username)
        return created(event)

    @http("GET", "/api/v1/members/<id:member_id>/health-events")
    def list_health_events(self, request, member_id):
        _, page, page_size = web.query(request)
        caller = web.caller(request)
        # the members service records the read (who read whose) in its database
        events = self.members.list_health_events(member_id, page, page_size, caller.username)
        audit.info("health events of member %s read by %s (role %s): %s of %s",
                   member_id, caller.username, caller.role, len(events["items"]), events["total"])
        return json_response(events)

    @http("GET", "/api/v1/members/<id:member_id>/health-reads")
    def list_health_reads(self, request, member_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_health_reads(member_id, page, page_size))

    @http("POST", "/api/v1/branches/<id:branch_id>/terms")
    def elect_committee(self, request, branch_id):
        data = web.json_body(request)
        return created(self.members.elect_committee(branch_id, data, web.caller(request).username))

    @http("GET", "/api/v1/branches/<id:branch_id>/terms")
    def list_terms(self, request, branch_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_terms(branch_id, page, page_size))

    @http("GET", "/api/v1/branches/<id:branch_id>/committee")
    def get_committee(self, request, branch_id):
        return json_response(self.members.get_committee(branch_id))

    @http("GET", "/api/v1/members/figures")
    def headline_figures(self, request):
        query, _, _ = web.query(request, ("on", "year"))
        return json_response(self.members.headline_figures(query))

    # -- Excel in and out: files travel to the service as base64 ------------------

    @http("GET", "/api/v1/members/import-template")
    def import_template(self, request):
        return xlsx_response(self.members.import_template(), "党员名册导入模板.xlsx")

    @http("POST", "/api/v1/members/imports")
    def start_import(self, request):
        query, _, _ = web.query(request, ("filename",))
        content = web.xlsx_body(request)
        job = self.members.with_deadline(FILE_RPC_SECONDS).start_import(
            content, query.get("filename"), web.caller(request).username)
        return json_response(job, status=202)  # accepted: GET the job to follow its progress

    @http("GET", "/api/v1/members/imports/<id:job_id>")
    def get_import(self, request, job_id):
        return json_response(self.members.get_import(job_id))

    @http("GET", "/api/v1/members/imports/<id:job_id>/errors")
    def list_import_errors(self, request, job_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_import_errors(job_id, page, page_size))

    @http("GET", "/api/v1/members/imports/<id:job_id>/errors.xlsx")
    def import_errors_workbook(self, request, job_id):
        content = self.members.with_deadline(FILE_RPC_SECONDS).import_errors_workbook(job_id)
        return xlsx_response(content, f"导入错误行_{job_id}.xlsx")

    @http("GET", "/api/v1/members/export")
    def export_members(self, request):
        filters, _, _ = web.query(
            request, ("branch_id", "q", "org_relation", "status", "specialty", "willing_to_serve"))
        content = self.members.with_deadline(FILE_RPC_SECONDS).export_members(filters)
        return xlsx_response(content, "党员名册.xlsx")

    @http("POST", "/api/v1/members/<id:member_id>/honors")
    def add_honor(self, request, member_id):
        data = web.json_body(request)
        return created(self.members.add_honor(member_id, data, web.caller(request).username))

    @http("GET", "/api/v1/honors")
    def list_honors(self, request):
        filters, page, page_size = web.query(request, ("member_id", "level", "year"))
        return json_response(self.members.list_honors(filters, page, page_size))

    @http("POST", "/api/v1/members/<id:member_id>/engagements")
    def record_engagement(self, request, member_id):
        data = web.json_body(request)
        return created(self.members.record_engagement(member_id, data, web.caller(request).username))

    @http("GET", "/api/v1/members/<id:member_id>/engagements")
    def list_engagements(self, request, member_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_engagements(member_id, page, page_size))

    @http("POST", "/api/v1/members/<id:member_id>/social-roles")
    def add_social_role(self, request, member_id):
        data = web.json_body(request)
        return created(self.members.add_social_role(member_id, data, web.caller(request).username))

    @http("GET", "/api/v1/members/<id:member_id>/social-roles")
    def list_social_roles(self, request, member_id):
        _, page, page_size = web.query(request)
        return json_response(self.members.list_social_roles(member_id, page, page_size))

    # -- welfare service ----------------------------------------------------------

    @http("GET", "/api/v1/visit-tasks")
    def list_visit_tasks(self, request):
        filters, page, page_size = web.query(request, ("member_id", "status", "due_before"))
        return json_response(self.welfare.list_visit_tasks(filters, page, page_size))

    @http("POST", "/api/v1/visit-tasks/<id:task_id>/complete")
    def complete_visit_task(self, request, task_id):
        data = web.json_body(request)
        return json_response(self.welfare.complete_visit_task(task_id, data, web.caller(request).username))

    # -- funding service ----------------------------------------------------------

    @http("GET", "/api/v1/subsidy-checks")
    def list_subsidy_checks(self, request):
        filters, page, page_size = web.query(request, ("member_id",))
        return json_response(self.funding.list_subsidy_checks(filters, page, page_size))

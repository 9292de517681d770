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
from wuji_infra.errors import InvalidInput
from wuji_infra.service import ServiceBase
from wuji_infra.types import utc_now

audit = logging.getLogger("wuji.audit")

FILE_RPC_SECONDS = 60  # building or storing a workbook of 10,000 rows takes seconds, not milliseconds


class GatewayService(ServiceBase):
    name = "gateway"

    db = AccountsDatabase()
    tokens = Tokens()
    members = ServiceClient("members")
    activities = ServiceClient("activities")
    welfare = ServiceClient("welfare")
    funding = ServiceClient("funding")

    @http("GET", "/health")
    def health(self, request):
        # 200 also when degraded: a probe reads the body to see which service is down
        services = {"members": self.members, "activities": self.activities,
                    "welfare": self.welfare, "funding": self.funding}
        return json_response(handlers.health(services))

    @http("POST", "/api/v1/auth/token")
    def issue_token(self, request):
        account = handlers.log_in(self.db, web.json_body(request), utc_now())
        return json_response(self.tokens(account.username, account.role))

    # -- accounts: the gateway's own database -------------------------------------

    @http("POST", "/api/v1/auth/password")
    def change_own_password(self, request):
        data = web.json_body(request)
        with self.db.transaction() as tx:
            answer = handlers.change_own_password(tx.session, web.caller(request).username, data, utc_now())
        return json_response(answer)

    @http("POST", "/api/v1/accounts")
    def create_account(self, request):
        data = web.json_body(request)
        with self.db.transaction() as tx:
            account = handlers.create_account(tx.session, data, web.caller(request).username)
        return created(account)

    @http("GET", "/api/v1/accounts")
    def list_accounts(self, request):
        query, page, page_size = web.query(request, ("order",))
        with self.db.read() as session:
            return json_response(handlers.list_accounts(session, query, page, page_size))

    @http("PATCH", "/api/v1/accounts/<id:account_id>")
    def update_account(self, request, account_id):
        data = web.json_body(request)
        with self.db.transaction() as tx:
            account = handlers.update_account(tx.session, account_id, data, web.caller(request).username)
        return json_response(account)

    @http("POST", "/api/v1/accounts/<id:account_id>/password")
    def set_password(self, request, account_id):
        data = web.json_body(request)
        with self.db.transaction() as tx:
            answer = handlers.set_password(tx.session, account_id, data, web.caller(request).username)
        return json_response(answer)

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

    # -- activities service -------------------------------------------------------

    @http("POST", "/api/v1/study-sessions")
    def record_study_session(self, request):
        data = web.json_body(request)
        return created(self.activities.record_study_session(data, web.caller(request).username))

    @http("GET", "/api/v1/study-sessions")
    def list_study_sessions(self, request):
        filters, page, page_size = web.query(request, ("branch_id", "date_from", "date_to"))
        return json_response(self.activities.list_study_sessions(filters, page, page_size))

    @http("GET", "/api/v1/study-sessions/<id:session_id>")
    def get_study_session(self, request, session_id):
        return json_response(self.activities.get_study_session(session_id))

    @http("POST", "/api/v1/study-sessions/<id:session_id>/catch-ups")
    def record_catch_up(self, request, session_id):
        return created(self.activities.record_catch_up(session_id, web.json_body(request)))

    @http("GET", "/api/v1/study-absences")
    def list_absences(self, request):
        filters, page, page_size = web.query(request, ("branch_id", "member_id", "caught_up", "date_from", "date_to"))
        return json_response(self.activities.list_absences(filters, page, page_size))

    @http("GET", "/api/v1/study-compliance")
    def study_compliance(self, request):
        query, _, _ = web.query(request, ("branch_id", "year"))
        return json_response(self.activities.study_compliance(query))

    @http("POST", "/api/v1/contacts")
    def log_contact(self, request):
        data = web.json_body(request)
        request_id = web.idempotency_key(request)
        return created(self.activities.log_contact(data, web.caller(request).username, request_id))

    @http("GET", "/api/v1/contacts")
    def list_contacts(self, request):
        filters, page, page_size = web.query(request, ("branch_id", "member_id", "level", "date_from", "date_to"))
        return json_response(self.activities.list_contacts(filters, page, page_size))

    @http("GET", "/api/v1/contacts/coverage")
    def contact_coverage(self, request):
        query, page, page_size = web.query(request, ("branch_id", "as_of"))
        return json_response(self.activities.contact_coverage(query, page, page_size))

    @http("POST", "/api/v1/activities")
    def record_activity(self, request):
        data = web.json_body(request)
        request_id = web.idempotency_key(request)
        return created(self.activities.record_activity(data, web.caller(request).username, request_id))

    @http("GET", "/api/v1/activities")
    def list_activities(self, request):
        filters, page, page_size = web.query(request, ("branch_id", "kind", "date_from", "date_to"))
        return json_response(self.activities.list_activities(filters, page, page_size))

    @http("GET", "/api/v1/activities/<id:activity_id>")
    def get_activity(self, request, activity_id):
        return json_response(self.activities.get_activity(activity_id))

    @http("POST", "/api/v1/bulletins")
    def publish_bulletin(self, request):
        data = web.json_body(request)
        return created(self.activities.publish_bulletin(data, web.caller(request).username))

    @http("GET", "/api/v1/bulletins")
    def list_bulletins(self, request):
        filters, page, page_size = web.query(request, ("branch_id", "year", "date_from", "date_to"))
        return json_response(self.activities.list_bulletins(filters, page, page_size))

    @http("GET", "/api/v1/bulletins/<id:bulletin_id>")
    def get_bulletin(self, request, bulletin_id):
        return json_response(self.activities.get_bulletin(bulletin_id))

    @http("GET", "/api/v1/bulletin-gaps")
    def bulletin_gaps(self, request):
        query, _, _ = web.query(request, ("branch_id", "year"))
        return json_response(self.activities.bulletin_gaps(query))

    @http("POST", "/api/v1/review-meetings")
    def record_review_meeting(self, request):
        data = web.json_body(request)
        return created(self.activities.record_review_meeting(data, web.caller(request).username))

    @http("GET", "/api/v1/review-meetings")
    def list_review_meetings(self, request):
        filters, page, page_size = web.query(request, ("kind", "member_id", "date_from", "date_to"))
        return json_response(self.activities.list_review_meetings(filters, page, page_size))

    @http("GET", "/api/v1/review-meetings/<id:meeting_id>")
    def get_review_meeting(self, request, meeting_id):
        return json_response(self.activities.get_review_meeting(meeting_id))

    @http("GET", "/api/v1/experts")
    def list_experts(self, request):
        filters, page, page_size = web.query(request, ("specialty", "branch_id"))
        return json_response(self.activities.list_experts(filters, page, page_size))

    @http("GET", "/api/v1/activity-statistics")
    def activity_statistics(self, request):
        query, _, _ = web.query(request, ("year",))
        return json_response(self.activities.statistics(query))
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
        return web.download(self.members.import_template(), "党员名册导入模板.xlsx")

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
        return web.download(content, f"导入错误行_{job_id}.xlsx")

    @http("GET", "/api/v1/members/export")
    def export_members(self, request):
        filters, _, _ = web.query(
            request, ("branch_id", "q", "org_relation", "status", "specialty", "willing_to_serve"))
        content = self.members.with_deadline(FILE_RPC_SECONDS).export_members(filters)
        return web.download(content, "党员名册.xlsx")

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
        filters, page, page_size = web.query(request, ("member_id", "status"))
        return json_response(self.funding.list_subsidy_checks(filters, page, page_size))

    @http("POST", "/api/v1/subsidy-checks/<id:check_id>/approve")
    def approve_subsidy(self, request, check_id):
        return json_response(self.funding.approve_subsidy(check_id, web.caller(request).username))

    @http("POST", "/api/v1/subsidy-checks/<id:check_id>/reject")
    def reject_subsidy(self, request, check_id):
        data = web.json_body(request)
        return json_response(self.funding.reject_subsidy(check_id, data, web.caller(request).username))

    @http("POST", "/api/v1/funding/budgets")
    def add_budget(self, request):
        return created(self.funding.add_budget(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/funding/budgets")
    def list_budgets(self, request):
        filters, page, page_size = web.query(request, ("year", "source"))
        return json_response(self.funding.list_budgets(filters, page, page_size))

    @http("POST", "/api/v1/funding/budgets/<id:budget_id>/reverse")
    def reverse_budget(self, request, budget_id):
        data = web.json_body(request)
        return json_response(self.funding.reverse_budget(budget_id, data, web.caller(request).username))

    @http("GET", "/api/v1/funding/balances")
    def get_balances(self, request):
        chosen, _, _ = web.query(request, ("year",))
        return json_response(self.funding.get_balances(chosen))

    @http("POST", "/api/v1/funding/expenses")
    def book_expense(self, request):
        return created(self.funding.book_expense(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/funding/expenses/<id:expense_id>")
    def get_expense(self, request, expense_id):
        return json_response(self.funding.get_expense(expense_id))

    @http("POST", "/api/v1/funding/expenses/<id:expense_id>/reverse")
    def reverse_expense(self, request, expense_id):
        data = web.json_body(request)
        return json_response(self.funding.reverse_expense(expense_id, data, web.caller(request).username))

    @http("GET", "/api/v1/funding/ledger")
    def list_ledger(self, request):
        filters, page, page_size = web.query(
            request, ("year", "source", "category", "member_id", "date_from", "date_to"))
        return json_response(self.funding.list_ledger(filters, page, page_size))

    @http("GET", "/api/v1/funding/policy")
    def get_funding_policy(self, request):
        return json_response(self.funding.get_policy())

    @http("PUT", "/api/v1/funding/policy")
    def set_funding_policy(self, request):
        return json_response(self.funding.set_policy(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/funding/policy/history")
    def list_funding_policy_history(self, request):
        _, page, page_size = web.query(request)
        return json_response(self.funding.list_policy_history(page, page_size))

    @http("POST", "/api/v1/funding/dues/rates")
    def fix_dues(self, request):
        return json_response(self.funding.fix_dues(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/funding/dues/rates")
    def list_dues_rates(self, request):
        filters, page, page_size = web.query(request, ("year", "member_id"))
        return json_response(self.funding.list_dues_rates(filters, page, page_size))

    @http("POST", "/api/v1/funding/dues/adjustments")
    def adjust_dues(self, request):
        return created(self.funding.adjust_dues(web.json_body(request), web.caller(request).username))

    @http("POST", "/api/v1/funding/dues/payments")
    def pay_dues(self, request):
        return created(self.funding.pay_dues(web.json_body(request), web.caller(request).username))

    @http("GET", "/api/v1/funding/dues/payments")
    def list_dues_payments(self, request):
        filters, page, page_size = web.query(request, ("year", "member_id"))
        return json_response(self.funding.list_dues_payments(filters, page, page_size))

    @http("GET", "/api/v1/funding/dues/arrears")
    def dues_arrears(self, request):
        filters, page, page_size = web.query(request, ("year", "member_id"))
        return json_response(self.funding.dues_arrears(filters, page, page_size))

    @http("GET", "/api/v1/funding/statement")
    def get_statement(self, request):
        chosen, _, _ = web.query(request, ("year", "format"))
        kind = chosen.pop("format", "json")
        if kind == "json":
            return json_response(self.funding.get_statement(chosen))
        if kind == "xlsx":
            statement = self.funding.get_statement_xlsx(chosen)
            return web.download(statement["content_base64"], statement["filename"])
        raise InvalidInput("格式只能是 json 或 xlsx (format is json or xlsx)", {"format": ["json 或 xlsx (json or xlsx)"]})

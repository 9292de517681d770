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

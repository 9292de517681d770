"""nameko entrypoints of the activities service: thin, each calls a handler."""
from wuji_infra.rpc import rpc

from activities.handlers import (
    activities, bulletins, contacts, figures, member_facts, organization_life, review_meetings, statistics, study,
)
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ReportEntrypoints, ServiceBase


class ActivitiesService(ReportEntrypoints, ServiceBase):
    name = "activities"
    report_figures = figures  # the yearly report and the scorecard (ReportEntrypoints)

    # -- member facts, from members' events ------------------------------------

    @event_handler("members", "member_registered")
    def on_member_registered(self, tx, event):
        member_facts.apply_member_facts(tx, event.data, event.occurred_at, registered=True)

    @event_handler("members", "member_updated")
    def on_member_updated(self, tx, event):
        member_facts.apply_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, tx, event):
        member_facts.apply_member_status(tx, event.data["member_id"], "deceased", event.occurred_at)

    @event_handler("members", "member_transferred")
    def on_member_transferred(self, tx, event):
        member_facts.apply_member_status(tx, event.data["member_id"], event.data["status"], event.occurred_at)

    # -- what funding did with an activity's cost ----------------------------------

    @event_handler("members", "member_withdrawn")
    def on_member_withdrawn(self, tx, event):
        member_facts.apply_member_withdrawal(tx, event.data["member_id"], event.occurred_at)

    @event_handler("funding", "expense_booked")
    def on_expense_booked(self, tx, event):
        activities.record_cost_booked(tx, event.data)

    @event_handler("funding", "expense_refused")
    def on_expense_refused(self, tx, event):
        activities.record_cost_refused(tx, event.data, event.occurred_at)

    # -- monthly study ---------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_study_session(self, data, actor=None):
        with self.db.transaction() as tx:
            return study.record_study_session(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_study_sessions(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return study.list_study_sessions(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_study_session(self, session_id):
        with self.db.read() as session:
            return study.get_study_session(session, session_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def record_catch_up(self, session_id, data, actor=None):
        with self.db.transaction() as tx:
            return study.record_catch_up(tx, session_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_absences(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return study.list_absences(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def study_compliance(self, query=None):
        with self.db.read() as session:
            return study.study_compliance(session, query, today=self.clock.today(), access=self.caller)

    # -- three contacts --------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def log_contact(self, data, actor=None, request_id=None):
        with self.db.transaction() as tx:
            return contacts.log_contact(tx, data, actor, request_id, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return contacts.list_contacts(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def contact_coverage(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return contacts.contact_coverage(session, filters, page, page_size, today=self.clock.today(),
                                             access=self.caller)

    # -- activities ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_activity(self, data, actor=None, request_id=None):
        with self.db.transaction() as tx:
            return activities.record_activity(tx, data, actor, request_id, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return activities.list_activities(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, activity_id):
        with self.db.read() as session:
            return activities.get_activity(session, activity_id, access=self.caller)

    # -- study bulletins -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def publish_bulletin(self, data, actor=None):
        with self.db.transaction() as tx:
            return bulletins.publish_bulletin(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_bulletins(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return bulletins.list_bulletins(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_bulletin(self, bulletin_id):
        with self.db.read() as session:
            return bulletins.get_bulletin(session, bulletin_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def bulletin_gaps(self, query=None):
        with self.db.read() as session:
            return bulletins.bulletin_gaps(session, query, today=self.clock.today(), access=self.caller)

    # -- review meetings -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_review_meeting(self, data, actor=None):
        with self.db.transaction() as tx:
            return review_meetings.record_review_meeting(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_review_meetings(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return review_meetings.list_review_meetings(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_review_meeting(self, meeting_id):
        with self.db.read() as session:
            return review_meetings.get_review_meeting(session, meeting_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_experts(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return review_meetings.list_experts(session, filters, page, page_size, access=self.caller)

    # -- the yearly report -----------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def statistics(self, query=None):
        with self.db.read() as session:
            return statistics.statistics(session, query, access=self.caller)

    # -- organization life and venues ---------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_branch_meeting(self, data, actor=None):
        with self.db.transaction() as tx:
            return organization_life.record_branch_meeting(tx, data, actor, today=self.clock.today(),
                                                           access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_branch_meetings(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return organization_life.list_branch_meetings(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_branch_meeting(self, branch_meeting_id):
        with self.db.read() as session:
            return organization_life.get_branch_meeting(session, branch_meeting_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def add_venue(self, data, actor=None):
        with self.db.transaction() as tx:
            return organization_life.add_venue(tx, data, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def end_venue(self, venue_id, data, actor=None):
        with self.db.transaction() as tx:
            return organization_life.end_venue(tx, venue_id, data, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_venues(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return organization_life.list_venues(session, filters, page, page_size, access=self.caller)

"""nameko entrypoints of the activities service: thin, each calls a handler."""
from nameko.rpc import rpc

from activities import handlers
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ServiceBase


class ActivitiesService(ServiceBase):
    name = "activities"

    # -- member facts, from members' events ------------------------------------

    @event_handler("members", "member_registered")
    def on_member_registered(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "activities.on_member_registered"):
                handlers.apply_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_updated")
    def on_member_updated(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "activities.on_member_updated"):
                handlers.apply_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "activities.on_member_deceased"):
                handlers.apply_member_status(tx, event.data["member_id"], "deceased", event.occurred_at)

    @event_handler("members", "member_transferred")
    def on_member_transferred(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "activities.on_member_transferred"):
                handlers.apply_member_status(tx, event.data["member_id"], event.data["status"], event.occurred_at)

    # -- monthly study ---------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_study_session(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.record_study_session(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def record_catch_up(self, session_id, data):
        with self.db.transaction() as tx:
            return handlers.record_catch_up(tx, session_id, data)

    @rpc(expected_exceptions=EXPECTED)
    def get_study_session(self, session_id):
        with self.db.read() as session:
            return handlers.get_study_session(session, session_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_study_sessions(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_study_sessions(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def list_absences(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_absences(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def study_compliance(self, query):
        with self.db.read() as session:
            return handlers.study_compliance(session, query)

    # -- three contacts --------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def log_contact(self, data, recorded_by=None, request_id=None):
        with self.db.transaction() as tx:
            return handlers.log_contact(tx, data, recorded_by, request_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_contacts(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def contact_coverage(self, query=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.contact_coverage(session, query, page, page_size)

    # -- activities ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_activity(self, data, recorded_by=None, request_id=None):
        with self.db.transaction() as tx:
            return handlers.record_activity(tx, data, recorded_by, request_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, activity_id):
        with self.db.read() as session:
            return handlers.get_activity(session, activity_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_activities(session, filters, page, page_size)

    # -- study bulletins -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def publish_bulletin(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.publish_bulletin(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def get_bulletin(self, bulletin_id):
        with self.db.read() as session:
            return handlers.get_bulletin(session, bulletin_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_bulletins(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_bulletins(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def bulletin_gaps(self, query):
        with self.db.read() as session:
            return handlers.bulletin_gaps(session, query)

    # -- review meetings -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_review_meeting(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.record_review_meeting(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def get_review_meeting(self, meeting_id):
        with self.db.read() as session:
            return handlers.get_review_meeting(session, meeting_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_review_meetings(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_review_meetings(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def list_experts(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_experts(session, filters, page, page_size)

    # -- the yearly report -----------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def statistics(self, query):
        with self.db.read() as session:
            return handlers.statistics(session, query)

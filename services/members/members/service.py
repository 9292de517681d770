"""nameko entrypoints of the members service: thin, each calls a handler."""
import datetime as dt

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

from members import handlers, imports
from wuji_infra.errors import EXPECTED
from wuji_infra.service import ServiceBase


REMINDER_INTERVAL_SECONDS = 24 * 3600
IMPORT_POLL_SECONDS = 1


class Clock(DependencyProvider):
    """Today's date, as a callable; tests replace it to move time."""

    def get_dependency(self, worker_ctx):
        return dt.date.today


class MembersService(ServiceBase):
    name = "members"
    today = Clock()

    # daily, and once at start: a restarted service catches up at once
    @timer(interval=REMINDER_INTERVAL_SECONDS, eager=True)
    def send_term_reminders(self):
        handlers.send_term_reminders(self.db, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def create_branch(self, data):
        with self.db.transaction() as tx:
            return handlers.create_branch(tx, data)

    @rpc(expected_exceptions=EXPECTED)
    def get_branch(self, branch_id):
        with self.db.read() as session:
            return handlers.get_branch(session, branch_id, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_branches(self, page=1, page_size=20, filters=None):
        with self.db.read() as session:
            return handlers.list_branches(session, page, page_size, filters, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def create_member(self, data, changed_by=None):
        with self.db.transaction() as tx:
            return handlers.create_member(tx, data, changed_by)

    @rpc(expected_exceptions=EXPECTED)
    def update_member(self, member_id, data, changed_by=None):
        with self.db.transaction() as tx:
            return handlers.update_member(tx, member_id, data, changed_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def member_history(self, member_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.member_history(session, member_id, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def transfer_member(self, member_id, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.transfer_member(tx, member_id, data, recorded_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_transfers(self, member_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_transfers(session, member_id, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def get_member(self, member_id):
        with self.db.read() as session:
            return handlers.get_member(session, member_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_members(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_members(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def record_health_event(self, member_id, data, request_id, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.record_health_event(tx, member_id, data, request_id, recorded_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_health_events(self, member_id, page=1, page_size=20, read_by=None):
        with self.db.transaction() as tx:
            return handlers.list_health_events(tx, member_id, page, page_size, read_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_health_reads(self, member_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_health_reads(session, member_id, page, page_size)

    # -- committees and terms -----------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def elect_committee(self, branch_id, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.elect_committee(tx, branch_id, data, recorded_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def get_committee(self, branch_id):
        with self.db.read() as session:
            return handlers.get_committee(session, branch_id, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_terms(self, branch_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_terms(session, branch_id, page, page_size, self.today())

    # -- talents, honors, roles in society ---------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_honor(self, member_id, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.add_honor(tx, member_id, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_honors(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_honors(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def record_engagement(self, member_id, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.record_engagement(tx, member_id, data, recorded_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_engagements(self, member_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_engagements(session, member_id, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def add_social_role(self, member_id, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.add_social_role(tx, member_id, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_social_roles(self, member_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_social_roles(session, member_id, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def headline_figures(self, query=None):
        """For the yearly report: ``query`` may hold ``on`` (a date) and ``year``."""
        with self.db.read() as session:
            return handlers.headline_figures(session, query, self.today())

    # -- Excel in and out ----------------------------------------------------------

    @timer(interval=IMPORT_POLL_SECONDS)
    def run_imports(self):
        while imports.run_next_import(self.db) is not None:
            pass

    @rpc(expected_exceptions=EXPECTED)
    def start_import(self, content_b64, filename=None, started_by=None):
        """Queue an .xlsx (base64) for import; answers the job, whose progress get_import reads."""
        with self.db.transaction() as tx:
            return imports.start_import(tx, content_b64, filename, started_by)

    @rpc(expected_exceptions=EXPECTED)
    def get_import(self, job_id):
        with self.db.read() as session:
            return imports.get_import(session, job_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_import_errors(self, job_id, page=1, page_size=20):
        with self.db.read() as session:
            return imports.list_import_errors(session, job_id, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def import_errors_workbook(self, job_id):
        with self.db.read() as session:
            return imports.rejected_workbook(session, job_id)

    @rpc(expected_exceptions=EXPECTED)
    def import_template(self):
        return imports.template()

    @rpc(expected_exceptions=EXPECTED)
    def export_members(self, filters=None):
        with self.db.read() as session:
            return imports.export_members(session, filters)

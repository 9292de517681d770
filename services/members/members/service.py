"""nameko entrypoints of the members service: thin, each calls a handler."""
import datetime as dt

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

from members import handlers
from wuji_infra.errors import EXPECTED
from wuji_infra.service import ServiceBase


REMINDER_INTERVAL_SECONDS = 24 * 3600


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
            return handlers.get_branch(session, branch_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_branches(self, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_branches(session, page, page_size)

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

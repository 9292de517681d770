"""nameko entrypoints of the members service: thin, each calls a handler."""
from wuji_infra.rpc import rpc
from nameko.timer import timer

from members.handlers import committees, figures, health, honors, imports, roster, withdrawals
from wuji_infra.errors import EXPECTED
from wuji_infra.service import ReportEntrypoints, ServiceBase


REMINDER_INTERVAL_SECONDS = 24 * 3600
IMPORT_POLL_SECONDS = 1


class MembersService(ReportEntrypoints, ServiceBase):
    name = "members"
    report_figures = figures  # the yearly report and the scorecard (ReportEntrypoints)

    # -- branches, committees and terms -------------------------------------------

    # daily, and once at start: a restarted service catches up at once
    @timer(interval=REMINDER_INTERVAL_SECONDS, eager=True)
    def send_term_reminders(self):
        committees.send_term_reminders(self.db, today=self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def create_branch(self, data, actor=None):
        with self.db.transaction() as tx:
            return committees.create_branch(tx, data, actor)

    @rpc(expected_exceptions=EXPECTED)
    def list_branches(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return committees.list_branches(session, filters, page, page_size, today=self.clock.today(),
                                            access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_branch(self, branch_id):
        with self.db.read() as session:
            return committees.get_branch(session, branch_id, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def elect_committee(self, branch_id, data, actor=None):
        with self.db.transaction() as tx:
            return committees.elect_committee(tx, branch_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_terms(self, branch_id, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return committees.list_terms(session, branch_id, filters, page, page_size, today=self.clock.today(),
                                         access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_committee(self, branch_id):
        with self.db.read() as session:
            return committees.get_committee(session, branch_id, today=self.clock.today(), access=self.caller)

    # -- the roster ------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_member(self, data, actor=None):
        with self.db.transaction() as tx:
            return roster.create_member(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_members(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return roster.list_members(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_member(self, member_id):
        with self.db.read() as session:
            return roster.get_member(session, member_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def update_member(self, member_id, data, actor=None):
        with self.db.transaction() as tx:
            return roster.update_member(tx, member_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def member_history(self, member_id, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return roster.member_history(session, member_id, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def transfer_member(self, member_id, data, actor=None):
        with self.db.transaction() as tx:
            return roster.transfer_member(tx, member_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_transfers(self, member_id, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return roster.list_transfers(session, member_id, filters, page, page_size, access=self.caller)

    # -- withdrawal of a record entered in error (撤销误录) ------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_member(self, member_id, data, actor=None):
        with self.db.transaction() as tx:
            return withdrawals.withdraw_member(tx, member_id, data, actor, now=self.clock.now(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_branch(self, branch_id, data, actor=None):
        with self.db.transaction() as tx:
            return withdrawals.withdraw_branch(tx, branch_id, data, actor, today=self.clock.today(),
                                               now=self.clock.now(), access=self.caller)

    # -- health events -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def record_health_event(self, member_id, data, actor=None, request_id=None):
        with self.db.transaction() as tx:
            return health.record_health_event(tx, member_id, data, actor, request_id, today=self.clock.today(),
                                              access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_health_events(self, member_id, filters=None, page=1, page_size=20, actor=None):
        with self.db.transaction() as tx:  # a write: the read is recorded
            return health.list_health_events(tx, member_id, filters, page, page_size, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_health_reads(self, member_id, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return health.list_health_reads(session, member_id, filters, page, page_size)

    # -- honors, roles in society, figures -----------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_honor(self, member_id, data, actor=None):
        with self.db.transaction() as tx:
            return honors.add_honor(tx, member_id, data, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_honors(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return honors.list_honors(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def add_social_role(self, member_id, data, actor=None):
        with self.db.transaction() as tx:
            return honors.add_social_role(tx, member_id, data, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_social_roles(self, member_id, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return honors.list_social_roles(session, member_id, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def headline_figures(self, query=None):
        """For the yearly report: ``query`` may hold ``on`` (a date) and ``year``."""
        with self.db.read() as session:
            return figures.headline_figures(session, query, today=self.clock.today(), access=self.caller)



    # -- Excel in and out ----------------------------------------------------------------

    @timer(interval=IMPORT_POLL_SECONDS)
    def run_imports(self):
        while imports.run_next_import(self.db, clock=self.clock) is not None:
            pass

    @rpc(expected_exceptions=EXPECTED)
    def import_template(self):
        return imports.import_template()

    @rpc(expected_exceptions=EXPECTED)
    def start_import(self, content_base64, filename=None, actor=None):
        """Queue an .xlsx (base64) for import; answers the job, whose progress get_import reads."""
        with self.db.transaction() as tx:
            return imports.start_import(tx, content_base64, filename, actor)

    @rpc(expected_exceptions=EXPECTED)
    def get_import(self, job_id):
        with self.db.read() as session:
            return imports.get_import(session, job_id)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_import(self, job_id, actor=None):
        """Stop a queued or running import before its next chunk; committed rows stay."""
        with self.db.transaction() as tx:
            return imports.cancel_import(tx, job_id, self.clock.now(), actor)

    @rpc(expected_exceptions=EXPECTED)
    def list_import_errors(self, job_id, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return imports.list_import_errors(session, job_id, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def import_errors_workbook(self, job_id):
        with self.db.read() as session:
            return imports.import_errors_workbook(session, job_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def export_members(self, filters=None):
        with self.db.read() as session:
            return imports.export_members(session, filters, access=self.caller)

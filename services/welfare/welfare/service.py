"""nameko entrypoints of the welfare service: thin, each calls a handler."""
import datetime as dt

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

from welfare import handlers
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ServiceBase, Setting

# The daily work is idempotent, so the timer runs at start and then hourly: a process started
# mid-day, or one that was down at midnight, catches up within the hour.
TIMER_SECONDS = 3600


class Clock(DependencyProvider):
    """``self.today()``: the day it is. Tests inject their own clock."""

    def get_dependency(self, worker_ctx):
        return dt.date.today


class WelfareService(ServiceBase):
    name = "welfare"
    hospital_visit_due_days = Setting(handlers.hospital_visit_due_days)
    rule_due_days = Setting(handlers.rule_due_days)
    today = Clock()

    # -- member events --------------------------------------------------------

    @event_handler("members", "member_registered")
    def on_member_registered(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "welfare.on_member_registered"):
                handlers.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_updated")
    def on_member_updated(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "welfare.on_member_updated"):
                handlers.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "welfare.on_member_hospitalized"):
                return
            handlers.create_hospital_visit(
                tx, event.data, source_event_id=event.event_id, due_days=self.hospital_visit_due_days)

    @event_handler("members", "member_discharged")
    def on_member_discharged(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "welfare.on_member_discharged"):
                handlers.create_discharge_visit(
                    tx, event.data, event.event_id, self.rule_due_days["discharged"], self.today())

    @event_handler("members", "member_seriously_ill")
    def on_member_seriously_ill(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "welfare.on_member_seriously_ill"):
                handlers.on_serious_illness(
                    tx, event.data, event.event_id, self.rule_due_days["serious_illness"], self.today())

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "welfare.on_member_deceased"):
                handlers.on_member_deceased(
                    tx, event.data, event.event_id, self.rule_due_days["deceased"], self.today())

    @event_handler("funding", "expense_refused")
    def on_expense_refused(self, event):
        with self.db.transaction() as tx:
            if tx.claim(event, "welfare.on_expense_refused"):
                handlers.record_expense_refused(tx, event.data, event.occurred_at)

    # -- the daily timer --------------------------------------------------------

    @timer(interval=TIMER_SECONDS, eager=True)
    def daily(self):
        with self.db.transaction() as tx:
            return handlers.run_daily(tx, self.today())

    # -- visit tasks ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_visit_tasks(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_visit_tasks(session, filters, page, page_size, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def get_visit_task(self, task_id):
        with self.db.read() as session:
            return handlers.get_visit_task(session, task_id, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def complete_visit_task(self, task_id, data, completed_by=None):
        with self.db.transaction() as tx:
            return handlers.complete_visit_task(tx, task_id, data, completed_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def change_assignee(self, task_id, data):
        with self.db.transaction() as tx:
            return handlers.change_assignee(tx, task_id, data, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def cancel_visit_task(self, task_id, data, cancelled_by=None):
        with self.db.transaction() as tx:
            return handlers.cancel_visit_task(tx, task_id, data, cancelled_by, self.today())

    # -- visitors and pairings ----------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_visitor(self, data):
        with self.db.transaction() as tx:
            return handlers.add_visitor(tx, data)

    @rpc(expected_exceptions=EXPECTED)
    def list_visitors(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_visitors(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def list_pairings(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_pairings(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def create_pairing(self, data):
        with self.db.transaction() as tx:
            return handlers.create_pairing(tx, data, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def get_pairing(self, pairing_id):
        with self.db.read() as session:
            return handlers.get_pairing(session, pairing_id)

    @rpc(expected_exceptions=EXPECTED)
    def end_pairing(self, pairing_id, data):
        with self.db.transaction() as tx:
            return handlers.end_pairing(tx, pairing_id, data, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def log_pairing_talk(self, pairing_id, data, logged_by=None):
        with self.db.transaction() as tx:
            return handlers.log_talk(tx, pairing_id, data, logged_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def members_without_pairing(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.members_without_pairing(session, filters, page, page_size)

    # -- help cases -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def open_help_case(self, data, opened_by=None):
        with self.db.transaction() as tx:
            return handlers.open_help_case(tx, data, opened_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def get_help_case(self, case_id):
        with self.db.read() as session:
            return handlers.get_help_case(session, case_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_help_cases(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_help_cases(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def assign_help_case(self, case_id, data):
        with self.db.transaction() as tx:
            return handlers.assign_help_case(tx, case_id, data)

    @rpc(expected_exceptions=EXPECTED)
    def add_help_case_note(self, case_id, data, written_by=None):
        with self.db.transaction() as tx:
            return handlers.add_help_case_note(tx, case_id, data, written_by)

    @rpc(expected_exceptions=EXPECTED)
    def close_help_case(self, case_id, data, closed_by=None):
        with self.db.transaction() as tx:
            return handlers.close_help_case(tx, case_id, data, closed_by, self.today())

    # -- festivals --------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def set_festival_policy(self, festival, data, updated_by=None):
        with self.db.transaction() as tx:
            return handlers.set_festival_policy(tx, festival, data, updated_by, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_festival_policies(self, data=None):
        with self.db.read() as session:
            return handlers.list_festival_policies(session, data, self.today())

    @rpc(expected_exceptions=EXPECTED)
    def run_festival_batch(self, data):
        with self.db.transaction() as tx:
            return handlers.run_festival_batch(tx, data, self.today())

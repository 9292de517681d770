"""nameko entrypoints of the welfare service: thin, each calls a handler."""
from wuji_infra.rpc import rpc
from nameko.timer import timer

from welfare.handlers import daily as daily_work
from welfare.handlers import festivals, figures, help_cases, member_facts, pairings, tasks
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ReportEntrypoints, ServiceBase, Setting

# The daily work is idempotent, so the timer runs at start and then hourly: a process started
# mid-day, or one that was down at midnight, catches up within the hour.
TIMER_SECONDS = 3600


class WelfareService(ReportEntrypoints, ServiceBase):
    name = "welfare"
    report_figures = figures  # the yearly report and the scorecard (ReportEntrypoints)
    hospital_visit_due_days = Setting(tasks.hospital_visit_due_days)
    rule_due_days = Setting(tasks.rule_due_days)

    # -- member events --------------------------------------------------------

    @event_handler("members", "member_registered")
    def on_member_registered(self, tx, event):
        member_facts.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_updated")
    def on_member_updated(self, tx, event):
        member_facts.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, tx, event):
        tasks.create_hospital_visit(tx, event.data, source_event_id=event.event_id,
                                    due_days=self.hospital_visit_due_days, today=self.clock.today())

    @event_handler("members", "member_discharged")
    def on_member_discharged(self, tx, event):
        tasks.create_discharge_visit(tx, event.data, event.event_id,
                                     due_days=self.rule_due_days["discharged"], today=self.clock.today())

    @event_handler("members", "member_seriously_ill")
    def on_member_seriously_ill(self, tx, event):
        tasks.on_serious_illness(tx, event.data, event.event_id,
                                 due_days=self.rule_due_days["serious_illness"], today=self.clock.today())

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, tx, event):
        tasks.on_member_deceased(tx, event.data, event.event_id, event.occurred_at,
                                 due_days=self.rule_due_days["deceased"], today=self.clock.today(),
                                 now=self.clock.now())

    @event_handler("members", "member_withdrawn")
    def on_member_withdrawn(self, tx, event):
        tasks.on_member_withdrawn(tx, event.data, event.occurred_at, now=self.clock.now())

    @event_handler("funding", "expense_refused")
    def on_expense_refused(self, tx, event):
        tasks.record_expense_refused(tx, event.data, event.occurred_at)

    @event_handler("funding", "expense_booked")
    def on_expense_booked(self, tx, event):
        tasks.record_expense_booked(tx, event.data)

    # -- the daily timer --------------------------------------------------------

    @timer(interval=TIMER_SECONDS, eager=True)
    def daily(self):
        with self.db.transaction() as tx:
            return daily_work.run_daily(tx, today=self.clock.today(), now=self.clock.now())

    # -- visit tasks ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_visit_tasks(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return tasks.list_visit_tasks(session, filters, page, page_size, today=self.clock.today(),
                                          access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_visit_task(self, task_id):
        with self.db.read() as session:
            return tasks.get_visit_task(session, task_id, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def complete_visit_task(self, task_id, data, actor=None):
        with self.db.transaction() as tx:
            return tasks.complete_visit_task(tx, task_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_visit_task(self, task_id, data, actor=None):
        with self.db.transaction() as tx:
            return tasks.cancel_visit_task(tx, task_id, data, actor, today=self.clock.today(), now=self.clock.now(),
                                           access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def change_assignee(self, task_id, data, actor=None):
        with self.db.transaction() as tx:
            return tasks.change_assignee(tx, task_id, data, actor, today=self.clock.today(), access=self.caller)

    # -- visitors and pairings ----------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_visitor(self, data, actor=None):
        with self.db.transaction() as tx:
            return pairings.add_visitor(tx, data, actor)

    @rpc(expected_exceptions=EXPECTED)
    def list_visitors(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return pairings.list_visitors(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_pairings(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return pairings.list_pairings(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def create_pairing(self, data, actor=None):
        with self.db.transaction() as tx:
            return pairings.create_pairing(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_pairing(self, pairing_id):
        with self.db.read() as session:
            return pairings.get_pairing(session, pairing_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def end_pairing(self, pairing_id, data, actor=None):
        with self.db.transaction() as tx:
            return pairings.end_pairing(tx, pairing_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def log_pairing_talk(self, pairing_id, data, actor=None):
        with self.db.transaction() as tx:
            return pairings.log_talk(tx, pairing_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def members_without_pairing(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return pairings.members_without_pairing(session, filters, page, page_size, access=self.caller)

    # -- help cases -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def open_help_case(self, data, actor=None):
        with self.db.transaction() as tx:
            return help_cases.open_help_case(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_help_cases(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return help_cases.list_help_cases(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_help_case(self, case_id):
        with self.db.read() as session:
            return help_cases.get_help_case(session, case_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def assign_help_case(self, case_id, data, actor=None):
        with self.db.transaction() as tx:
            return help_cases.assign_help_case(tx, case_id, data, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def add_help_case_note(self, case_id, data, actor=None):
        with self.db.transaction() as tx:
            return help_cases.add_help_case_note(tx, case_id, data, actor, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def close_help_case(self, case_id, data, actor=None):
        with self.db.transaction() as tx:
            return help_cases.close_help_case(tx, case_id, data, actor, today=self.clock.today(), access=self.caller)

    # -- festivals --------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_festival_policies(self, query=None):
        with self.db.read() as session:
            return festivals.list_festival_policies(session, query, today=self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def set_festival_policy(self, festival, data, actor=None):
        with self.db.transaction() as tx:
            return festivals.set_festival_policy(tx, festival, data, actor, today=self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def run_festival_batch(self, data, actor=None):
        with self.db.transaction() as tx:
            return festivals.run_festival_batch(tx, data, actor, today=self.clock.today(), now=self.clock.now())

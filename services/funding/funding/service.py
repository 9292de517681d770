"""nameko entrypoints of the funding service: thin, each calls a handler."""
from nameko.rpc import rpc

from funding import domain, handlers
from wuji_infra import config
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ServiceBase, Setting


def read_subsidy_policy():
    return domain.subsidy_policy(config.env("SUBSIDY_MIN_AGE"), config.env("SUBSIDY_AMOUNT"),
                                 config.env("SUBSIDY_YEARLY_CAP"))


class FundingService(ServiceBase):
    name = "funding"
    # the subsidy policy until an admin sets one in the funding policy (version 0's)
    subsidy_settings = Setting(read_subsidy_policy)

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_hospitalized"):
                return
            handlers.check_subsidy(tx, "hospitalized", event.data, event.event_id, self.subsidy_settings)

    @event_handler("members", "member_seriously_ill")
    def on_member_seriously_ill(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_seriously_ill"):
                return
            handlers.check_subsidy(tx, "serious_illness", event.data, event.event_id, self.subsidy_settings)

    @rpc(expected_exceptions=EXPECTED)
    def list_subsidy_checks(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_subsidy_checks(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def get_subsidy_check(self, check_id):
        with self.db.read() as session:
            return handlers.get_subsidy_check(session, check_id)

    @rpc(expected_exceptions=EXPECTED)
    def approve_subsidy(self, check_id, approved_by=None):
        with self.db.transaction() as tx:
            return handlers.approve_subsidy(tx, check_id, approved_by)

    @rpc(expected_exceptions=EXPECTED)
    def reject_subsidy(self, check_id, data, rejected_by=None):
        with self.db.transaction() as tx:
            return handlers.reject_subsidy(tx, check_id, data, rejected_by)

    # -- budgets, expenses, the ledger, the policy ----------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_budget(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.add_budget(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_budgets(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_budgets(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_budget(self, budget_id, data, reversed_by=None):
        with self.db.transaction() as tx:
            return handlers.reverse_budget(tx, budget_id, data, reversed_by)

    @rpc(expected_exceptions=EXPECTED)
    def get_balances(self, query):
        with self.db.read() as session:
            return handlers.balances(session, query)

    @rpc(expected_exceptions=EXPECTED)
    def book_expense(self, data, booked_by=None):
        with self.db.transaction() as tx:
            return handlers.book_expense(tx, data, booked_by)

    @rpc(expected_exceptions=EXPECTED)
    def get_expense(self, expense_id):
        with self.db.read() as session:
            return handlers.get_expense(session, expense_id)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_expense(self, expense_id, data, reversed_by=None):
        with self.db.transaction() as tx:
            return handlers.reverse_expense(tx, expense_id, data, reversed_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_ledger(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_ledger(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def get_policy(self):
        with self.db.read() as session:
            return handlers.current_policy(session, self.subsidy_settings)

    @rpc(expected_exceptions=EXPECTED)
    def set_policy(self, data, created_by=None):
        with self.db.transaction() as tx:
            return handlers.set_policy(tx, data, self.subsidy_settings, created_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_policy_history(self, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.policy_history(session, self.subsidy_settings, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def get_statement(self, query):
        with self.db.read() as session:
            return handlers.statement(session, query)

    @rpc(expected_exceptions=EXPECTED)
    def get_statement_xlsx(self, query):
        with self.db.read() as session:
            return handlers.statement_xlsx(session, query)

    # -- Party dues ---------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def fix_dues(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.fix_dues(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def adjust_dues(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.adjust_dues(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_dues_rates(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_dues_rates(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def pay_dues(self, data, recorded_by=None):
        with self.db.transaction() as tx:
            return handlers.pay_dues(tx, data, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_dues_payments(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_dues_payments(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def dues_arrears(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.dues_arrears(session, filters, page, page_size)

    # -- money that events bring, and the member facts funding keeps -------------

    @event_handler("welfare", "visit_completed")
    def on_visit_completed(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_visit_completed"):
                return
            handlers.book_visit_expense(tx, event.data)

    @event_handler("activities", "activity_recorded")
    def on_activity_recorded(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_activity_recorded"):
                return
            handlers.book_activity_expense(tx, event.data)

    @event_handler("members", "member_registered")
    def on_member_registered(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_registered"):
                return
            handlers.record_member_facts(tx, event.data, event.occurred_at, registered=True)

    @event_handler("members", "member_updated")
    def on_member_updated(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_updated"):
                return
            handlers.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_deceased"):
                return
            handlers.record_member_status(
                tx, event.data["member_id"], "deceased", event.occurred_at, left_on=event.data["date"])

    @event_handler("members", "member_transferred")
    def on_member_transferred(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_transferred"):
                return
            handlers.record_member_status(
                tx, event.data["member_id"], event.data["status"], event.occurred_at, left_on=event.data["date"])

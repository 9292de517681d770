"""nameko entrypoints of the funding service: thin, each calls a handler."""
from wuji_infra.rpc import rpc

from funding.domain import subsidy
from funding.handlers import dues, figures, ledger, member_facts, policy, statement, subsidies
from wuji_infra import config
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ReportEntrypoints, ServiceBase, Setting


def read_subsidy_policy():
    return subsidy.subsidy_policy(config.env("SUBSIDY_MIN_AGE"), config.env("SUBSIDY_AMOUNT"),
                                  config.env("SUBSIDY_YEARLY_CAP"))


class FundingService(ReportEntrypoints, ServiceBase):
    name = "funding"
    report_figures = figures  # the yearly report and the scorecard (ReportEntrypoints)
    # the subsidy policy until an admin sets one in the funding policy (version 0's)
    subsidy_settings = Setting(read_subsidy_policy)

    # -- subsidy checks -------------------------------------------------------------

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, tx, event):
        subsidies.check_subsidy(tx, "hospitalized", event.data, event.event_id, settings=self.subsidy_settings)

    @event_handler("members", "member_seriously_ill")
    def on_member_seriously_ill(self, tx, event):
        subsidies.check_subsidy(tx, "serious_illness", event.data, event.event_id, settings=self.subsidy_settings)

    @rpc(expected_exceptions=EXPECTED)
    def list_subsidy_checks(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return subsidies.list_subsidy_checks(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_subsidy_check(self, check_id):
        with self.db.read() as session:
            return subsidies.get_subsidy_check(session, check_id, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def approve_subsidy(self, check_id, actor=None):
        with self.db.transaction() as tx:
            return subsidies.approve_subsidy(tx, check_id, actor, today=self.clock.today(), now=self.clock.now(),
                                             access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def reject_subsidy(self, check_id, data, actor=None):
        with self.db.transaction() as tx:
            return subsidies.reject_subsidy(tx, check_id, data, actor, now=self.clock.now(), access=self.caller)

    # -- budgets, expenses, the ledger ----------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_budget(self, data, actor=None):
        with self.db.transaction() as tx:
            return ledger.add_budget(tx, data, actor, today=self.clock.today())

    @rpc(expected_exceptions=EXPECTED)
    def list_budgets(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return ledger.list_budgets(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_budget(self, budget_id, data, actor=None):
        with self.db.transaction() as tx:
            return ledger.reverse_budget(tx, budget_id, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def get_balances(self, query=None):
        with self.db.read() as session:
            return ledger.get_balances(session, query)

    @rpc(expected_exceptions=EXPECTED)
    def book_expense(self, data, actor=None):
        with self.db.transaction() as tx:
            return ledger.book_expense(tx, data, actor, today=self.clock.today(), now=self.clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def get_expense(self, expense_id):
        with self.db.read() as session:
            return ledger.get_expense(session, expense_id)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_expense(self, expense_id, data, actor=None):
        with self.db.transaction() as tx:
            return ledger.reverse_expense(tx, expense_id, data, actor, today=self.clock.today(), now=self.clock.now(),
                                          access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_ledger(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return ledger.list_ledger(session, filters, page, page_size)

    # -- the policy -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_policy(self):
        with self.db.read() as session:
            return policy.get_policy(session, settings=self.subsidy_settings)

    @rpc(expected_exceptions=EXPECTED)
    def set_policy(self, data, actor=None):
        with self.db.transaction() as tx:
            return policy.set_policy(tx, data, actor, settings=self.subsidy_settings)

    @rpc(expected_exceptions=EXPECTED)
    def list_policy_history(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return policy.list_policy_history(session, filters, page, page_size, settings=self.subsidy_settings)

    # -- Party dues -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def fix_dues(self, data, actor=None):
        with self.db.transaction() as tx:
            return dues.fix_dues(tx, data, actor)

    @rpc(expected_exceptions=EXPECTED)
    def list_dues_rates(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return dues.list_dues_rates(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def adjust_dues(self, data, actor=None):
        with self.db.transaction() as tx:
            return dues.adjust_dues(tx, data, actor)

    @rpc(expected_exceptions=EXPECTED)
    def pay_dues(self, data, actor=None):
        with self.db.transaction() as tx:
            return dues.pay_dues(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def collect_dues(self, data, actor=None):
        with self.db.transaction() as tx:
            return dues.collect_dues(tx, data, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def dues_of_month(self, query=None):
        with self.db.read() as session:
            return dues.dues_of_month(session, query, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def dues_sheet(self, query=None, branch_name=None):
        with self.db.read() as session:
            return dues.dues_sheet(session, query, branch_name, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def record_dues_sheet(self, content_base64, actor=None):
        with self.db.transaction() as tx:
            return dues.record_dues_sheet(tx, content_base64, actor, today=self.clock.today(), access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_dues_payments(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return dues.list_dues_payments(session, filters, page, page_size, access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def dues_arrears(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return dues.dues_arrears(session, filters, page, page_size, today=self.clock.today(),
                                     access=self.caller)

    # -- the yearly statement -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_statement(self, query=None):
        with self.db.read() as session:
            return statement.get_statement(session, query)

    @rpc(expected_exceptions=EXPECTED)
    def get_statement_xlsx(self, query=None):
        with self.db.read() as session:
            return statement.get_statement_xlsx(session, query)

    # -- costs refused for want of money, booked later ----------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_refused_expenses(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return ledger.list_refused_expenses(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def book_refused_expense(self, refused_id, actor=None):
        with self.db.transaction() as tx:
            return ledger.book_refused_expense(tx, refused_id, actor, now=self.clock.now())


    # -- money that events bring, and the member facts funding keeps -------------

    @event_handler("welfare", "visit_completed")
    def on_visit_completed(self, tx, event):
        ledger.book_visit_expense(tx, event.data, now=self.clock.now())

    @event_handler("activities", "activity_recorded")
    def on_activity_recorded(self, tx, event):
        ledger.book_activity_expense(tx, event.data, now=self.clock.now())

    @event_handler("members", "member_registered")
    def on_member_registered(self, tx, event):
        member_facts.record_member_facts(tx, event.data, event.occurred_at, registered=True)

    @event_handler("members", "member_updated")
    def on_member_updated(self, tx, event):
        member_facts.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, tx, event):
        member_facts.record_member_status(
            tx, event.data["member_id"], "deceased", event.occurred_at, left_on=event.data["date"])

    @event_handler("members", "member_withdrawn")
    def on_member_withdrawn(self, tx, event):
        subsidies.close_checks_of_withdrawn(tx, event.data["member_id"], now=self.clock.now())
        member_facts.record_withdrawal(tx, event.data["member_id"], event.occurred_at)

    @event_handler("members", "member_transferred")
    def on_member_transferred(self, tx, event):
        member_facts.record_member_status(
            tx, event.data["member_id"], event.data["status"], event.occurred_at, left_on=event.data["date"])

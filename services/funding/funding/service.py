"""nameko entrypoints of the funding service: thin, each calls a handler."""
from nameko.rpc import rpc

from funding import domain, handlers
from wuji_infra import config
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ServiceBase, Setting


def read_subsidy_policy():
    return domain.subsidy_policy(config.env("SUBSIDY_MIN_AGE"), config.env("SUBSIDY_AMOUNT"))


class FundingService(ServiceBase):
    name = "funding"
    subsidy_policy = Setting(read_subsidy_policy)

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "funding.on_member_hospitalized"):
                return
            handlers.check_subsidy_on_hospitalization(tx, event.data, event.event_id, self.subsidy_policy)

    @rpc(expected_exceptions=EXPECTED)
    def list_subsidy_checks(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_subsidy_checks(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def get_subsidy_check(self, check_id):
        with self.db.read() as session:
            return handlers.get_subsidy_check(session, check_id)

"""nameko entrypoints of the welfare service: thin, each calls a handler."""
from nameko.rpc import rpc

from welfare import handlers
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.service import ServiceBase, Setting


class WelfareService(ServiceBase):
    name = "welfare"
    hospital_visit_due_days = Setting(handlers.hospital_visit_due_days)

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, event):
        with self.db.transaction() as tx:
            if not tx.claim(event, "welfare.on_member_hospitalized"):
                return
            handlers.create_hospital_visit(
                tx, event.data, source_event_id=event.event_id, due_days=self.hospital_visit_due_days)

    @rpc(expected_exceptions=EXPECTED)
    def list_visit_tasks(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_visit_tasks(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def get_visit_task(self, task_id):
        with self.db.read() as session:
            return handlers.get_visit_task(session, task_id)

    @rpc(expected_exceptions=EXPECTED)
    def complete_visit_task(self, task_id, data, completed_by=None):
        with self.db.transaction() as tx:
            return handlers.complete_visit_task(tx, task_id, data, completed_by)

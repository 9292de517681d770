"""nameko entrypoints of the members service: thin, each calls a handler."""
from nameko.rpc import rpc

from members import handlers
from wuji_infra.errors import EXPECTED
from wuji_infra.service import ServiceBase


class MembersService(ServiceBase):
    name = "members"

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
    def create_member(self, data):
        with self.db.transaction() as tx:
            return handlers.create_member(tx, data)

    @rpc(expected_exceptions=EXPECTED)
    def update_member(self, member_id, data):
        with self.db.transaction() as tx:
            return handlers.update_member(tx, member_id, data)

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
            return handlers.record_health_event(tx, member_id, data, request_id, recorded_by)

    @rpc(expected_exceptions=EXPECTED)
    def list_health_events(self, member_id, page=1, page_size=20):
        with self.db.read() as session:
            return handlers.list_health_events(session, member_id, page, page_size)

"""Bare nameko services: what nameko itself manages on this machine, without Wuji's layers
(no database, no inbox or outbox, no signed context, no schemas). bench/limits.py starts them,
each in its own process as Wuji's are, with nameko's config as Wuji runs it (20 workers).

- ``bare_members.get``: an RPC answering a member-sized dict at once;
- ``bare_members`` handles ``bare_source.bare_event`` (SERVICE_POOL, as Wuji's handlers) by
  noting when it arrived;
- ``bare_gateway``: ``GET /bare/ping`` (HTTP alone) and ``GET /bare/members/<id>`` (HTTP and
  one RPC to bare_members), the shape of the gateway's ``GET /api/v1/members/{id}``.
"""
import json
import time

from nameko.events import SERVICE_POOL, event_handler
from nameko.rpc import ServiceRpc, rpc
from nameko.web.handlers import http

MEMBER = {"name": "张建国", "gender": "male", "birth_date": "1938-04-01", "branch_id": 1,
          "retirement_kind": "lixiu", "org_relation": "unit", "status": "active", "phone": "13800000000",
          "address": "市住房和城乡建设局宿舍3幢", "pension_monthly": "6500.00", "lives_alone": False,
          "hardship": False, "specialties": ["城市规划"]}


class BareMembers:
    name = "bare_members"
    arrivals = []   # (sent_at, arrived_at) of each bare_event, in this process

    @rpc
    def get(self, member_id):
        return dict(MEMBER, id=member_id)

    @event_handler("bare_source", "bare_event", handler_type=SERVICE_POOL)
    def on_bare_event(self, payload):
        BareMembers.arrivals.append((payload["sent_at"], time.time()))

    @rpc
    def take_arrivals(self):
        taken, BareMembers.arrivals[:] = list(BareMembers.arrivals), []
        return taken


class BareGateway:
    name = "bare_gateway"
    members = ServiceRpc("bare_members")

    @http("GET", "/bare/ping")
    def ping(self, request):
        return "ok"

    @http("GET", "/bare/members/<int:member_id>")
    def get_member(self, request, member_id):
        return 200, {"Content-Type": "application/json"}, json.dumps(self.members.get(member_id))

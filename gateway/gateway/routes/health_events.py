"""Health events of a member, and who read them: health facts are sensitive,
every read is audited (members service)."""
from members import schemas as ms

from gateway.auth import ADMIN, BRANCH_WRITERS, READERS
from gateway.routes.table import Route, idempotent_write, listing


def list_health_events(c):
    # the members service records the read (who read whose) in its database
    return c.rpc(*c.ids, c.filters, c.page, c.page_size, actor=c.actor)


ROUTES = [
    Route("POST", "/api/v1/members/<id:member_id>/health-events", BRANCH_WRITERS, "记录健康事件 (住院, 病故...)",
          rpc="members.record_health_event", call=idempotent_write, idempotent=True,
          body=ms.HealthEventIn, answer=ms.HealthEventOut, status=201),
    Route("GET", "/api/v1/members/<id:member_id>/health-events", READERS, "健康事件 (每次查看都留痕)",
          rpc="members.list_health_events", call=list_health_events, paged=True, answer=ms.HealthEventOut,
          audit="health events of member {member_id}"),
    # who read whose health events: for admins (the office's supervisors)
    Route("GET", "/api/v1/members/<id:member_id>/health-reads", ADMIN, "谁查看过健康事件",
          rpc="members.list_health_reads", call=listing, answer=ms.HealthReadOut),
]

"""Each account's to-do list (待办), and the notification policy and delivery log (notifications service).

A task's assignee is typed by people: an item given to "王书记" reaches the account whose
username or display name that is, so the calls send both names of the caller.
"""
import sqlalchemy as sa

from gateway.auth import ADMIN, ANY_ACCOUNT, STAFF
from gateway.models import Account
from gateway.routes.table import Route, listing
from notifications import schemas as ns


def names_of(c):
    """The caller's username and display name."""
    with c.service.db.read() as session:
        display_name = session.scalar(sa.select(Account.display_name).where(Account.username == c.actor))
    return [name for name in (c.actor, display_name) if name]


def my_todos(c):
    return c.rpc(c.filters, c.page, c.page_size, names=names_of(c))


def mark(c):
    return c.rpc(*c.ids, actor=c.actor, names=names_of(c))


def snooze(c):
    return c.rpc(*c.ids, c.body, actor=c.actor, names=names_of(c))


def policy(c):
    return c.rpc()


def set_policy(c):
    return c.rpc(c.body, actor=c.actor)


def send_test(c):
    return c.rpc(actor=c.actor)


ROUTES = [
    Route("GET", "/api/v1/todos", ANY_ACCOUNT, "我的待办 (status: open 默认, snoozed, done, closed, all)",
          rpc="notifications.list_todos", call=my_todos, query=ns.TodoFilters, answer=ns.TodoOut, paged=True),
    Route("POST", "/api/v1/todos/<id:item_id>/done", ANY_ACCOUNT, "标记待办已完成", rpc="notifications.mark_todo_done",
          call=mark, answer=ns.TodoOut),
    Route("POST", "/api/v1/todos/<id:item_id>/snooze", ANY_ACCOUNT, "暂缓待办至某日", rpc="notifications.snooze_todo",
          call=snooze, body=ns.SnoozeIn, answer=ns.TodoOut),
    Route("POST", "/api/v1/todos/<id:item_id>/reopen", ANY_ACCOUNT, "重新打开待办", rpc="notifications.reopen_todo",
          call=mark, answer=ns.TodoOut),
    Route("GET", "/api/v1/notifications/policy", ADMIN, "通知设置 (待办类别、接收人、推送方式、免打扰)",
          rpc="notifications.get_notification_policy", call=policy, answer=ns.PolicyOut),
    Route("PUT", "/api/v1/notifications/policy", ADMIN, "修改通知设置", rpc="notifications.set_notification_policy",
          call=set_policy, body=ns.PolicyIn, answer=ns.PolicyOut, audit_write=True),
    Route("GET", "/api/v1/notifications/deliveries", STAFF, "推送记录 (已发送、失败及原因)",
          rpc="notifications.list_deliveries", call=listing, query=ns.DeliveryFilters, answer=ns.DeliveryOut),
    Route("POST", "/api/v1/notifications/test", ADMIN, "向已配置的群机器人和邮箱发送测试消息",
          rpc="notifications.send_test_message", call=send_test, answer=ns.SentTestsOut, status=201),
]

"""nameko entrypoints of the notifications service: thin, each calls a handler."""
from nameko.timer import timer

from notifications import channels
from notifications.domain import todos
from notifications.handlers import deliveries, items
from notifications.handlers import policy as policies
from notifications.handlers import todos as lists
from wuji_infra.errors import EXPECTED
from wuji_infra.handlers import event_handler
from wuji_infra.rpc import rpc
from wuji_infra.service import ServiceBase, Setting

SEND_SECONDS = 2      # how often due pushes are sent
DAILY_SECONDS = 300   # how often the daily work looks whether its hour has come (idempotent)


class NotificationsService(ServiceBase):
    name = "notifications"
    channel_settings = Setting(channels.settings_from_env)

    # -- members ----------------------------------------------------------------------

    @event_handler("members", "member_registered")
    def on_member_registered(self, tx, event):
        items.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_updated")
    def on_member_updated(self, tx, event):
        items.record_member_facts(tx, event.data, event.occurred_at)

    @event_handler("members", "member_deceased")
    def on_member_deceased(self, tx, event):
        items.record_death(tx, event.data["member_id"], event.occurred_at)

    @event_handler("members", "member_withdrawn")
    def on_member_withdrawn(self, tx, event):
        items.on_member_withdrawn(tx, event.data, event.occurred_at, now=self.clock.now())

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, tx, event):
        items.on_member_hospitalized(tx, event, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("members", "branch_term_expiring")
    def on_branch_term_expiring(self, tx, event):
        items.on_term_reminder(tx, "term_expiring", event.data, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("members", "branch_term_overdue")
    def on_branch_term_overdue(self, tx, event):
        items.on_term_reminder(tx, "term_overdue", event.data, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("members", "branch_term_elected")
    def on_branch_term_elected(self, tx, event):
        items.on_term_elected(tx, event.data, now=self.clock.now())

    @event_handler("members", "member_import_finished")
    def on_member_import_finished(self, tx, event):
        items.on_import_finished(tx, event.data, now=self.clock.now(), settings=self.channel_settings)

    # -- welfare ------------------------------------------------------------------------

    @event_handler("welfare", "visit_task_created")
    def on_visit_task_created(self, tx, event):
        items.on_visit_task_created(tx, event.data, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("welfare", "visit_task_assigned")
    def on_visit_task_assigned(self, tx, event):
        items.on_visit_task_assigned(tx, event.data, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("welfare", "visit_task_due_soon")
    def on_visit_task_due_soon(self, tx, event):
        items.on_visit_task_reminder(tx, "visit_due_soon", event.data, now=self.clock.now(),
                                     today=self.clock.today(), settings=self.channel_settings)

    @event_handler("welfare", "visit_task_overdue")
    def on_visit_task_overdue(self, tx, event):
        items.on_visit_task_reminder(tx, "visit_overdue", event.data, now=self.clock.now(),
                                     today=self.clock.today(), settings=self.channel_settings)

    @event_handler("welfare", "visit_completed")
    def on_visit_completed(self, tx, event):
        items.on_visit_task_ended(tx, event.data, now=self.clock.now())

    @event_handler("welfare", "visit_task_cancelled")
    def on_visit_task_cancelled(self, tx, event):
        items.on_visit_task_ended(tx, event.data, now=self.clock.now())

    @event_handler("welfare", "help_case_opened")
    def on_help_case_opened(self, tx, event):
        items.on_help_case_opened(tx, event.data)

    @event_handler("welfare", "help_case_assigned")
    def on_help_case_assigned(self, tx, event):
        items.on_help_case_assigned(tx, event.data)

    @event_handler("welfare", "help_case_closed")
    def on_help_case_closed(self, tx, event):
        items.on_help_case_closed(tx, event.data, now=self.clock.now())

    @event_handler("welfare", "festival_batch_made")
    def on_festival_batch_made(self, tx, event):
        items.on_festival_batch_made(tx, event, now=self.clock.now(), settings=self.channel_settings)

    # -- funding ------------------------------------------------------------------------

    @event_handler("funding", "subsidy_checked")
    def on_subsidy_checked(self, tx, event):
        items.on_subsidy_checked(tx, event.data, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("funding", "subsidy_reviewed")
    def on_subsidy_reviewed(self, tx, event):
        items.on_subsidy_reviewed(tx, event.data, now=self.clock.now())

    @event_handler("funding", "expense_refused")
    def on_expense_refused(self, tx, event):
        items.on_expense_refused(tx, event.data, now=self.clock.now(), settings=self.channel_settings)

    @event_handler("funding", "expense_booked")
    def on_expense_booked(self, tx, event):
        items.on_expense_booked(tx, event.data, now=self.clock.now())

    # -- timers: the daily work and the sender --------------------------------------------

    @timer(interval=DAILY_SECONDS, eager=True)
    def daily(self):
        """Help cases open too long, and the day's digest once its hour has come."""
        with self.db.transaction() as tx:
            items.open_too_long(tx, today=self.clock.today(), now=self.clock.now(), settings=self.channel_settings)
        with self.db.transaction() as tx:
            deliveries.queue_digest(tx, policies.policy_in_force(tx.session), self.channel_settings,
                                    now=self.clock.now())

    @timer(interval=SEND_SECONDS)
    def send_pushes(self):
        deliveries.send_due(self.db, self.channel_settings, now=self.clock.now())

    # -- to-do lists -------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_todos(self, filters=None, page=1, page_size=20, names=()):
        with self.db.read() as session:
            return lists.list_todos(session, filters, page, page_size, names=names, today=self.clock.today(),
                                    access=self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def mark_todo_done(self, item_id, actor=None, names=()):
        return self._mark(item_id, todos.DONE, None, names)

    @rpc(expected_exceptions=EXPECTED)
    def snooze_todo(self, item_id, data, actor=None, names=()):
        return self._mark(item_id, todos.SNOOZED, data, names)

    @rpc(expected_exceptions=EXPECTED)
    def reopen_todo(self, item_id, actor=None, names=()):
        return self._mark(item_id, None, None, names)

    def _mark(self, item_id, state, data, names):
        with self.db.transaction() as tx:
            return lists.mark_todo(tx, item_id, state, data, names=names, today=self.clock.today(),
                                   now=self.clock.now(), access=self.caller)

    # -- the policy and the delivery log (admin) ------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_notification_policy(self):
        with self.db.read() as session:
            return policies.get_policy(session)

    @rpc(expected_exceptions=EXPECTED)
    def set_notification_policy(self, data, actor=None):
        with self.db.transaction() as tx:
            return policies.set_policy(tx, data, actor, now=self.clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def list_deliveries(self, filters=None, page=1, page_size=20):
        with self.db.read() as session:
            return deliveries.list_deliveries(session, filters, page, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def send_test_message(self, actor=None):
        with self.db.transaction() as tx:
            return {"items": deliveries.send_test(tx, self.channel_settings, now=self.clock.now(), actor=actor)}

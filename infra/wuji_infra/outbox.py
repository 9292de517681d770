"""Transactional outbox: events commit with the state change, a relay publishes them.

A service never publishes from a handler. ``Transaction.emit`` adds an outbox
row in the same database transaction as the change it announces; after the
commit the relay is woken and publishes at once (low latency), and it also
polls, so rows left behind by a crash or a broker outage go out later. A row
is marked published only after RabbitMQ confirmed the message, so delivery is
at least once; consumers drop duplicates with the inbox.

On PostgreSQL the relay takes rows with ``FOR UPDATE SKIP LOCKED``, so two
processes of one service never publish the same row at the same moment.
"""
import datetime as dt
import json
import logging

import eventlet
from eventlet.queue import Empty, LightQueue
import sqlalchemy as sa

from wuji_infra import events
from wuji_infra.tables import outbox

log = logging.getLogger(__name__)


def outbox_row(event):
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "payload": json.dumps(events.to_message(event)),
        "created_at": event.occurred_at,
        "published_at": None,
    }


class OutboxRelay:
    def __init__(self, sessions, publish, poll_interval=1.0, batch_size=200):
        """``publish(message, routing_key)`` must return only once the broker confirmed."""
        self.sessions = sessions
        self.publish = publish
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wakeups = LightQueue(maxsize=1)
        self._running = False

    def wake(self):
        try:
            self._wakeups.put_nowait(None)
        except eventlet.queue.Full:
            pass  # already woken

    def run(self):
        self._running = True
        while self._running:
            try:
                self._wakeups.get(timeout=self.poll_interval)
            except Empty:
                pass
            if not self._running:
                break
            try:
                while self.publish_pending() == self.batch_size:
                    pass
            except Exception:
                log.warning("outbox relay: publishing failed; will retry", exc_info=True)
                eventlet.sleep(self.poll_interval)

    def stop(self):
        self._running = False
        self.wake()

    def publish_pending(self):
        """Publish unpublished rows in order; returns how many went out."""
        published = []
        session = self.sessions()
        try:
            rows = session.execute(
                sa.select(outbox.c.id, outbox.c.event_type, outbox.c.payload)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            try:
                for row in rows:
                    self.publish(json.loads(row.payload), row.event_type)
                    published.append(row.id)
            finally:
                # mark what the broker confirmed, even when a later publish failed
                if published:
                    session.execute(
                        sa.update(outbox)
                        .where(outbox.c.id.in_(published))
                        .values(published_at=dt.datetime.now(dt.timezone.utc))
                    )
                session.commit()
        finally:
            session.close()
        return len(published)


def pending_count(session):
    return session.scalar(
        sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    )

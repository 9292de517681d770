"""Transactional outbox: events commit with the state change, a relay publishes them.

A service never publishes from a handler. ``Transaction.emit`` adds an outbox
row in the same database transaction as the change it announces. The relay
then publishes on two paths:

- right after the commit, the committing worker hands the relay the events it
  committed, and the relay publishes them at once from memory (low latency, no
  read of the table). Confirmed events are marked published a moment later, a
  batch of them in one UPDATE: under load, one statement for many events;
- every ``poll_interval`` it publishes rows left unpublished for longer than
  ``grace`` (a crash between commit and publish, a broker outage), taking them
  with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two processes of one
  service never publish the same row at the same moment.

A row is marked published only after RabbitMQ confirmed the message, so
delivery is at least once (a process killed between the confirm and the mark
publishes those events again when it restarts); consumers drop duplicates
with the inbox.
"""
import datetime as dt
import json
import logging
import time

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


def _now():
    return dt.datetime.now(dt.timezone.utc)


class OutboxRelay:
    def __init__(self, sessions, publish, poll_interval=1.0, batch_size=200, grace=2.0, mark_delay=0.2):
        """``publish(message, routing_key)`` must return only once the broker confirmed.

        ``grace``: how old an unpublished row must be before the poller takes
        it (younger ones are on the fast path). ``mark_delay``: how long a
        confirmed event may wait to be marked, so that marks are batched.
        """
        self.sessions = sessions
        self.publish = publish
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.grace = grace
        self.mark_delay = mark_delay
        self._committed = LightQueue()   # lists of events, in the order their transactions committed
        self._confirmed = []             # event ids the broker confirmed, not yet marked published
        self._mark_due = None            # monotonic time by which they are marked
        self._running = False

    def committed(self, emitted):
        """Called after a commit with the events it emitted: publish them now."""
        self._committed.put(list(emitted))

    def run(self):
        self._running = True
        next_poll = time.monotonic()
        while self._running:
            wake_at = next_poll if self._mark_due is None else min(next_poll, self._mark_due)
            try:
                batch = self._committed.get(timeout=max(0.0, wake_at - time.monotonic()))
            except Empty:
                batch = None
            if batch:
                self.publish_committed(batch)
            now = time.monotonic()
            if self._mark_due is not None and (now >= self._mark_due or len(self._confirmed) >= self.batch_size):
                self.mark_confirmed()
            if now >= next_poll and self._running:
                self.mark_confirmed()  # nothing confirmed may look orphaned to the poll
                self.poll()
                next_poll = time.monotonic() + self.poll_interval

    def stop(self):
        self._running = False
        self._committed.put([])  # wake the loop
        self.mark_confirmed()

    def publish_committed(self, batch):
        """Publish events just committed, in order; on failure leave them (and what
        is queued behind them) to the poller."""
        for event in batch:
            try:
                self.publish(events.to_message(event), event.event_type)
            except Exception:
                dropped = sum(len(queued) for queued in self._drain())
                log.warning("outbox relay: publishing failed; the poller publishes %s event(s) later",
                            len(batch) + dropped, exc_info=True)
                return
            self._confirmed.append(event.event_id)
            if self._mark_due is None:
                self._mark_due = time.monotonic() + self.mark_delay

    def _drain(self):
        while True:
            try:
                yield self._committed.get_nowait()
            except Empty:
                return

    def mark_confirmed(self):
        """Mark what the broker confirmed as published, in one statement."""
        confirmed, self._confirmed, self._mark_due = self._confirmed, [], None
        if not confirmed:
            return
        try:
            with self.sessions() as session:
                session.execute(sa.update(outbox).where(outbox.c.event_id.in_(confirmed)).values(published_at=_now()))
                session.commit()
        except Exception:
            self._confirmed = confirmed + self._confirmed  # try again later; until then the rows look unpublished
            self._mark_due = time.monotonic() + self.poll_interval
            log.warning("outbox relay: could not mark %s event(s) published; will retry", len(confirmed),
                        exc_info=True)

    def poll(self):
        try:
            while self.publish_pending(self.grace) == self.batch_size:
                pass
        except Exception:
            log.warning("outbox relay: publishing failed; will retry", exc_info=True)

    def publish_pending(self, grace=0.0):
        """Publish rows unpublished for at least ``grace`` seconds, in order; returns how many went out."""
        published = []
        session = self.sessions()
        try:
            query = (sa.select(outbox.c.id, outbox.c.event_type, outbox.c.payload)
                     .where(outbox.c.published_at.is_(None))
                     .order_by(outbox.c.id)
                     .limit(self.batch_size)
                     .with_for_update(skip_locked=True))
            if grace:
                query = query.where(outbox.c.created_at <= _now() - dt.timedelta(seconds=grace))
            rows = session.execute(query).all()
            try:
                for row in rows:
                    self.publish(json.loads(row.payload), row.event_type)
                    published.append(row.id)
            finally:
                # mark what the broker confirmed, even when a later publish failed
                if published:
                    session.execute(sa.update(outbox).where(outbox.c.id.in_(published)).values(published_at=_now()))
                session.commit()
        finally:
            session.close()
        return len(published)


def pending_count(session):
    return session.scalar(
        sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    )

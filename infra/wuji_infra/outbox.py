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

Both paths hand the publisher a batch (what is queued, up to ``batch_size``): it sends the
messages back to back and then waits for their confirms together, so a busy process pays one
wait for the broker per batch, not one per event.

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
        """``publish([(message, routing_key), ...])`` sends the messages in order and returns only
        once the broker confirmed every one (else it raises: the batch counts as unpublished).

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
        self._queued = set()             # their ids, until published: the poller leaves those rows alone
        self._confirmed = []             # event ids the broker confirmed, not yet marked published
        self._mark_due = None            # monotonic time by which they are marked
        self._running = False

    def committed(self, emitted):
        """Called after a commit with the events it emitted: publish them now."""
        self._queued.update(event.event_id for event in emitted)
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
                self.publish_committed(self._take_queued(batch))
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

    def _take_queued(self, batch):
        """``batch`` and the batches queued behind it, up to about ``batch_size`` events."""
        while len(batch) < self.batch_size:
            try:
                batch = batch + self._committed.get_nowait()
            except Empty:
                break
        return batch

    def publish_committed(self, batch):
        """Publish events just committed, in order; on failure leave them (and what
        is queued behind them) to the poller."""
        try:
            self.publish([(events.to_message(event), event.event_type) for event in batch])
        except Exception:
            dropped = batch + [event for queued in self._drain() for event in queued]
            self._queued.difference_update(event.event_id for event in dropped)
            log.warning("outbox relay: publishing failed; the poller publishes %s event(s) later",
                        len(dropped), exc_info=True)
            return
        self._queued.difference_update(event.event_id for event in batch)
        self._confirmed.extend(event.event_id for event in batch)
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
        """Publish rows unpublished for at least ``grace`` seconds, in order; returns how many went out.
        Rows still queued for the fast path are left to it: under load it may lag more than
        ``grace``, and taking its rows here too would publish each of them twice."""
        published = []
        session = self.sessions()
        try:
            query = (sa.select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.payload)
                     .where(outbox.c.published_at.is_(None))
                     .order_by(outbox.c.id)
                     .limit(self.batch_size)
                     .with_for_update(skip_locked=True))
            if grace:
                query = query.where(outbox.c.created_at <= _now() - dt.timedelta(seconds=grace))
            rows = [row for row in session.execute(query).all() if row.event_id not in self._queued]
            if rows:
                self.publish([(json.loads(row.payload), row.event_type) for row in rows])
                published = [row.id for row in rows]
                session.execute(sa.update(outbox).where(outbox.c.id.in_(published)).values(published_at=_now()))
            session.commit()
        finally:
            session.close()
        return len(published)


class ConfirmedPublisher:
    """The relay's publisher: one connection and one channel in confirm mode, kept open.
    ``publish(messages)`` sends them to ``exchange`` back to back, then waits until the broker
    confirmed all of them (its acks may cover several at once); a nack, a timeout or a broken
    connection raises, and the next call connects again."""

    def __init__(self, amqp_uri, exchange, confirm_timeout=30.0):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self._connection = None

    def _connect(self):
        from kombu import Connection, Producer

        connection = Connection(self.amqp_uri)
        connection.connect()
        channel = connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._acked)
        channel.events["basic_nack"].add(self._nacked)
        self._producer = Producer(channel, exchange=self.exchange)
        self.exchange(channel).declare()
        self._sent = self._confirmed = 0
        self._refused = False
        self._connection = connection

    def _acked(self, delivery_tag, multiple):
        self._confirmed = max(self._confirmed, delivery_tag)

    def _nacked(self, delivery_tag, multiple):
        self._refused = True

    def publish(self, messages):
        try:
            if self._connection is None:
                self._connect()
            for message, routing_key in messages:
                self._producer.publish(message, routing_key=routing_key, serializer="json", delivery_mode=2,
                                       retry=False)
                self._sent += 1
            deadline = time.monotonic() + self.confirm_timeout
            while self._confirmed < self._sent and not self._refused:
                self._connection.drain_events(timeout=max(0.01, deadline - time.monotonic()))
            if self._refused:
                raise ConnectionError("the broker refused (nacked) a message")
        except BaseException:
            self.close()
            raise

    def close(self):
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # already broken: nothing to release
                pass


def pending_count(session):
    return session.scalar(
        sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    )

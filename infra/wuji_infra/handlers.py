"""``event_handler``: nameko's event handler, made safe for business events.

    @event_handler("members", "member_hospitalized")
    def on_member_hospitalized(self, tx, event):
        handlers.create_hospital_visit(tx, event.data, ...)

The method runs inside a transaction of the service's ``db`` in which the
event is already claimed for this handler (the inbox, keyed
``<service>.<method>``): it commits with the method's effect, and a
redelivered event never reaches the method again.

nameko acks an event after the handler returns, even when it raised, so a
transient database error would silently drop the message. This entrypoint:

- validates the envelope and the data of the event type before any worker
  runs, and passes the handler an ``events.Event``; an invalid message goes
  straight to the dead letters;
- on an error, waits (backoff, in the worker, so the message stays unacked
  and a killed process gets it redelivered), republishes the message to the
  tail of its queue with the attempt count in a header, then acks it;
- after the last attempt, or at once for errors that a retry cannot mend
  (``errors.EXPECTED``), parks the message with its error in
  ``<service>.dead-letters``, where ``python -m wuji_infra.deadletters`` lists
  and replays it;
- uses SERVICE_POOL, durable queues declared when the service starts, so
  events published while the service is down wait for it;
- sends retries and dead letters through the service's own exchange
  ``<service>.retry`` (each of its queues bound there by name), not the default
  exchange: a broker user allowed to write to that could put a forged event
  in any service's queue (wuji_infra.broker_users).
"""
import datetime as dt
import functools
import logging
import traceback

import eventlet
from kombu import Exchange, Queue, binding
from nameko.amqp.publish import Publisher, get_connection
from nameko.events import SERVICE_POOL, EventHandler

from wuji_infra import config, errors, events, failpoints, metrics

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-wuji-attempts"
RETRY_DELAYS_CONFIG_KEY = "EVENT_RETRY_DELAYS"
DEFAULT_RETRY_DELAYS = (0.5, 2.0, 5.0, 15.0)  # seconds before attempts 2, 3, 4, 5


def retry_exchange(service_name):
    """Where a service sends messages back to its own queues: each is bound there by its name."""
    return Exchange(f"{service_name}.retry", type="direct", durable=True)


def queue_arguments():
    """How a business queue is declared: classic on one broker, quorum (replicated, the durable
    choice for a RabbitMQ cluster) when ``QUEUE_TYPE`` says so. A queue keeps the type it was
    made with: changing it means draining and deleting the queues first (docs/operations.md)."""
    kind = config.env("QUEUE_TYPE")
    if kind not in ("classic", "quorum"):
        raise ValueError(f"QUEUE_TYPE must be classic or quorum, not {kind!r}")
    return {"x-queue-type": kind}


def dead_letter_queue(service_name):
    name = f"{service_name}.dead-letters"
    return Queue(name, exchange=retry_exchange(service_name), routing_key=name, durable=True, auto_delete=False,
                 queue_arguments=queue_arguments())


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(
            source_service, event_type, handler_type=SERVICE_POOL,
            reliable_delivery=True, requeue_on_error=False, **kwargs
        )

    def setup(self):
        # a body that is not JSON (or not UTF-8) fails before any handler could see it:
        # kombu calls this instead, and the message is parked, never dropped or redelivered forever
        self.consumer_options["on_decode_error"] = self._park_undecodable
        super().setup()
        self.queue.queue_arguments = queue_arguments()
        from nameko import config as nameko_config

        self.retry_delays = tuple(nameko_config.get(RETRY_DELAYS_CONFIG_KEY, DEFAULT_RETRY_DELAYS))
        self.dead_letters = dead_letter_queue(self.container.service_name)
        self.retries = retry_exchange(self.container.service_name)
        # both bindings listed: kombu drops a queue's own exchange binding when it has others
        self.queue.bindings = {
            binding(self.queue.exchange, routing_key=self.queue.routing_key),
            binding(self.retries, routing_key=self.queue.name),
        }
        self.publisher = Publisher(self.amqp_uri, use_confirms=True)

    def start(self):
        # declare the dead-letter queue up front, so operators always find it
        with get_connection(self.amqp_uri) as connection:
            self.dead_letters(connection.default_channel).declare()
        super().start()

    def handle_message(self, body, message):
        try:
            event = events.from_message(body, expected_type=self.event_type)
        except events.InvalidEvent as exc:
            reason = str(exc)
            log.error("%s: invalid event parked in dead letters: %s", self.handler_name, reason)
            self._settle(message, lambda: self._dead_letter(body, message, reason, 1))
            metrics.count_event(self.container.service_name, self.handler_name, "dead_lettered")
            return
        super().handle_message(event, message)

    @property
    def handler_name(self):
        return handler_name(self.container.service_name, self.method_name)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.consumer.ack_message(message)
            metrics.count_event(self.container.service_name, self.handler_name, "ok")
            log.info("%s: handled %s %s", self.handler_name, self.event_type, message.payload.get("event_id"))
            return
        exc = exc_info[1]
        attempts = int(message.headers.get(ATTEMPTS_HEADER, 1))
        retriable = not isinstance(exc, errors.EXPECTED)
        if retriable and attempts <= len(self.retry_delays):
            delay = self.retry_delays[attempts - 1]
            log.warning(
                "%s: attempt %d failed (%r); retrying in %.1fs",
                self.handler_name, attempts, exc, delay,
            )
            eventlet.sleep(delay)
            self._settle(message, lambda: self._retry(message, attempts + 1))
            metrics.count_event(self.container.service_name, self.handler_name, "retried")
        else:
            reason = "".join(traceback.format_exception(*exc_info))[-4000:]
            log.error("%s: giving up after %d attempt(s): %r", self.handler_name, attempts, exc)
            self._settle(message, lambda: self._dead_letter(message.payload, message, reason, attempts))
            metrics.count_event(self.container.service_name, self.handler_name, "dead_lettered")

    def _settle(self, message, republish):
        """Ack only once the republished copy is confirmed; else leave it to be redelivered."""
        try:
            republish()
        except Exception:
            log.exception("%s: could not republish; message requeued", self.handler_name)
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)

    def _park_undecodable(self, message, exc):
        reason = f"not a readable JSON message: {exc!r}"
        log.error("%s: %s; parked in dead letters", self.handler_name, reason)
        body = message.body if isinstance(message.body, bytes) else message.body.encode("utf-8", "surrogateescape")
        self._settle(message, lambda: self._dead_letter(body, message, reason, 1, raw=True))

    def _retry(self, message, attempts):
        headers = dict(message.headers)
        headers[ATTEMPTS_HEADER] = attempts
        self.publisher.publish(
            message.payload, exchange=self.retries, routing_key=self.queue.name, headers=headers,
            mandatory=True,  # unroutable: an error, so the message is requeued, not lost
        )

    def _dead_letter(self, body, message, reason, attempts, raw=False):
        headers = {
            ATTEMPTS_HEADER: attempts,
            "x-wuji-queue": self.queue.name,
            "x-wuji-handler": self.handler_name,
            "x-wuji-error": reason,
            "x-wuji-failed-at": dt.datetime.now(dt.timezone.utc).isoformat(),
        }
        # raw: the bytes as they came, unchanged (they cannot be serialized again)
        as_sent = {"content_type": "application/octet-stream", "content_encoding": "binary"} if raw else {}
        self.publisher.publish(
            body, exchange=self.retries, routing_key=self.dead_letters.name,
            headers=headers, declare=[self.dead_letters], mandatory=True, **as_sent,
        )


def event_handler(source_service, event_type, **kwargs):
    """The entrypoint for a business event: ``method(self, tx, event)``, claimed once."""

    def decorate(method):
        @functools.wraps(method)
        def handle(self, event):
            with self.db.transaction() as tx:
                if tx.claim(event, handler_name(self.name, method.__name__)):
                    method(self, tx, event)
            failpoints.hit(f"after_handling:{event.event_type}")  # committed, not yet acked

        return ReliableEventHandler.decorator(source_service, event_type, **kwargs)(handle)

    return decorate


def handler_name(service_name, method_name):
    """The handler's key in the inbox and in dead-letter headers."""
    return f"{service_name}.{method_name}"

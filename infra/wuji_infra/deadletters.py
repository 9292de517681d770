"""List and replay the messages a service's handlers gave up on.

    python -m wuji_infra.deadletters list welfare
    python -m wuji_infra.deadletters replay welfare --all
    python -m wuji_infra.deadletters replay welfare EVENT_ID [EVENT_ID ...]

Listing leaves the messages where they are. Replaying sends a message back to
the queue of the handler that failed, with its attempt count reset, and
removes it from the dead letters only once the broker has confirmed it.
"""
import argparse
import json
import sys

from kombu import Connection, Producer

from wuji_infra import config
from wuji_infra.handlers import ATTEMPTS_HEADER, dead_letter_queue, retry_exchange


def _take_all(channel, service):
    queue = dead_letter_queue(service)(channel)
    queue.declare()
    messages = []
    while True:
        message = queue.get(no_ack=False)
        if message is None:
            return messages
        messages.append(message)


def _describe(message):
    body = message.payload
    if isinstance(body, bytes):  # parked as it came: not readable JSON
        body = body.decode("utf-8", "backslashreplace")
    headers = message.headers or {}
    return {
        "event_id": body.get("event_id") if isinstance(body, dict) else None,
        "event_type": body.get("event_type") if isinstance(body, dict) else None,
        "handler": headers.get("x-wuji-handler"),
        "queue": headers.get("x-wuji-queue"),
        "attempts": headers.get(ATTEMPTS_HEADER),
        "failed_at": headers.get("x-wuji-failed-at"),
        "error": (headers.get("x-wuji-error") or "").strip().splitlines()[-1:],
        "body": body,
    }


def list_dead_letters(service, amqp_uri=None):
    with Connection(amqp_uri or config.amqp_uri(service)) as connection:
        channel = connection.channel()
        messages = _take_all(channel, service)
        described = [_describe(message) for message in messages]
        channel.close()  # unacked messages return to the queue, in order
    return described


def replay(service, event_ids=None, amqp_uri=None):
    """Replay all dead letters of ``service``, or those with the given event ids."""
    replayed = 0
    uri = amqp_uri or config.amqp_uri(service)
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = Producer(connection.channel())
        exchange = retry_exchange(service)
        bound = set()
        for message in _take_all(channel, service):
            described = _describe(message)
            if event_ids is not None and described["event_id"] not in event_ids:
                continue
            if not described["queue"]:
                continue
            if described["queue"] not in bound:
                # parked before queues were bound to <service>.retry, or the queue is gone: say so
                channel.queue_bind(described["queue"], exchange.name, routing_key=described["queue"])
                bound.add(described["queue"])
            headers = {
                key: value for key, value in (message.headers or {}).items()
                if not key.startswith("x-wuji-")
            }
            producer.publish(
                message.payload, exchange=exchange, routing_key=described["queue"],
                headers=headers, serializer="json", delivery_mode=2,
            )
            message.ack()
            replayed += 1
        channel.close()
    return replayed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wuji_infra.deadletters")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="show a service's dead letters")
    listing.add_argument("service")
    again = sub.add_parser("replay", help="send dead letters back to their handler")
    again.add_argument("service")
    again.add_argument("event_ids", nargs="*")
    again.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "list":
        for item in list_dead_letters(args.service):
            print(json.dumps(item, ensure_ascii=False, default=str))
        return 0
    if not args.all and not args.event_ids:
        parser.error("name the event ids to replay, or --all")
    count = replay(args.service, None if args.all else set(args.event_ids))
    print(f"replayed {count} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every RPC from the gateway has a deadline (dependencies.DeadlineClient), with fakes for nameko's parts."""
import eventlet
import pytest
from eventlet.event import Event
from nameko.amqp.publish import UndeliverableMessage
from nameko.messaging import decode_from_headers

from gateway.dependencies import DeadlineClient
from gateway.errors import ServiceUnavailable
from wuji_infra import access
from wuji_infra.errors import Forbidden
from wuji_infra.rpc import DEADLINE_CONTEXT_KEY


class FakePublisher:
    def __init__(self, unroutable=False):
        self.published = []
        self.unroutable = unroutable

    def publish(self, payload, **kwargs):
        self.published.append((payload, kwargs))
        if self.unroutable:  # what nameko's publisher raises when no queue takes the request
            raise UndeliverableMessage()


class FakeReplyListener:
    """Replies with ``reply`` (a response dict), or never when it is None."""

    def __init__(self, reply=None):
        self.reply = reply
        self.pending = {}

    def register_for_reply(self, correlation_id):
        event = Event()
        self.pending[correlation_id] = event
        if self.reply is not None:
            eventlet.spawn_after(0, event.send, self.reply)
        return event.wait


class FakeProvider:
    target_service = "members"
    secret = "k" * 40

    def __init__(self, reply=None, unroutable=False):
        self.publisher = FakePublisher(unroutable)
        self.reply_listener = FakeReplyListener(reply)


def test_an_answered_call_returns_the_result_and_sends_the_expiration():
    provider = FakeProvider(reply={"result": {"id": 1}, "error": None})
    client = DeadlineClient(provider, {}, deadline=5)
    assert client.get_branch(1) == {"id": 1}
    assert provider.reply_listener.pending == {}
    [(payload, options)] = provider.publisher.published
    assert payload == {"args": (1,), "kwargs": {}}
    assert options["routing_key"] == "members.get_branch"
    assert options["expiration"] == 5  # seconds: kombu sends it to the broker in ms
    # the gateway's own call (no request) is signed as SYSTEM, valid until its deadline
    headers = decode_from_headers(options["extra_headers"])
    assert access.from_context(FakeProvider.secret, headers) == access.SYSTEM
    with pytest.raises(Forbidden):
        access.verify(FakeProvider.secret, headers[access.CONTEXT_KEY], now=headers[DEADLINE_CONTEXT_KEY] + 1)


def test_an_unanswered_call_is_service_unavailable_and_forgotten():
    provider = FakeProvider(reply=None)
    client = DeadlineClient(provider, {}, deadline=0.05)
    with pytest.raises(ServiceUnavailable, match="members"):
        client.list_branches(1, 20)
    assert provider.reply_listener.pending == {}


def test_a_service_that_never_ran_is_service_unavailable_at_once():
    provider = FakeProvider(unroutable=True)
    with pytest.raises(ServiceUnavailable, match="not running"):
        DeadlineClient(provider, {}, deadline=60).ping()
    assert provider.reply_listener.pending == {}


def test_with_deadline_shortens_one_call():
    provider = FakeProvider(reply=None)
    client = DeadlineClient(provider, {}, deadline=60).with_deadline(0.05)
    with pytest.raises(ServiceUnavailable):
        client.ping()
    assert provider.publisher.published[0][1]["expiration"] == 0.05


def test_an_outer_timeout_is_not_taken_for_the_deadline():
    provider = FakeProvider(reply=None)
    client = DeadlineClient(provider, {}, deadline=60)
    with pytest.raises(eventlet.Timeout):
        with eventlet.Timeout(0.05):
            client.ping()


def test_private_names_are_not_rpc_methods():
    with pytest.raises(AttributeError):
        DeadlineClient(FakeProvider(), {}, 1)._secret

"""``rpc``: nameko's RPC entrypoint, which drops a request nobody waits for any more.

The gateway gives every call a deadline (RPC_TIMEOUT_SECONDS) and sends it in the
call's context (``wuji_deadline``, seconds since the epoch; nameko carries context
as message headers). The broker drops a request that waited in the queue past it
(the message's expiration), but a service that had already taken the message and
was paused (stopped, swapped out, stuck behind a long job) would still act on it
when it resumes, after the gateway answered 503 "nothing was done". Here such a
request is acknowledged and dropped, so 503 keeps meaning nothing happened.

A request the service started just before the deadline may still finish after
the 503; its retry with the same key gets the answer kept for it instead of a
second effect (wuji_infra.idempotency). Here the stored answer of a retry is
sent as its result, and the answer of a first run is kept before it is sent.

A request is acted on only when its context carries the caller signed by the
gateway (wuji_infra.access); else it is answered Forbidden. ``Caller`` gives the
worker that caller (``self.caller``), or ``access.SYSTEM`` in an event handler.
"""
import logging
import time

from nameko.extensions import DependencyProvider
from nameko.messaging import decode_from_headers
from nameko.rpc import Rpc

from wuji_infra import access
from wuji_infra.db import Database
from wuji_infra.idempotency import Answered

log = logging.getLogger(__name__)

DEADLINE_CONTEXT_KEY = "wuji_deadline"


def deadline_passed(context_data, now=None):
    """Whether the call's deadline (if it has one) is over."""
    deadline = context_data.get(DEADLINE_CONTEXT_KEY)
    if deadline is None:
        return False
    try:
        return (time.time() if now is None else now) > float(deadline)
    except (TypeError, ValueError):
        return False


class DeadlineRpc(Rpc):
    def __init__(self, expected_exceptions=(), **kwargs):
        if not isinstance(expected_exceptions, tuple):
            expected_exceptions = (expected_exceptions,)
        # a retry answered from its stored answer is no error: logged as a warning, not a traceback
        super().__init__(expected_exceptions=expected_exceptions + (Answered,), **kwargs)

    def setup(self):
        self.secret = access.context_secret()
        super().setup()

    def handle_message(self, body, message):
        context_data = decode_from_headers(message.headers)
        if deadline_passed(context_data):
            log.warning("%s.%s: request past its deadline dropped (the caller has answered 503)",
                        self.container.service_name, self.method_name)
            self.rpc_consumer.consumer.ack_message(message)
            return
        try:
            access.from_context(self.secret, context_data)
        except access.Forbidden:
            log.warning("%s.%s: a call without a context signed by the gateway refused",
                        self.container.service_name, self.method_name)
            raise  # nameko's RPC consumer answers the caller with the error
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None and isinstance(exc_info[1], Answered):
            result, exc_info = exc_info[1].answer, None
        elif exc_info is None:
            for provider in self.container.dependencies:
                if isinstance(provider, Database):
                    getattr(worker_ctx.service, provider.attr_name).store_answer(result)
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = DeadlineRpc.decorator


class Caller(DependencyProvider):
    """``self.caller``: the wuji_infra.access.Access of the call (checked by DeadlineRpc
    before the worker started), or access.SYSTEM for an event handler or a timer."""

    def setup(self):
        self.secret = access.context_secret()

    def get_dependency(self, worker_ctx):
        if isinstance(worker_ctx.entrypoint, DeadlineRpc):
            return access.from_context(self.secret, worker_ctx.context_data, check_deadline=False)
        return access.SYSTEM

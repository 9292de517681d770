"""What a gateway worker gets: its accounts database, tokens, and RPC clients
whose every call has a deadline."""
import functools
import logging
import time

import eventlet
from kombu import Queue
import sqlalchemy as sa
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.exceptions import UnknownService
from nameko.constants import NON_PERSISTENT as TRANSIENT
from nameko.amqp.publish import get_connection
from nameko.rpc import Client, ServiceRpc
from nameko.web.handlers import HttpRequestHandler

from gateway import accounts, addresses, auth, handlers
from gateway.errors import ServiceUnavailable
from wuji_infra import access, config, logs
from wuji_infra.db import Database
from wuji_infra.rpc import DEADLINE_CONTEXT_KEY

log = logging.getLogger("wuji.gateway")

CLIENT_KEY = "wuji.client_key"  # in a request's WSGI environ: its idempotency.ClientKey, if it changes state
SIGNED = "wuji.signed"  # in a request's WSGI environ: the caller of a genuine token, as its account was read


def caller_access(request):
    """The wuji_infra.access.Access a service is told calls: the request's account (a
    secretary with the branches on it), or SYSTEM for the gateway's own calls (health)."""
    caller = None if request is None else request.environ.get(SIGNED)
    if caller is None:
        return access.SYSTEM
    branches = frozenset(caller.branch_ids or ()) if caller.role == access.SECRETARY else None
    return access.Access(caller.username, caller.role, branches)


class AccountsDatabase(Database):
    """The gateway's database. It holds accounts only and emits no events, so
    no outbox relay runs. It makes the first admin account in setup, which
    ends before any entrypoint starts: no login can come before the admin."""

    def __init__(self):
        super().__init__(publishes=False)

    def setup(self):
        super().setup()
        addresses.trusted_proxies(config.env("TRUSTED_PROXIES"))  # a bad value stops the gateway here
        username = config.env("ADMIN_USERNAME")
        password = accounts.check_admin_password(config.env("ADMIN_PASSWORD"), username)
        try:
            with self.get_dependency(None).transaction() as tx:
                generated = handlers.ensure_admin(tx.session, username, password)
        except sa.exc.IntegrityError:
            return  # another gateway process made it at the same moment
        if generated:
            # printed once: the account exists from now on and this never runs again
            print(f"初始管理员 {username} 的密码: {generated} ; 请登录后修改 "
                  f"(initial password of admin account {username!r}; change it after logging in)",
                  flush=True)


class SigningKey(SharedExtension):
    """The JWT secret, read once per container (shared by the HTTP entrypoints and Tokens)."""

    def setup(self):
        self.secret = auth.signing_secret()


class Tokens(DependencyProvider):
    key = SigningKey()

    def get_dependency(self, worker_ctx):
        return functools.partial(auth.issue_token, self.key.secret)


class ReplyQueue(Queue):
    """nameko's reply queue, declared once per broker connection instead of before every request.

    kombu never caches the declaration of a queue with ``x-expires`` (nameko's
    reply queues expire when nobody listens), so each RPC would first declare
    the exchange and the queue and bind them: three round trips to the broker
    and work for it, on every request. The queue cannot expire while the
    gateway's reply listener consumes from it, and kombu forgets what it
    declared when a connection is re-established, so a broker restart still
    gets the queue declared again before the next request.
    """

    @classmethod
    def like(cls, queue):
        return cls(queue.name, exchange=queue.exchange, routing_key=queue.routing_key,
                   queue_arguments=queue.queue_arguments)

    @property
    def can_cache_declaration(self):
        return True


class ServiceClient(ServiceRpc):
    """RPC to one service; each call gives up after RPC_TIMEOUT_SECONDS.

    nameko's client waits for a reply forever. Here a call that is not answered
    in time raises ServiceUnavailable (503), and its request message expires in
    the broker at the same moment, so a service that comes back later does not
    act on a request nobody waits for any more.
    """

    def setup(self):
        self.deadline = float(config.env("RPC_TIMEOUT_SECONDS"))
        self.secret = access.context_secret()
        super().setup()
        self.publisher.declare = [ReplyQueue.like(queue) for queue in self.publisher.declare]
        # The reply queue exists before any entrypoint starts: else a request sent while the
        # reply listener is still connecting makes it find a missing queue with a reply
        # pending, and nameko stops the gateway (ReplyQueueExpiredWithPendingReplies).
        with get_connection(self.amqp_uri) as connection:
            self.reply_listener.queue(connection.default_channel).declare()

    def get_dependency(self, worker_ctx):
        request = worker_ctx.args[0] if isinstance(worker_ctx.entrypoint, HttpRequestHandler) else None
        return DeadlineClient(self, worker_ctx.context_data, self.deadline, request)


class DeadlineClient:
    """``client.method(*args)`` calls the service and waits at most ``deadline`` seconds."""

    def __init__(self, provider, context_data, deadline, request=None):
        """``request``: the worker's HTTP request, where routes/table.Ctx leaves its request key."""
        self._provider = provider
        self._context_data = context_data
        self.deadline = deadline
        self.service = provider.target_service
        self._request = request

    def with_deadline(self, seconds):
        return DeadlineClient(self._provider, self._context_data, seconds, self._request)

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return functools.partial(self.call, method)

    def call(self, method, *args, **kwargs):
        listener = self._provider.reply_listener
        waiting = []  # the call's correlation id, once registered for a reply

        def register_for_reply(correlation_id):
            waiting.append(correlation_id)
            return listener.register_for_reply(correlation_id)

        # the broker drops the request when the caller stops waiting (seconds; kombu
        # sends ms); nobody waits for it past a broker restart, so it is not persisted
        publish = functools.partial(
            self._provider.publisher.publish, expiration=self.deadline, delivery_mode=TRANSIENT)
        # the service drops the request if it only gets to it after the deadline (wuji_infra.rpc)
        deadline = time.time() + self.deadline
        context = dict(self._context_data, **{DEADLINE_CONTEXT_KEY: deadline})
        if logs.request_id():
            context[logs.CONTEXT_KEY] = logs.request_id()
        # who calls, signed: the service acts on nothing else (wuji_infra.access)
        context.update(access.context(self._provider.secret, caller_access(self._request), deadline))
        client_key = None if self._request is None else self._request.environ.get(CLIENT_KEY)
        if client_key is not None:  # a state-changing request: the service does it once per key
            context.update(client_key.context(f"{self.service}.{method}", args, kwargs))
        client = Client(publish, register_for_reply, context, self.service, method)
        timeout = eventlet.Timeout(self.deadline)
        try:
            return client(*args, **kwargs)
        except UnknownService:  # not running, and never ran since the broker started
            raise ServiceUnavailable(
                f"{self.service} 服务未运行, 请稍后重试 ({self.service} is not running)"
            ) from None
        except eventlet.Timeout as exc:
            if exc is not timeout:
                raise
            log.warning("%s.%s: no answer within %ss", self.service, method, self.deadline)
            raise ServiceUnavailable(
                f"{self.service} 服务暂无响应, 请稍后重试 ({self.service} did not answer in time)"
            ) from None
        finally:
            timeout.cancel()
            for correlation_id in waiting:  # an answered call is gone already; forget one that was not
                listener.pending.pop(correlation_id, None)

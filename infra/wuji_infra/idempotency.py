"""Every write exactly once: the request key of a state-changing request, its claim, its answer.

The gateway sends with every state-changing RPC, in the call's context beside the
deadline, the request key (the account and the client's ``Idempotency-Key``,
hashed) and the request's fingerprint (a hash of the RPC method, its arguments
and the body). In the service the unit of work does the rest (wuji_infra.db):
the worker's first transaction claims the key in ``request_keys``, in the same
commit as the effect; the RPC entrypoint (wuji_infra.rpc) then stores the
answer. The same key again answers that answer without running the method; the
same key with another fingerprint is a Conflict. An error leaves no claim (its
transaction rolled back), so the same key retries for real.

    python -m wuji_infra.idempotency prune funding --days 7
"""
import argparse
import datetime as dt
import hashlib
import json
import sys

import sqlalchemy as sa
from kombu.utils.json import dumps, loads
from nameko.rpc import Rpc

from wuji_infra.errors import Conflict
from wuji_infra.tables import request_keys
from wuji_infra.types import utc_now

REQUEST_KEY_CONTEXT_KEY = "wuji_request_key"
FINGERPRINT_CONTEXT_KEY = "wuji_fingerprint"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEEP_DAYS = 7


def _sha256(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class Request:
    """One state-changing request as the service sees it: its key and fingerprint."""

    def __init__(self, key, fingerprint, rerun_unanswered=False):
        self.key = key
        self.fingerprint = fingerprint
        # a method that keeps its own request id (request_id=) answers a rerun from its own
        # row, so a claim left without an answer (a crash before storing it) may run it again
        self.rerun_unanswered = rerun_unanswered


class ClientKey:
    """The gateway's side: an account's ``Idempotency-Key``, for the requests it makes."""

    def __init__(self, account, client_key):
        self._secret = (account or "", client_key)
        self.key = _sha256("request", *self._secret)

    def request(self, method, args, kwargs=None):
        # the account and client key salt the fingerprint: a body with a password cannot be
        # guessed back from it without the client's key
        return Request(self.key, _sha256("fingerprint", *self._secret, method, args, kwargs or {}))

    def context(self, method, args, kwargs):
        """What the RPC context carries for ``method(*args, **kwargs)``."""
        request = self.request(method, args, kwargs)
        return {REQUEST_KEY_CONTEXT_KEY: request.key, FINGERPRINT_CONTEXT_KEY: request.fingerprint}


def from_worker(worker_ctx):
    """The Request of an RPC worker whose context has a request key, else None."""
    if worker_ctx is None or not isinstance(worker_ctx.entrypoint, Rpc):
        return None
    context = worker_ctx.context_data
    key, fingerprint = context.get(REQUEST_KEY_CONTEXT_KEY), context.get(FINGERPRINT_CONTEXT_KEY)
    if not key or not fingerprint:
        return None
    return Request(str(key), str(fingerprint), rerun_unanswered=bool(worker_ctx.kwargs.get("request_id")))


class Answered(Exception):
    """The request was done and answered before: ``answer`` is its result.

    Raised by the first transaction of the retry, before the method's body runs, so the
    method stops there and changes nothing; the RPC entrypoint (or Store.once) catches it
    and answers ``answer`` as the method's result. An exception is the one way out of the
    middle of a method that no RPC method has to know about.
    """

    def __init__(self, answer):
        super().__init__("answered before")
        self.answer = answer


REUSED = "Idempotency-Key 已用于另一请求 (Idempotency-Key reused with another request)"
UNANSWERED = ("同一 Idempotency-Key 的请求正在处理或结果未知, 请稍后查询 "
              "(a request with this Idempotency-Key is in progress or its result is unknown)")


def claim(session, request):
    """Claim ``request``'s key in the session's transaction, before the body runs.

    Absent: the claim is inserted, to commit or roll back with the effect. Present: Conflict
    for another fingerprint, Answered with its answer, Conflict while it has none. Of two
    concurrent requests with one key, the second waits here for the first's transaction.
    """
    inserted = session.execute(
        sa.text("INSERT INTO request_keys (key, fingerprint, answer, created_at) "
                "VALUES (:key, :fingerprint, NULL, :created_at) ON CONFLICT DO NOTHING")
        .bindparams(sa.bindparam("created_at", type_=request_keys.c.created_at.type)),
        {"key": request.key, "fingerprint": request.fingerprint, "created_at": utc_now()},
    ).rowcount
    if inserted:
        return
    fingerprint, answer = session.execute(
        sa.select(request_keys.c.fingerprint, request_keys.c.answer).where(request_keys.c.key == request.key)
    ).one()
    if fingerprint != request.fingerprint:
        raise Conflict(REUSED, {"Idempotency-Key": ["reused"]})
    if answer is not None:
        raise Answered(loads(answer))
    if not request.rerun_unanswered:
        raise Conflict(UNANSWERED, {"Idempotency-Key": ["in progress or unknown"]})


def store_answer(session, request, answer):
    """Keep ``answer`` (what the RPC returns, in the RPC's own JSON) for ``request``'s key."""
    session.execute(request_keys.update().where(request_keys.c.key == request.key).values(answer=dumps(answer)))


def prune(store, days=KEEP_DAYS, now=None):
    """Forget the request keys older than ``days`` (a db.Store's); returns how many.
    The same key after that is a new request."""
    cutoff = (now or utc_now()) - dt.timedelta(days=days)
    with store.transaction() as tx:
        return tx.session.execute(request_keys.delete().where(request_keys.c.created_at < cutoff)).rowcount


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wuji_infra.idempotency")
    parser.add_argument("command", choices=["prune"])
    parser.add_argument("process")
    parser.add_argument("--days", type=float, default=KEEP_DAYS)
    args = parser.parse_args(argv)
    from sqlalchemy.orm import sessionmaker

    from wuji_infra import config
    from wuji_infra.db import Store, make_engine  # db imports this module: imported here
    engine = make_engine(config.database_url(args.process))
    try:
        pruned = prune(Store(sessionmaker(engine), args.process), args.days)
    finally:
        engine.dispose()
    print(f"{args.process}: {pruned} request keys older than {args.days:g} days pruned")
    return 0


if __name__ == "__main__":
    sys.exit(main())

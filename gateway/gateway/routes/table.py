"""The shape of a route: declared once, read by the entrypoints, the role check
and the OpenAPI document.

    Route("GET", "/api/v1/branches/<id:branch_id>", STAFF, "党支部详情",
          rpc="members.get_branch", answer=members.schemas.BranchOut, call=fetch)

``call`` is a small plain function, ``Ctx`` in, payload out (or a werkzeug
Response for a file). The common shapes are below (fetch, listing, view, write);
they pass ids and paging positionally, ``actor=`` and ``request_id=`` by keyword.
"""
import dataclasses
import functools
import re
from typing import Any, Callable

from marshmallow import Schema

from gateway import audit, auth, gate, web
from gateway.dependencies import CLIENT_KEY, caller_access
from wuji_infra import access, idempotency, logs

FILE_RPC_SECONDS = 60  # building or storing a workbook of 10,000 rows takes seconds, not milliseconds
XLSX = "xlsx"          # body or answer: an .xlsx file, not JSON
PERMISSIVE = None      # answer: an object the service builds by hand (no schema yet)
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    path: str                       # werkzeug rule: "/api/v1/members/<id:member_id>"
    roles: Any                      # auth.PUBLIC or a role set of auth.py (STAFF, READERS...): never left out
    summary: str                    # a short Chinese summary, for the document
    call: Callable                  # Ctx -> payload
    rpc: tuple | str = ()           # "service.method" names the call may use (the first is Ctx.rpc)
    query: type | None = None       # marshmallow schema: the filters accepted (others are 400)
    body: Any = None                # marshmallow schema, XLSX, or None (no body)
    answer: Any = PERMISSIVE        # marshmallow schema, XLSX, a dict (JSON schema) or PERMISSIVE
    status: int = 200
    paged: bool = False             # answers {"items", "total", "page", "page_size"} of ``answer``
    idempotent: bool = False        # reads Idempotency-Key (as request_id)
    audit: str | None = None        # a read of sensitive facts: "pairing {pairing_id}", "pairings {filters}"
    audit_write: bool = False       # a change of money, policy or accounts: recorded in the audit log
    deadline: float | None = None   # seconds, for RPCs slower than the default deadline
    name: str | None = None         # the entrypoint's name; the first RPC's by default

    def __post_init__(self):
        if self.roles is None or not (self.roles is auth.PUBLIC or isinstance(self.roles, frozenset)):
            raise ValueError(f"{self.key}: declare its roles (auth.PUBLIC or a role set of auth.py), not {self.roles!r}")
        object.__setattr__(self, "rpc", (self.rpc,) if isinstance(self.rpc, str) else tuple(self.rpc))
        if self.name is None:
            if not self.rpc:
                raise ValueError(f"{self.key}: name the entrypoint (no RPC to name it after)")
            object.__setattr__(self, "name", self.rpc[0].split(".", 1)[1])
        if self.call is listing:
            object.__setattr__(self, "paged", True)

    @property
    def key(self):
        return f"{self.method} {self.path}"

    @property
    def audited(self):
        """Each request is recorded in the audit log (gate.py): sensitive reads and audited writes."""
        return bool(self.audit) or self.audit_write

    @property
    def params(self):
        """The path parameters in order: ``[(name, converter or None)]``."""
        return [(name, converter) for converter, name in _PARAM.findall(self.path)]

    @property
    def filters(self):
        """The query parameters the route accepts besides page and page_size."""
        if self.query is None:
            return ()
        return tuple(field.data_key or name for name, field in self.query._declared_fields.items())


@dataclasses.dataclass
class Ctx:
    """One request, as a route's call sees it: the parsed parts and the worker's service."""
    service: Any
    route: Route
    request: Any
    ids: tuple
    values: dict
    filters: dict
    page: int
    page_size: int
    body: Any

    @property
    def caller(self):
        return web.caller(self.request)

    @property
    def actor(self):
        return self.caller.username

    @functools.cached_property
    def request_id(self):
        """The client's Idempotency-Key, or one made for this request (the same all through it)."""
        return web.idempotency_key(self.request)

    @functools.cached_property
    def client_key(self):
        """The request key of a state-changing request (idempotency.ClientKey), else None; left
        in the request for the RPC clients (dependencies.DeadlineClient), which send it."""
        if self.route.method not in idempotency.WRITE_METHODS:
            return None
        caller = self.caller
        self.request.environ[CLIENT_KEY] = idempotency.ClientKey(caller and caller.username, self.request_id)
        return self.request.environ[CLIENT_KEY]

    def rpc(self, *args, **kwargs):
        """The route's first declared RPC."""
        return self.call_rpc(self.route.rpc[0], *args, **kwargs)

    def call_rpc(self, name, *args, **kwargs):
        if name not in self.route.rpc:
            raise LookupError(f"{self.route.key} does not declare the RPC {name}")
        service, method = name.split(".", 1)
        client = getattr(self.service, service)
        if self.route.deadline:
            client = client.with_deadline(self.route.deadline)
        return getattr(client, method)(*args, **kwargs)

    def transaction(self, handler, *args):
        """``handler(session, *args)`` in one transaction of the accounts database; a
        state-changing request once per request key, as in the services."""
        store = self.service.db
        if self.client_key:  # the route, its ids and body: args may hold the moment (now)
            store = store.for_request(self.client_key.request(f"gateway.{self.route.name}", self.ids, {"body": self.body}))

        def run():
            with store.transaction() as tx:
                return handler(tx.session, *args)
        return store.once(run)


# -- the common calls ---------------------------------------------------------

def fetch(c):
    """One record: ``get_x(*ids)``."""
    return c.rpc(*c.ids)


def listing(c):
    """A page: ``list_x(*ids, filters, page, page_size)``."""
    return c.rpc(*c.ids, c.filters, c.page, c.page_size)


def view(c):
    """A computed view: ``view_x(*ids, query)``."""
    return c.rpc(*c.ids, c.filters)


def write(c):
    """A write: ``verb_x(*ids, data, actor=)``."""
    return c.rpc(*c.ids, c.body, actor=c.actor)


def act(c):
    """An action on one record that takes no body: ``verb_x(*ids, actor=)``."""
    return c.rpc(*c.ids, actor=c.actor)


def idempotent_write(c):
    """A write that keeps an idempotency key: ``verb_x(*ids, data, actor=, request_id=)``."""
    return c.rpc(*c.ids, c.body, actor=c.actor, request_id=c.request_id)


# -- one request, start to end ------------------------------------------------

def dispatch(service, route, request, values):
    """Parse what the route declares (query first, then body), call, audit, answer."""
    logs.use_request_id(web.request_id(request))  # its log lines, its RPCs and the events they cause
    filters, page, page_size = web.query(request, route.filters)
    if route.body is XLSX:
        body = web.xlsx_body(request)
    elif route.body is not None:
        body = web.json_body(request)
    else:
        body = None
    ids = tuple(values[name] for name, _ in route.params)
    ctx = Ctx(service, route, request, ids, values, filters, page, page_size, body)
    ctx.client_key  # a bad Idempotency-Key is a 400 before anything is done
    if isinstance(body, dict):
        request.environ[audit.BODY_MEMBER_ID] = body.get("member_id")
    payload = route.call(ctx)
    if route.audit:
        count = f"{len(payload['items'])} of {payload['total']}" if route.paged else 1
        audit.read_line(ctx.caller, route.audit.format(filters=filters, **values), count)
    if isinstance(payload, web.Response):
        return payload
    if isinstance(route.answer, (type, Schema)):  # personal facts masked for who may not read them
        access.mask_answer(route.answer, payload["items"] if route.paged else payload, caller_access(request))
    return web.json_response(payload, status=route.status)


def entrypoint(route):
    """The nameko entrypoint method of ``route``."""

    def entry(self, request, **values):
        return dispatch(self, route, request, values)

    entry.__name__ = entry.__qualname__ = route.name
    entry.__doc__ = route.summary
    return gate.http(route.method, route.path, roles=route.roles, audited=route.audited)(entry)

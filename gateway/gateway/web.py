"""HTTP plumbing: JSON in, JSON out, authentication before any worker runs.

    ApiEndpoint.decorator("GET", "/api/v1/members/<id:member_id>", roles=auth.STAFF)

``ApiEndpoint`` is nameko's ``@http`` with three changes: every error (also an
unknown path or method) answers the JSON error body of errors.py; the route
is authenticated and authorized with its declared roles (routes/) before a
worker starts; ``<id:...>`` matches 1 to MAX_ID only, anything else is a 404.
service.py makes one per declared route.
"""
import base64
import datetime as dt
import decimal
import functools
import json
import logging
import os
import re
import time
import uuid

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter, Map, RequestRedirect
from werkzeug.wrappers import Request, Response

from gateway import auth, errors
from gateway.dependencies import SigningKey
from gateway.errors import PayloadTooLarge, UnsupportedMediaType
from wuji_infra import logs
from wuji_infra.errors import InvalidInput, WujiError
from wuji_infra.validation import DEFAULT_PAGE_SIZE, MAX_ID, paging

MAX_BODY_BYTES = 1024 * 1024
MAX_IDEMPOTENCY_KEY = 64
RESERVED_KEYS = ("__type__", "__value__")  # kombu's JSON would turn such objects into Python values
CALLER = "wuji.caller"  # the authenticated caller, in the request's WSGI environ
REQUEST_ID = "wuji.request_id"  # the id made up for a request without an Idempotency-Key

log = logging.getLogger("wuji.gateway")
access_log = logging.getLogger("wuji.access")


# -- answers ------------------------------------------------------------------

def _json_default(value):
    # kombu's JSON brings dates, decimals and uuids back as Python objects
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_response(payload, status=200, headers=None):
    return Response(
        json.dumps(payload, ensure_ascii=False, default=_json_default),
        status=status, headers=_no_store(headers), content_type="application/json; charset=utf-8",
    )


def _no_store(headers=None):
    # answers carry personal data (ID numbers, health, pensions): no cache may keep them
    return {**(headers or {}), "Cache-Control": "no-store"}


def created(payload):
    return json_response(payload, status=201)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(content_base64, filename, content_type=XLSX):
    """A file a service sent as base64 (RPC carries JSON only), as an attachment."""
    return attachment(base64.b64decode(content_base64), filename, content_type)


def attachment(content, filename, content_type=XLSX):
    """``content`` (bytes) as a file to save; the Chinese file name goes in filename*
    (RFC 6266), with an ASCII fallback."""
    from urllib.parse import quote
    fallback = filename if filename.isascii() else "download" + os.path.splitext(filename)[1]
    return Response(
        content, status=200, content_type=content_type,
        headers=_no_store({"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"}),
    )


def error_response(exc):
    status, body = errors.describe(exc)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, HTTPException) and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return json_response(body, status=status, headers=headers)


# -- routing and the entrypoint -----------------------------------------------

class IdConverter(IntegerConverter):
    """A database id in a path: 1 to MAX_ID (what an integer column holds)."""

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


class JsonWsgiApp(WsgiApp):
    """nameko's WsgiApp, with JSON errors for unknown paths and methods, and the access log:
    one line a request (``GET /api/v1/members/5 200 in 3.1 ms``) with its request id."""

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request = Request(environ, shallow=True)  # shallow: as in nameko, nothing reads the body here
        logs.use_request_id(request_id(request))
        try:
            response = self.respond(request, environ)
            # the path without its query, which may hold a name searched for
            access_log.info("%s %s %s in %.1f ms", request.method, request.path, response.status_code,
                            (time.perf_counter() - started) * 1000)
        finally:
            logs.use_request_id(None)
        return response(environ, start_response)

    def respond(self, request, environ):
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            return provider.handle_request(request)
        except RequestRedirect as redirect:  # e.g. a doubled slash: let werkzeug redirect
            return redirect.get_response(environ)
        except MethodNotAllowed as exc:
            return error_response(exc if _another_method_matches(adapter, exc.valid_methods) else NotFound())
        except HTTPException as exc:
            return error_response(exc)


def _another_method_matches(adapter, methods):
    """werkzeug answers 405 when a path's static parts fit a rule of another method even though
    its converter refused the value (an id out of range): only a real match of another
    method is a 405; otherwise there is no such resource (404)."""
    for method in methods or ():
        try:
            adapter.match(method=method)
            return True
        except HTTPException:
            continue
    return False


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, *args, **kwargs):
        server = super().get_wsgi_server(*args, **kwargs)
        server.log_output = False  # JsonWsgiApp writes the access line, with the request id
        return server

    def make_url_map(self):
        url_map = Map(converters={"id": IdConverter})
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map


class ApiEndpoint(HttpRequestHandler):
    server = JsonWebServer()
    key = SigningKey()
    current_caller = None  # (request, caller) -> the caller as its account is now (gate.py); None: the token alone

    def __init__(self, method, url, roles=None, **kwargs):
        if roles is None:  # deny by default: a route names who may call it, auth.PUBLIC included
            raise ValueError(f"{method} {url}: no roles declared (give auth.PUBLIC, STAFF or ADMIN)")
        self.roles = roles
        kwargs.setdefault("expected_exceptions", WujiError)  # nameko logs these as warnings, not errors
        super().__init__(method, url, **kwargs)

    @property
    def route(self):
        return f"{self.method} {self.url}"

    def handle_request(self, request):
        current = self.current_caller and functools.partial(self.current_caller, request)
        try:
            request.environ[CALLER] = auth.authenticate(
                self.key.secret, self.roles, request.headers.get("Authorization"), current)
        except WujiError as exc:  # 401, 403
            return self.response_from_exception(exc)
        except Exception as exc:
            log.exception("%s: authentication failed unexpectedly", self.route)
            return self.response_from_exception(exc)
        return super().handle_request(request)

    def response_from_exception(self, exc):
        return error_response(exc)


http = ApiEndpoint.decorator


# -- reading requests ---------------------------------------------------------

def caller(request):
    """The authenticated ``auth.Caller`` of this request."""
    return request.environ[CALLER]


def json_body(request):
    """The request's JSON object: at most 1 MiB, declared as JSON, no kombu type tags."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("请求内容应为JSON (send Content-Type: application/json)",
                                   {"Content-Type": ["应为 application/json (must be application/json)"]})
    raw = capped_body(request, MAX_BODY_BYTES,
                      f"请求内容超过 {MAX_BODY_BYTES // 1024} KiB (the body is over 1 MiB)")
    return parse_json_object(raw)


MAX_FILE_BYTES = 20 * 1024 * 1024


def xlsx_body(request):
    """The request's body as an .xlsx file (base64 for the RPC): at most 20 MiB."""
    if request.mimetype not in (XLSX, "application/octet-stream"):
        raise UnsupportedMediaType(f"请上传 .xlsx 文件 (send Content-Type: {XLSX})",
                                   {"Content-Type": [f"应为 {XLSX} (must be {XLSX})"]})
    raw = capped_body(request, MAX_FILE_BYTES,
                      f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MiB (the file is over 20 MiB)")
    if not raw:
        raise InvalidInput("请上传 .xlsx 文件 (send an .xlsx file)", {"file": ["必填 (required)"]})
    return base64.b64encode(raw).decode("ascii")


def capped_body(request, limit, too_large_message):
    """The body's bytes, at most ``limit``: 413 by Content-Length before reading, and by the bytes read."""
    declared = request.headers.get("Content-Length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidInput("Content-Length 有误 (bad Content-Length)", {"Content-Length": ["not a number"]})
        if int(declared) > limit:
            raise PayloadTooLarge(too_large_message)
    # read from the WSGI input itself: it ends at Content-Length, and decodes a
    # chunked body (which werkzeug's stream would show as empty); one byte
    # more than the limit tells a body that is too long
    raw = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(too_large_message)
    return raw


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed")


def parse_json_object(raw):
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = str(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
        raise InvalidInput("请求内容不是有效的JSON (the body is not valid JSON)",
                           {"body": [f"不是有效的JSON (not valid JSON: {reason})"]})
    if not isinstance(data, dict):
        raise InvalidInput("请求内容应为JSON对象 (the body must be a JSON object)",
                           {"body": ["应为JSON对象 (must be a JSON object)"]})
    problems = body_problems(data)
    if problems:
        raise InvalidInput("请求内容有误 (the body has keys or text that cannot be accepted)", problems)
    return data


# NUL cannot be stored in PostgreSQL text, and a lone surrogate cannot be encoded as UTF-8:
# both are refused at the door instead of failing in a service's database
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = "含有无法保存的字符 (contains NUL or an unpaired surrogate)"


def text_problem(text):
    """Why a text from a client cannot be accepted, or None."""
    return UNSTORABLE_TEXT if _UNSTORABLE.search(text) else None


def body_problems(data):
    """``{path: [reason]}`` for every reserved key (``__type__``, ``__value__``) and every
    key or text with unstorable characters, at any depth (``a.0.__type__``)."""
    found = {}
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and text_problem(value):
            found[path or "body"] = [UNSTORABLE_TEXT]
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        for key, child in children:
            child_path = f"{path}.{key}" if path else str(key)
            if key in RESERVED_KEYS:
                found[child_path] = ["保留字段, 不可使用 (reserved key)"]
            elif isinstance(key, str) and text_problem(key):
                found[child_path.encode("utf-8", "backslashreplace").decode()] = [UNSTORABLE_TEXT]
            stack.append((child_path, child))
    return dict(sorted(found.items()))


def query(request, filters=()):
    """``(filters, page, page_size)`` from the query string; unknown parameters are refused."""
    unknown = sorted(set(request.args) - set(filters) - {"page", "page_size"})
    if unknown:
        raise InvalidInput("未知的查询参数 (unknown query parameters)",
                           {name: ["未知参数 (unknown parameter)"] for name in unknown})
    unstorable = {name: [UNSTORABLE_TEXT] for name, value in request.args.items(multi=True) if text_problem(value)}
    if unstorable:
        raise InvalidInput("查询参数有误 (bad query parameters)", unstorable)
    page, page_size = paging(request.args.get("page", 1), request.args.get("page_size", DEFAULT_PAGE_SIZE))
    chosen = {name: request.args[name] for name in filters if name in request.args}
    return chosen, page, page_size


_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,%d}$" % MAX_IDEMPOTENCY_KEY)


def request_id(request):
    """The id the request is known by: its Idempotency-Key when it is valid (the id a
    service keeps with the write), else a uuid4 made once for the request."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and _IDEMPOTENCY_KEY.match(key):
        return key
    if REQUEST_ID not in request.environ:
        request.environ[REQUEST_ID] = str(uuid.uuid4())
    return request.environ[REQUEST_ID]


def idempotency_key(request):
    """The ``Idempotency-Key`` header (1 to 64 visible ASCII characters), or a new uuid4."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return request_id(request)
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            "Idempotency-Key 有误 (bad Idempotency-Key)",
            {"Idempotency-Key": [f"应为1到{MAX_IDEMPOTENCY_KEY}个可见ASCII字符 (1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters)"]},
        )
    return key

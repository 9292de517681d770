"""Every error the gateway answers, from one table.

The body is always ``{"error": CODE, "message": TEXT, "fields": {FIELD: [TEXT]}}``.
The services' InvalidInput / NotFound / Conflict arrive over RPC as the same
classes (wuji_infra.errors registers them with nameko), so they are mapped
here like the gateway's own. Anything not in the table is a 500 whose body
says nothing of the cause (the traceback goes to the log only).
"""
import amqp.exceptions
import kombu.exceptions
from nameko.exceptions import UnknownService
from werkzeug import exceptions as http_exceptions

from wuji_infra.errors import Conflict, DatabaseUnavailable, Forbidden, InvalidInput, NotFound, WujiError


class Unauthorized(WujiError):
    """No token, or a forged or expired one; also a wrong username or password."""
    code = "unauthorized"


class PayloadTooLarge(WujiError):
    code = "payload_too_large"


class UnsupportedMediaType(WujiError):
    code = "unsupported_media_type"


class TooManyAttempts(WujiError):
    """Too many failed logins for one username: refused for a while (accounts.py)."""
    code = "too_many_attempts"

    def __init__(self, message, fields=None, retry_after=None):
        super().__init__(message, fields)
        self.retry_after = retry_after  # seconds, sent as Retry-After


class ServiceUnavailable(WujiError):
    """A service gave no answer before the deadline (see dependencies.ServiceClient)."""
    code = "service_unavailable"


# the broker is unreachable or dropped the connection
BROKER_ERRORS = (kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError, ConnectionError)

# (exception classes, HTTP status, error code, message for exceptions that carry none)
TABLE = (
    ((InvalidInput, http_exceptions.BadRequest), 400, "invalid_input", "输入有误 (invalid input)"),
    (Unauthorized, 401, "unauthorized", "请先登录 (unauthorized)"),
    (Forbidden, 403, "forbidden", "无权进行此操作 (forbidden)"),
    ((NotFound, http_exceptions.NotFound), 404, "not_found", "没有这个地址 (no such resource)"),
    (http_exceptions.MethodNotAllowed, 405, "method_not_allowed", "不支持此请求方法 (method not allowed)"),
    (Conflict, 409, "conflict", "与现有数据冲突 (conflict)"),
    (PayloadTooLarge, 413, "payload_too_large", "请求内容过大 (payload too large)"),
    (UnsupportedMediaType, 415, "unsupported_media_type", "请求内容应为JSON (send Content-Type: application/json)"),
    (TooManyAttempts, 429, "too_many_attempts", "尝试次数过多, 请稍后再试 (too many attempts, try again later)"),
    ((ServiceUnavailable, DatabaseUnavailable, UnknownService) + BROKER_ERRORS, 503, "service_unavailable",
     "服务暂不可用, 请稍后重试 (service unavailable, try again later)"),
)
INTERNAL_ERROR = (500, "internal_error", "服务器内部错误 (internal error)")


def describe(exc):
    """``(status, body)`` of the answer to ``exc``."""
    for classes, status, code, message in TABLE:
        if isinstance(exc, classes):
            if isinstance(exc, WujiError):
                return status, body(code, exc.message or message, exc.fields)
            return status, body(code, message)
    status, code, message = INTERNAL_ERROR
    return status, body(code, message)


def body(code, message, fields=None):
    return {"error": code, "message": message, "fields": dict(fields or {})}

"""The one table from exceptions to HTTP answers."""
import kombu.exceptions
import pytest
from nameko.exceptions import RemoteError, UnknownService, deserialize, serialize
from werkzeug import exceptions as http_exceptions

from gateway import errors
from wuji_infra.errors import Conflict, DatabaseUnavailable, InvalidInput, NotFound


def over_rpc(exc):
    """``exc`` as the gateway gets it back from a service."""
    return deserialize(serialize(exc))


@pytest.mark.parametrize("exc, status, code", [
    (InvalidInput("输入有误", {"name": ["必填 (required)"]}), 400, "invalid_input"),
    (http_exceptions.BadRequest(), 400, "invalid_input"),
    (errors.Unauthorized("no"), 401, "unauthorized"),
    (errors.Forbidden("no"), 403, "forbidden"),
    (NotFound("党员 9 不存在"), 404, "not_found"),
    (http_exceptions.NotFound(), 404, "not_found"),
    (http_exceptions.MethodNotAllowed(["GET"]), 405, "method_not_allowed"),
    (Conflict("已存在", {"name": ["already exists"]}), 409, "conflict"),
    (errors.PayloadTooLarge("big"), 413, "payload_too_large"),
    (errors.UnsupportedMediaType("xml"), 415, "unsupported_media_type"),
    (errors.TooManyAttempts("wait", retry_after=60), 429, "too_many_attempts"),
    (errors.ServiceUnavailable("members did not answer"), 503, "service_unavailable"),
    (UnknownService("members"), 503, "service_unavailable"),
    (DatabaseUnavailable("数据库暂不可用"), 503, "service_unavailable"),
    (kombu.exceptions.OperationalError("connection refused"), 503, "service_unavailable"),
    (ConnectionRefusedError(111, "refused"), 503, "service_unavailable"),
])
def test_each_error_has_its_status_and_code(exc, status, code):
    answered_status, body = errors.describe(exc)
    assert (answered_status, body["error"]) == (status, code)
    assert set(body) == {"error", "message", "fields"}
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize("exc, status", [
    (InvalidInput("输入有误 (invalid input)", {"id_number": ["校验位错误"]}), 400),
    (NotFound("党员 9 不存在 (no such member)"), 404),
    (Conflict("该身份证号已登记", {"id_number": ["already registered as member 3"]}), 409),
])
def test_a_service_error_keeps_its_message_and_fields_across_rpc(exc, status):
    received = over_rpc(exc)
    assert type(received) is type(exc)
    assert errors.describe(received) == (status, {"error": exc.code, "message": exc.message, "fields": exc.fields})


def test_fields_are_an_empty_object_when_there_are_none():
    assert errors.describe(NotFound("gone"))[1]["fields"] == {}


def test_an_unexpected_service_error_is_a_500_that_leaks_nothing():
    received = over_rpc(ZeroDivisionError("secret detail in /srv/members/handlers.py"))
    assert isinstance(received, RemoteError)
    status, body = errors.describe(received)
    assert status == 500
    assert body == {"error": "internal_error", "message": errors.INTERNAL_ERROR[2], "fields": {}}


def test_any_other_exception_is_a_500_that_leaks_nothing():
    status, body = errors.describe(KeyError("password_hash"))
    assert status == 500 and "password_hash" not in str(body)


def test_too_many_attempts_says_when_to_try_again():
    from gateway import web
    answer = web.error_response(errors.TooManyAttempts("登录失败次数过多", {"username": ["locked"]}, retry_after=840))
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "840"

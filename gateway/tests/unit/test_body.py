"""What the gateway accepts as a request body, and the Idempotency-Key header."""
import io
import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import web
from gateway.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType


def post(data=b"", content_type="application/json", headers=None):
    environ = EnvironBuilder(method="POST", path="/api/v1/branches", data=data,
                             content_type=content_type, headers=headers).get_environ()
    return Request(environ)


def fields_of(excinfo):
    return excinfo.value.fields


def test_a_json_object_is_read():
    body = {"name": "第一党支部", "unit": "住建局", "nested": {"list": [1, "二"]}}
    assert web.json_body(post(json.dumps(body, ensure_ascii=False).encode())) == body


def test_a_charset_parameter_is_fine():
    assert web.json_body(post(b'{"a": 1}', "application/json; charset=utf-8")) == {"a": 1}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_declared_json_is_415(content_type):
    with pytest.raises(UnsupportedMediaType) as excinfo:
        web.json_body(post(b'{"a": 1}', content_type))
    assert "Content-Type" in fields_of(excinfo)


@pytest.mark.parametrize("raw", [b"", b"{", b"{'a': 1}", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe", b"[" * 100000])
def test_malformed_json_is_400_on_the_body(raw):
    with pytest.raises(InvalidInput) as excinfo:
        web.json_body(post(raw))
    assert list(fields_of(excinfo)) == ["body"]


@pytest.mark.parametrize("raw", [b"[]", b'[{"a": 1}]', b'"text"', b"1", b"null", b"true"])
def test_a_body_that_is_not_an_object_is_400(raw):
    with pytest.raises(InvalidInput) as excinfo:
        web.json_body(post(raw))
    assert list(fields_of(excinfo)) == ["body"]


@pytest.mark.parametrize("body, paths", [
    ({"__type__": "decimal", "__value__": "1"}, ["__type__", "__value__"]),
    ({"cash": {"__type__": "decimal", "__value__": "1"}}, ["cash.__type__", "cash.__value__"]),
    ({"visitors": ["张三", {"x": {"__value__": 1}}]}, ["visitors.1.x.__value__"]),
])
def test_kombu_type_tags_are_refused_at_any_depth(body, paths):
    with pytest.raises(InvalidInput) as excinfo:
        web.json_body(post(json.dumps(body).encode()))
    assert sorted(fields_of(excinfo)) == paths


def test_the_same_words_as_values_are_fine():
    body = {"note": "__type__", "tags": ["__value__"]}
    assert web.json_body(post(json.dumps(body).encode())) == body


def test_a_body_of_exactly_one_mib_is_read():
    filler = "x" * (web.MAX_BODY_BYTES - len('{"note": ""}'))
    raw = json.dumps({"note": filler}).encode()
    assert len(raw) == web.MAX_BODY_BYTES
    assert web.json_body(post(raw))["note"] == filler


def test_a_declared_length_over_one_mib_is_413_without_reading():
    request = post(b"{}")
    request.environ["CONTENT_LENGTH"] = str(web.MAX_BODY_BYTES + 1)
    request.environ["wsgi.input"] = _Unreadable()
    with pytest.raises(PayloadTooLarge):
        web.json_body(request)


def test_a_body_longer_than_one_mib_without_a_length_is_413():
    # a chunked body has no Content-Length: what counts is the bytes read
    request = post(b"{}")
    del request.environ["CONTENT_LENGTH"]
    request.environ["wsgi.input"] = io.BytesIO(b'{"a": "' + b"x" * web.MAX_BODY_BYTES + b'"}')
    with pytest.raises(PayloadTooLarge):
        web.json_body(request)


def test_a_bad_content_length_is_400():
    request = post(b"{}")
    request.environ["CONTENT_LENGTH"] = "-5"
    with pytest.raises(InvalidInput) as excinfo:
        web.json_body(request)
    assert "Content-Length" in fields_of(excinfo)


class _Unreadable:
    def read(self, *args):
        raise AssertionError("the body was read")


def test_the_idempotency_key_is_passed_on_or_made_up():
    assert web.idempotency_key(post(headers={"Idempotency-Key": "abc-123"})) == "abc-123"
    made_up = web.idempotency_key(post())
    assert len(made_up) == 36 and made_up != web.idempotency_key(post())


@pytest.mark.parametrize("key", ["", "x" * 65, "has space", "中文"])
def test_a_bad_idempotency_key_is_400(key):
    request = post(headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    with pytest.raises(InvalidInput) as excinfo:
        web.idempotency_key(request)
    assert "Idempotency-Key" in fields_of(excinfo)


def test_an_idempotency_key_of_64_characters_is_fine():
    assert web.idempotency_key(post(headers={"Idempotency-Key": "k" * 64})) == "k" * 64


@pytest.mark.parametrize("raw, path", [
    (b'{"name": "a\\u0000b"}', "name"),
    (b'{"name": "\\ud800"}', "name"),
    (b'{"visitors": ["ok", "x\\u0000"]}', "visitors.1"),
    (b'{"a\\u0000": 1}', "a\x00"),
])
def test_text_a_database_cannot_store_is_400_naming_the_field(raw, path):
    """NUL (PostgreSQL text cannot hold it) and lone surrogates (no UTF-8 for them), at any depth."""
    with pytest.raises(InvalidInput) as excinfo:
        web.json_body(post(raw))
    assert list(fields_of(excinfo)) == [path.encode("utf-8", "backslashreplace").decode()]


def test_every_json_answer_and_download_says_no_store():
    assert web.json_response({"id_number": "110101194001011234"}).headers["Cache-Control"] == "no-store"
    assert web.error_response(InvalidInput("x")).headers["Cache-Control"] == "no-store"
    assert web.download("UEs=", "党员名册.xlsx").headers["Cache-Control"] == "no-store"

"""The gateway serves the built console: its page, its hashed files (gzipped when the browser
takes it), nothing outside its folder, and a page that says how to build it when it is not."""
import gzip
import types

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.routes import console
from wuji_infra.errors import NotFound


def ctx(path="/", values=None, gzip_ok=False):
    headers = {"Accept-Encoding": "gzip, deflate"} if gzip_ok else {}
    return types.SimpleNamespace(request=Request(EnvironBuilder(path=path, headers=headers).get_environ()),
                                 values=values or {})


@pytest.fixture
def built(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>五基</title>", encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('五基')", encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress("console.log('五基')".encode()))
    (tmp_path.parent / "secret.txt").write_text("not the console's")
    monkeypatch.setenv("WUJI_CONSOLE_DIR", str(tmp_path))
    return tmp_path


def test_the_page_is_served_and_never_cached(built):
    response = console.index_page(ctx())
    assert response.status_code == 200 and "五基" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.content_type == "text/html; charset=utf-8"


def test_a_hashed_file_is_cached_for_a_year_and_sent_gzipped_to_who_takes_it(built):
    plain = console.console_asset(ctx(values={"asset": "index-abc123.js"}))
    assert plain.get_data(as_text=True) == "console.log('五基')" and "Content-Encoding" not in plain.headers
    assert "immutable" in plain.headers["Cache-Control"] and plain.headers["Vary"] == "Accept-Encoding"
    zipped = console.console_asset(ctx(values={"asset": "index-abc123.js"}, gzip_ok=True))
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()).decode() == "console.log('五基')"
    assert zipped.content_type.startswith("text/javascript") or zipped.content_type.startswith("application/javascript")


@pytest.mark.parametrize("asset", ["missing.js", "../index.html", "../../secret.txt", "/etc/passwd"])
def test_nothing_else_is_served(built, asset):
    with pytest.raises(NotFound):
        console.console_asset(ctx(values={"asset": asset}))


def test_before_the_console_is_built_the_page_says_how(tmp_path, monkeypatch):
    monkeypatch.setenv("WUJI_CONSOLE_DIR", str(tmp_path / "nothing"))
    response = console.index_page(ctx())
    assert response.status_code == 503 and "make run" in response.get_data(as_text=True)


def test_the_addresses_a_person_tries_lead_somewhere():
    assert console.to_console(ctx("/console")).headers["Location"] == "/"
    assert console.to_api_docs(ctx("/docs")).headers["Location"] == "/api/docs"

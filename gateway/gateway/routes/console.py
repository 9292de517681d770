"""The web console (console/, built by `make console`) served at ``/``: its page and its
files. Its screens are addressed after a ``#`` (``/#/members/12``, a link opened from the
office's chat group), which never reaches the server: one page serves every screen.

The files hold no data (the console asks the API for everything, with its token): public.
Hashed assets are cached for a year; the index page is never cached, so a new build shows
at the next load. Files gzipped at build time go out gzipped to a browser that accepts it.
"""
import mimetypes
import os

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from gateway.auth import PUBLIC
from gateway.routes.table import Route
from wuji_infra import config
from wuji_infra.errors import NotFound

HTML = {"type": "string", "description": "text/html"}
NOT_BUILT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="UTF-8"><title>五基</title></head>
<body style="font-size:20px;font-family:sans-serif;margin:2em">
<h1>五基：网页控制台尚未构建</h1>
<p>请在项目目录运行 <code>make run</code>（或 <code>make console</code>）后刷新本页。</p>
<p>The web console is not built: run <code>make run</code> (or <code>make console</code>).
The API answers under <a href="/api/docs">/api/docs</a>.</p>
</body></html>
"""
YEAR = 365 * 24 * 3600


def console_dir():
    return os.path.abspath(config.env("WUJI_CONSOLE_DIR"))


def _file(relative, folder=""):
    """The built file at ``relative`` in ``folder`` of the console, or None; never outside that folder."""
    root = os.path.join(console_dir(), folder)
    path = os.path.realpath(os.path.join(root, relative))
    if not path.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(path):
        return None
    return path


def _send(request, path, cache_control):
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
        content_type += "; charset=utf-8"
    headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
    if "gzip" in request.headers.get("Accept-Encoding", "") and os.path.isfile(path + ".gz"):
        path += ".gz"
        headers["Content-Encoding"] = "gzip"
    with open(path, "rb") as file:
        return Response(file.read(), content_type=content_type, headers=headers)


def index_page(c):
    path = _file("index.html")
    if path is None:
        return Response(NOT_BUILT, status=503, content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    return _send(c.request, path, "no-cache")


def console_asset(c):
    path = _file(c.values["asset"], "assets")
    if path is None:
        raise NotFound(f"没有这个文件 {c.values['asset']} (no such file)")
    return _send(c.request, path, f"public, max-age={YEAR}, immutable")  # named by a hash of their content


def to_console(c):
    return redirect("/", code=302)


def to_api_docs(c):
    return redirect("/api/docs", code=302)


ROUTES = [
    Route("GET", "/", PUBLIC, "网页控制台", name="console_index", call=index_page, answer=HTML),
    Route("GET", "/assets/<path:asset>", PUBLIC, "网页控制台的静态文件", name="console_asset",
          call=console_asset, answer={"type": "string", "format": "binary"}),
    # the addresses a person tries first
    Route("GET", "/console", PUBLIC, "转到网页控制台", name="to_console", call=to_console, answer=HTML, status=302),
    Route("GET", "/docs", PUBLIC, "转到接口文档", name="to_api_docs", call=to_api_docs, answer=HTML, status=302),
]

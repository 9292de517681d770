"""The gateway about itself: /health, the OpenAPI document and Swagger UI (served
from the swagger-ui-bundle package: no CDN)."""
import mimetypes

from werkzeug.wrappers import Response

from gateway import handlers, schemas, web
from gateway.auth import PUBLIC
from gateway.routes.table import Route
from wuji_infra import config
from wuji_infra.config import SERVICES
from wuji_infra.errors import NotFound

DOCS_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
               "favicon-32x32.png", "favicon-16x16.png")
HTML = {"type": "string", "description": "text/html"}

DOCS_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
  <head>
    <meta charset="UTF-8">
    <title>五基 API 文档 (Wuji API)</title>
    <link rel="stylesheet" type="text/css" href="/api/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/api/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script>
      window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
    </script>
  </body>
</html>
"""


def health(c):
    # 200 also when degraded: a probe reads the body to see which service is down
    return handlers.health({name: getattr(c.service, name) for name in SERVICES})


def live(c):
    """The process answers HTTP: nothing else is asked (a restart would not mend anything else)."""
    return {"status": "ok"}


def ready(c):
    """Ready for requests: the gateway's database, its migrations, the broker (503 with why not)."""
    from nameko import config as running  # the broker this process was started on
    is_ready, checks = handlers.readiness(c.service.db, running.get("AMQP_URI") or config.amqp_uri("gateway"))
    return web.json_response({"status": "ready" if is_ready else "not_ready", "checks": checks},
                             status=200 if is_ready else 503)


def prometheus_metrics(c):
    from werkzeug.wrappers import Response as Plain

    from wuji_infra import metrics
    return Plain(metrics.text(), content_type="text/plain; version=0.0.4; charset=utf-8")


def openapi_document(c):
    from gateway import openapi  # it reads the whole table, this module included
    return openapi.document()


def docs_page(c):
    return Response(DOCS_PAGE, content_type="text/html; charset=utf-8")


def docs_asset(c):
    from swagger_ui_bundle import swagger_ui_path
    name = c.values["asset"]
    if name not in DOCS_ASSETS:
        raise NotFound(f"没有这个文件 {name} (no such file)")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response((swagger_ui_path / name).read_bytes(), content_type=content_type,
                    headers={"Cache-Control": "public, max-age=86400"})


# the API's documentation: public, and not part of the API it documents
DOCUMENTATION = [
    Route("GET", "/api/v1/openapi.json", PUBLIC, "OpenAPI 文档", name="openapi_document",
          call=openapi_document, answer={"type": "object", "description": "this document"}),
    Route("GET", "/api/docs", PUBLIC, "接口文档 (Swagger UI)", name="docs_page", call=docs_page, answer=HTML),
    Route("GET", "/api/docs/<asset>", PUBLIC, "接口文档的静态文件", name="docs_asset", call=docs_asset,
          answer={"type": "string", "format": "binary"}),
]

# for the operators' tools: public, plain text (keep it from the internet at the proxy)
OPERATIONS = [
    Route("GET", "/metrics", PUBLIC, "Prometheus 指标 (请求耗时、事件处理、发件箱、死信)", name="prometheus_metrics",
          call=prometheus_metrics, answer={"type": "string", "description": "text/plain"}),
]

ROUTES = [
    Route("GET", "/health", PUBLIC, "健康检查: 各服务是否在线", name="health", call=health,
          rpc=tuple(f"{name}.ping" for name in SERVICES), answer=schemas.HealthOut),
    Route("GET", "/health/live", PUBLIC, "存活检查: 进程在运行", name="live", call=live, answer=schemas.LiveOut),
    Route("GET", "/health/ready", PUBLIC, "就绪检查: 数据库、迁移、消息队列 (未就绪 503)", name="ready", call=ready,
          answer=schemas.ReadyOut),
    *DOCUMENTATION,
    *OPERATIONS,
]

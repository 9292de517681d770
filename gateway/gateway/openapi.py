"""The OpenAPI 3 document of the gateway, derived from the route table.

apispec with its MarshmallowPlugin turns the services' own schemas (bodies,
filters, answers) into components; paths, parameters, errors and security
come from each route's declaration. Built once per process.
"""
import decimal
import functools

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from gateway import auth, errors
from gateway.routes import ROUTES, TAGS
from gateway.routes.table import PERMISSIVE, XLSX, _PARAM
from wuji_infra.validation import DEFAULT_PAGE_SIZE, MAX_ID, MAX_PAGE_SIZE

OPENAPI_VERSION = "3.0.3"
BEARER = "bearer"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_STATUSES = {status: (code, message) for _, status, code, message in errors.TABLE}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def schema_name(schema):
    """A component name that tells the service: ``members.BranchOut``, ``gateway.TokenIn``."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = f"{cls.__module__.split('.')[0]}.{cls.__name__.lstrip('_')}"
    if not isinstance(schema, type) and getattr(schema, "partial", None):
        name += ".partial"
    return name


def json_content(schema):
    return {"application/json": {"schema": schema}}


def answer_schema(route):
    if route.answer is PERMISSIVE:
        return {"type": "object", "additionalProperties": True,
                "description": "an object the service builds (fields not yet documented)"}
    if isinstance(route.answer, dict):
        return route.answer
    return route.answer  # a marshmallow schema: the plugin resolves it to a $ref


def page_schema(item):
    return {"type": "object", "required": ["items", "total", "page", "page_size"], "properties": {
        "items": {"type": "array", "items": item},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    }}


def openapi_path(path):
    return _PARAM.sub(lambda match: "{%s}" % match.group(2), path)


def parameters(route):
    found = []
    for name, converter in route.params:
        schema = ID_SCHEMA if converter == "id" else {"type": "string"}
        found.append({"in": "path", "name": name, "required": True, "schema": schema})
    if route.query is not None:
        found.append({"in": "query", "schema": route.query})
    if route.paged:
        found += [{"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                  {"in": "query", "name": "page_size", "schema": {
                      "type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}}]
    if route.idempotent:
        found.append({"in": "header", "name": "Idempotency-Key", "required": False,
                      "description": "1 to 64 visible ASCII characters: a retried request is recorded once",
                      "schema": {"type": "string", "minLength": 1, "maxLength": 64}})
    return found


def responses(route):
    if route.answer is XLSX:
        success = {"description": "an .xlsx file (Content-Disposition names it)",
                   "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
    elif isinstance(route.answer, dict) and route.answer.get("description", "").startswith("text/"):
        media = route.answer["description"]  # a page (text/html), the metrics (text/plain)
        success = {"description": route.summary, "content": {media: {"schema": {"type": "string"}}}}
    else:
        schema = answer_schema(route)
        success = {"description": route.summary, "content": json_content(page_schema(schema) if route.paged else schema)}
    if route.key == "GET /api/v1/funding/statement":  # format=xlsx answers the workbook instead
        success["content"][XLSX_TYPE] = {"schema": {"type": "string", "format": "binary"}}
    found = {str(route.status): success}
    statuses = [400, 404, 503] if route.rpc or route.params else [400, 404]
    if route.roles is not auth.PUBLIC:
        statuses += [401, 403]
    if route.body is not None:
        statuses += [413, 415]
    if route.method != "GET" and route.rpc:
        statuses += [409]
    if route.key == "POST /api/v1/auth/token":
        statuses += [401, 429]
    for status in sorted(set(statuses)):
        found[str(status)] = {"$ref": f"#/components/responses/{ERROR_STATUSES[status][0]}"}
    return found


def operation(route):
    op = {"summary": route.summary, "operationId": route.name, "tags": [TAGS.get(route.key, "gateway")],
          "parameters": parameters(route), "responses": responses(route)}
    if route.rpc:
        op["description"] = "RPC: " + ", ".join(f"`{name}`" for name in route.rpc)
    if route.roles is auth.PUBLIC:
        op["security"] = []
    else:
        op["security"] = [{BEARER: []}]
        op["description"] = (op.get("description", "") + f"\n\nroles: {', '.join(sorted(route.roles))}").strip()
    if route.body is XLSX:
        op["requestBody"] = {"required": True, "content": {
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    elif route.body is not None:
        op["requestBody"] = {"required": True, "content": json_content(route.body)}
    return op


def decimal_as_text(self, field, **kwargs):
    """An apispec attribute function: a Decimal sent as a string (money "1234.50", a ratio
    "0.5000") is documented as a string, not as the number apispec assumes."""
    if isinstance(field, fields.Decimal) and field.as_string:
        money = field.places is not None and field.places.as_tuple().exponent == -2
        return {"type": "string", "format": "decimal", "example": "1234.50" if money else "0.5"}
    return {}


def sensitive_marked(self, field, **kwargs):
    """An apispec attribute function: a personal fact says so, and that it may come masked."""
    kind = field.metadata.get("sensitive")
    if kind is None:
        return {}
    note = f"personal fact ({kind}): masked for roles that may not read it, e.g. \"***\""
    described = field.metadata.get("description")
    return {"x-sensitive": kind, "description": f"{described}; {note}" if described else note}


def build(routes=ROUTES):
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(title="五基 Wuji API", version="1", openapi_version=OPENAPI_VERSION, plugins=[plugin],
                   info={"description": "离退休党员服务平台的 HTTP 接口 (the gateway); every error answers "
                                        "`{\"error\", \"message\", \"fields\"}`."})
    plugin.converter.add_attribute_function(decimal_as_text)
    plugin.converter.add_attribute_function(sensitive_marked)
    spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", {"type": "object", "required": ["error", "message", "fields"], "properties": {
        "error": {"type": "string", "example": "invalid_input"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }})
    for status, (code, message) in sorted(ERROR_STATUSES.items()):
        spec.components.response(code, {"description": f"{status}: {message}",
                                        "content": json_content({"$ref": "#/components/schemas/Error"})})
    by_path = {}
    for route in routes:
        by_path.setdefault(openapi_path(route.path), {})[route.method.lower()] = operation(route)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return _plain_numbers(spec.to_dict())


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _plain_numbers(value, key=None):
    """Money ranges (Decimal bounds) arrive from apispec as text: the document wants numbers."""
    if isinstance(value, dict):
        return {k: _plain_numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    if key in _BOUNDS and isinstance(value, (str, decimal.Decimal)):
        return float(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


@functools.lru_cache(maxsize=1)
def document():
    return build()

"""Every JSON route documents its exact answer: a named schema of the process that
builds it (the service it calls, or the gateway itself), never the permissive
object of an answer built by hand."""
import json

import pytest

from gateway import openapi
from gateway.routes import ROUTES, console, system
from gateway.routes.table import PERMISSIVE, XLSX

# the documentation and console routes answer the document itself, HTML and static files
JSON_ROUTES = [route for route in ROUTES
               if route not in system.DOCUMENTATION + system.OPERATIONS and route not in console.ROUTES
               and route.answer is not XLSX]
_REF = '"$ref": "#/components/schemas/'


@pytest.fixture(scope="module")
def document():
    return openapi.build()


def _success(document, route):
    return document["paths"][openapi.openapi_path(route.path)][route.method.lower()]["responses"][str(route.status)]


def _referenced(value):
    return [part.split('"', 1)[0] for part in json.dumps(value).split(_REF)[1:]]


def _owner(route):
    """The process whose schemas describe the route's answer: the gateway for an answer it
    composes from several services (the reports)."""
    services = {name.split(".", 1)[0] for name in route.rpc}
    return services.pop() if len(services) == 1 and route.rpc[0].split(".")[1] != "ping" else "gateway"


@pytest.mark.parametrize("route", JSON_ROUTES, ids=lambda route: route.key)
def test_the_route_declares_a_schema_of_the_process_that_answers(route):
    assert route.answer is not PERMISSIVE and not isinstance(route.answer, dict), route.key
    answer = route.answer if isinstance(route.answer, type) else type(route.answer)
    assert answer.__module__.split(".")[0] == _owner(route), route.key


@pytest.mark.parametrize("route", JSON_ROUTES, ids=lambda route: route.key)
def test_the_document_shows_a_named_schema_not_a_permissive_object(document, route):
    schema = _success(document, route)["content"]["application/json"]["schema"]
    answer = schema["properties"]["items"]["items"] if route.paged else schema
    assert answer.get("additionalProperties") is not True, route.key
    assert set(answer) == {"$ref"}, route.key


def test_every_field_the_answers_reach_has_a_type(document):
    """A Method or Function field documents as ``{}`` unless it says its type."""
    schemas, untyped, todo = document["components"]["schemas"], [], []
    for route in JSON_ROUTES:
        todo += _referenced(_success(document, route))
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for field, prop in schemas[name].get("properties", {}).items():
            if not {"type", "$ref", "allOf", "anyOf", "oneOf"} & set(prop):
                untyped.append(f"{name}.{field}")
            todo += _referenced(prop)
    assert untyped == []
    assert {"funding.StatementOut", "funding.ArrearsOut", "welfare.FestivalBatchOut"} <= seen

"""The care routes' new filters: visit tasks by the day visited, help cases by the day closed
(the yearly report counts by those days), read from the query string, documented, and 400
for a bad date or a period that ends before it starts."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway import openapi, web
from gateway.routes import ROUTES
from welfare import schemas as ws
from wuji_infra.errors import InvalidInput
from wuji_infra.validation import load

PERIODS = {"GET /api/v1/visit-tasks": ("visited_from", "visited_to", ws.VisitTaskFilters),
           "GET /api/v1/help-cases": ("closed_from", "closed_to", ws.HelpCaseFilters)}


def route(key):
    return next(r for r in ROUTES if r.key == key)


def get(path, query_string):
    return Request(EnvironBuilder(method="GET", path=path, query_string=query_string).get_environ())


@pytest.mark.parametrize("key", PERIODS)
def test_the_period_filters_are_read_from_the_query_string(key):
    start, end, _ = PERIODS[key]
    filters, page, page_size = web.query(get(route(key).path, f"{start}=2026-01-01&{end}=2026-12-31"),
                                         route(key).filters)
    assert (filters, page, page_size) == ({start: "2026-01-01", end: "2026-12-31"}, 1, 20)


@pytest.mark.parametrize("key", PERIODS)
def test_the_period_filters_are_documented_as_dates(key):
    start, end, _ = PERIODS[key]
    operation = openapi.build()["paths"][openapi.openapi_path(route(key).path)]["get"]
    documented = {p["name"]: p["schema"] for p in operation["parameters"] if "name" in p}
    assert documented[start] == documented[end] == {"type": "string", "format": "date"}


@pytest.mark.parametrize("key", PERIODS)
def test_a_period_is_loaded_as_dates_by_the_schema_the_service_checks_with(key):
    start, end, schema = PERIODS[key]
    chosen = load(schema(), {start: "2026-01-01", end: "2026-01-01"})  # one day: from == to
    assert (chosen[start].isoformat(), chosen[end].isoformat()) == ("2026-01-01", "2026-01-01")


@pytest.mark.parametrize("key", PERIODS)
@pytest.mark.parametrize("values, field", [
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
    ({"from": "2026-12-31", "to": "2026-01-01"}, "to"),
])
def test_a_bad_date_or_a_backwards_period_is_400(key, values, field):
    start, end, schema = PERIODS[key]
    names = {"from": start, "to": end}
    with pytest.raises(InvalidInput) as excinfo:
        load(schema(), {names[name]: value for name, value in values.items()})
    assert names[field] in excinfo.value.fields

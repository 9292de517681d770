"""The service's routes, the role table and the id converter agree."""
import pytest
from nameko.containers import ServiceContainer
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from gateway import auth, web
from gateway.routes import PERMISSIONS, console, system
from gateway.service import GatewayService


def routes():
    container = ServiceContainer(GatewayService)
    return {entrypoint.route for entrypoint in container.entrypoints if isinstance(entrypoint, web.ApiEndpoint)}


def test_every_route_is_in_the_role_table_and_nothing_else():
    assert routes() == set(PERMISSIONS)


def test_only_health_and_login_are_public():
    # of the API: its documentation (openapi.json, Swagger UI) and the console's files are public too,
    # declared apart
    documentation = {route.key for route in (*system.DOCUMENTATION, *system.OPERATIONS, *console.ROUTES)}
    public = {route for route, roles in PERMISSIONS.items() if roles is auth.PUBLIC and route not in documentation}
    assert public == {"GET /health", "GET /health/live", "GET /health/ready", "POST /api/v1/auth/token"}


@pytest.mark.parametrize("path, member_id", [("/m/1", 1), ("/m/2147483647", 2147483647), ("/m/007", 7)])
def test_an_id_is_a_positive_32_bit_integer(path, member_id):
    adapter = Map([Rule("/m/<id:member_id>", endpoint="m")], converters={"id": web.IdConverter}).bind("x")
    assert adapter.match(path) == ("m", {"member_id": member_id})


@pytest.mark.parametrize("path", ["/m/0", "/m/-1", "/m/2147483648", "/m/1.5", "/m/abc", "/m/"])
def test_anything_else_is_not_found(path):
    adapter = Map([Rule("/m/<id:member_id>", endpoint="m")], converters={"id": web.IdConverter}).bind("x")
    with pytest.raises(NotFound):
        adapter.match(path)

"""The nameko service of the gateway, made from the route table (routes/).

Each declared route becomes one HTTP entrypoint (routes.table.entrypoint):
around it (web.py) the token and the route's roles are checked before the
worker starts; errors, also those raised by a service, become the JSON error
body (errors.py); each RPC has a deadline (dependencies.ServiceClient).
"""
from gateway.dependencies import AccountsDatabase, ServiceClient, Tokens
from gateway.routes import ROUTES
from gateway.routes.table import entrypoint
from wuji_infra.service import ServiceBase


def build(routes, base=ServiceBase):
    """A service class with one entrypoint per route: nameko finds entrypoints
    among the class's attributes, so they are set before any container is made."""
    attributes = {
        "name": "gateway",
        "__doc__": __doc__,
        "__module__": __name__,
        "db": AccountsDatabase(),
        "tokens": Tokens(),
        "members": ServiceClient("members"),
        "activities": ServiceClient("activities"),
        "welfare": ServiceClient("welfare"),
        "funding": ServiceClient("funding"),
        "notifications": ServiceClient("notifications"),
    }
    for route in routes:
        if route.name in attributes:
            raise ValueError(f"{route.key}: the entrypoint name {route.name} is taken")
        attributes[route.name] = entrypoint(route)
    return type("GatewayService", (base,), attributes)


GatewayService = build(ROUTES)

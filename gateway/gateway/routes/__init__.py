"""Every route of the gateway, in one table joined from one file per resource.

The entrypoints (service.py), the role check (web.ApiEndpoint) and the OpenAPI
document (openapi.py) are all read from ``ROUTES``; nothing repeats a route.
"""
from gateway.routes import (
    accounts, activities, audit, branches, care, console, dictionaries, funding, health_events, members, notifications,
    reports, system,
)
from gateway.routes.table import Route

MODULES = (system, console, dictionaries, accounts, audit, branches, members, health_events, activities, care, funding,
           reports, notifications)
ROUTES = tuple(route for module in MODULES for route in module.ROUTES)
# the document's tag of each route: the file that declares it
TAGS = {route.key: module.__name__.rsplit(".", 1)[1] for module in MODULES for route in module.ROUTES}


def _check(routes):
    seen, names = set(), set()
    for route in routes:
        if route.key in seen:
            raise ValueError(f"{route.key} is declared twice")
        if route.name in names:
            raise ValueError(f"two routes would make the entrypoint {route.name}")
        seen.add(route.key)
        names.add(route.name)


_check(ROUTES)

BY_KEY = {route.key: route for route in ROUTES}
# "METHOD path" -> its roles: a view of the table (a missing route has none: refused to everyone)
PERMISSIONS = {route.key: route.roles for route in ROUTES}

__all__ = ["BY_KEY", "PERMISSIONS", "ROUTES", "TAGS", "Route"]

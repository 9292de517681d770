"""The gateway's entrypoint: web.ApiEndpoint, with the account read on every request
and an entry in the audit log after every answer of an audited route.

    gate.http("GET", "/api/v1/members/<id:member_id>/health-events", roles=STAFF, audited=True)

routes/table.py makes one per declared route.
"""
from gateway import access, audit, web
from gateway.dependencies import SIGNED, AccountsDatabase


class GatewayEndpoint(web.ApiEndpoint):

    def __init__(self, method, url, roles=None, audited=False, **kwargs):
        self.audited = audited
        super().__init__(method, url, roles=roles, **kwargs)

    def accounts(self):
        """The gateway's database, as a worker gets it."""
        [database] = [d for d in self.container.dependencies if isinstance(d, AccountsDatabase)]
        return database.get_dependency(None)

    def current_caller(self, request, caller):
        request.environ[SIGNED] = caller
        request.environ[SIGNED] = current = access.current_caller(self.accounts(), caller)
        return current

    def handle_request(self, request):
        response = super().handle_request(request)
        # recorded: every answer once a genuine token's account was read, so also a 401
        # for a deactivated account and a 403 for a role that may not; not a request
        # without a good token (nobody to name)
        caller = request.environ.get(SIGNED)
        if self.audited and caller is not None:
            audit.record(self.accounts(), request, self.method_name, response.status_code,
                         caller.username, caller.role)
        response.headers["X-Request-Id"] = web.request_id(request)  # the id the audit log knows it by
        return response


http = GatewayEndpoint.decorator

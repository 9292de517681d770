"""/health: every service pinged at once, each with a short deadline."""
import eventlet

from gateway import handlers
from gateway.errors import ServiceUnavailable


class FakeClient:
    def __init__(self, answer=None, error=None, delay=0):
        self.answer, self.error, self.delay = answer or {"status": "ok"}, error, delay
        self.deadlines = []

    def with_deadline(self, seconds):
        self.deadlines.append(seconds)
        return self

    def ping(self):
        eventlet.sleep(self.delay)
        if self.error:
            raise self.error
        return self.answer


def test_all_services_answering_is_ok():
    clients = {name: FakeClient() for name in ("members", "welfare", "funding")}
    assert handlers.health(clients) == {
        "status": "ok", "services": {"members": "ok", "welfare": "ok", "funding": "ok"},
    }
    assert all(client.deadlines == [handlers.HEALTH_DEADLINE_SECONDS] for client in clients.values())


def test_one_service_down_is_degraded_and_named():
    clients = {
        "members": FakeClient(),
        "welfare": FakeClient(error=ServiceUnavailable("no answer")),
        "funding": FakeClient(answer={"status": "broken"}),
    }
    assert handlers.health(clients) == {
        "status": "degraded", "services": {"members": "ok", "welfare": "down", "funding": "down"},
    }


def test_services_are_pinged_in_parallel():
    # three pings of 0.2 s each: in sequence they would take 0.6 s; the
    # assertion is on the overlap, not on a wall-clock limit
    running = []
    peak = []

    class Counting(FakeClient):
        def ping(self):
            running.append(1)
            peak.append(len(running))
            eventlet.sleep(0.2)
            running.pop()
            return {"status": "ok"}

    handlers.health({name: Counting() for name in ("members", "welfare", "funding")})
    assert max(peak) == 3


def test_a_gateway_behind_its_migrations_or_without_a_broker_is_not_ready():
    from gateway.handlers import readiness
    from gateway.models import Base
    from wuji_infra.testing import free_port, in_memory_store

    store = in_memory_store("gateway", Base.metadata)  # made by create_all: no migration recorded
    ready, checks = readiness(store, f"amqp://guest:guest@127.0.0.1:{free_port()}//", timeout=1)
    assert ready is False
    assert checks["database"] == "ok" and checks["migrations"] == "behind"
    assert checks["broker"].startswith("down")

"""A request that reaches a service after its caller's deadline is dropped, not acted on;
one without a context the gateway signed is refused."""
import time

import pytest
from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ServiceRpcClient

from wuji_infra import access
from wuji_infra.errors import Forbidden
from wuji_infra.rpc import DEADLINE_CONTEXT_KEY, deadline_passed, rpc
from wuji_infra.testing import signed_context

pytestmark = pytest.mark.integration

acted = []


class LedgerProbe:
    name = "deadline_probe"

    @rpc
    def book(self, amount):
        acted.append(amount)
        return amount


def test_deadline_passed_reads_the_context():
    assert not deadline_passed({})
    assert not deadline_passed({DEADLINE_CONTEXT_KEY: 100.0}, now=99.0)
    assert deadline_passed({DEADLINE_CONTEXT_KEY: 100.0}, now=100.5)
    assert not deadline_passed({DEADLINE_CONTEXT_KEY: "not a time"})


def test_a_request_within_its_deadline_is_served_and_one_past_it_is_dropped(container_factory, nameko_config, amqp_uri):
    container = container_factory(LedgerProbe, nameko_config)
    container.start()
    with ServiceRpcClient("deadline_probe", uri=amqp_uri, timeout=10,
                          context_data=signed_context(**{DEADLINE_CONTEXT_KEY: time.time() + 30})) as client:
        assert client.book(5) == 5
    with ServiceRpcClient("deadline_probe", uri=amqp_uri, timeout=1,
                          context_data=signed_context(**{DEADLINE_CONTEXT_KEY: time.time() - 1})) as client:
        with pytest.raises(RpcTimeout):
            client.book(7)  # the gateway would have answered 503: nothing may happen
    time.sleep(0.5)
    assert acted == [5]
    with ServiceRpcClient("deadline_probe", uri=amqp_uri, timeout=10, context_data=signed_context()) as client:
        assert client.book(9) == 9  # a caller without a deadline (tools, tests) is served as before
    assert acted == [5, 9]


def test_a_call_without_a_signed_context_is_refused_and_not_acted_on(container_factory, nameko_config, amqp_uri):
    container_factory(LedgerProbe, nameko_config).start()
    forged = access.context("not-the-secret-" + "x" * 32, access.Access("admin", "admin"), time.time() + 30)
    for context in ({}, {access.CONTEXT_KEY: "garbage"}, forged):
        with ServiceRpcClient("deadline_probe", uri=amqp_uri, timeout=10, context_data=context) as client:
            with pytest.raises(Forbidden):
                client.book(11)
    assert 11 not in acted

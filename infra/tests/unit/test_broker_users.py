"""The broker users' permissions against the exact names nameko and Wuji use (no broker)."""
import base64
import hashlib
import json
import re
import uuid

import pytest
from nameko.events import EventHandler
from nameko.rpc import RPC_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TEMPLATE

from wuji_infra import broker_users, config
from wuji_infra.handlers import dead_letter_queue, retry_exchange


def service_classes():
    from activities.service import ActivitiesService
    from funding.service import FundingService
    from gateway.service import GatewayService
    from members.service import MembersService
    from notifications.service import NotificationsService
    from welfare.service import WelfareService
    return {"members": MembersService, "activities": ActivitiesService, "welfare": WelfareService,
            "funding": FundingService, "notifications": NotificationsService, "gateway": GatewayService}


def event_handlers(process):
    """(source, event type, method) of each event handler of the process's service class."""
    found = []
    for name in dir(service_classes()[process]):
        method = getattr(service_classes()[process], name)
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                found.append((entrypoint.source_service, entrypoint.event_type, name))
    return found


def handler_queues(process):
    # nameko's SERVICE_POOL queue name (nameko.events.EventHandler.setup)
    return [f"evt-{source}-{event_type}--{process}.{method}" for source, event_type, method in event_handlers(process)]


def matches(pattern, name):
    assert pattern.startswith("^(") and pattern.endswith(")$"), "RabbitMQ does not anchor a permission"
    return re.search(pattern, name) is not None


def reply_queue(owner):
    return RPC_REPLY_QUEUE_TEMPLATE.format(owner, uuid.uuid4())


@pytest.mark.parametrize("process", config.PROCESSES)
def test_the_sources_are_those_of_the_event_handlers(process):
    assert set(broker_users.SOURCES[process]) == {source for source, _, _ in event_handlers(process)}


@pytest.mark.parametrize("process", config.SERVICES)
def test_a_service_may_do_what_it_does(process):
    configure, write, read = broker_users.permissions(process)
    queues = [RPC_QUEUE_TEMPLATE.format(process), reply_queue("standalone_rpc_client"),
              dead_letter_queue(process).name, *handler_queues(process)]
    for queue in queues:
        assert matches(configure, queue) and matches(write, queue) and matches(read, queue), queue
    for exchange in ("nameko-rpc", f"{process}.events", retry_exchange(process).name):
        assert matches(configure, exchange) and matches(write, exchange), exchange
    for source in broker_users.SOURCES[process]:
        assert matches(configure, f"{source}.events") and matches(read, f"{source}.events")
    assert matches(read, "nameko-rpc") and matches(read, retry_exchange(process).name)


@pytest.mark.parametrize("process", config.PROCESSES)
def test_only_the_owner_writes_an_event_exchange_and_nobody_the_default_one(process):
    _, write, _ = broker_users.permissions(process)
    for source in config.PROCESSES:
        assert matches(write, f"{source}.events") == (source == process != "gateway")
    assert not matches(write, "amq.default")  # the default exchange: every queue by its name
    assert not matches(write, "")


@pytest.mark.parametrize("process", config.PROCESSES)
def test_no_process_touches_another_ones_queues_or_retry_exchange(process):
    configure, write, read = broker_users.permissions(process)
    for other in config.PROCESSES:
        if other == process:
            continue
        names = [RPC_QUEUE_TEMPLATE.format(other), reply_queue(other), dead_letter_queue(other).name,
                 retry_exchange(other).name, *handler_queues(other)]
        for name in names:
            assert not (matches(configure, name) or matches(write, name) or matches(read, name)), (process, name)


@pytest.mark.parametrize("process", config.PROCESSES)
def test_a_process_reads_only_the_events_it_handles(process):
    _, _, read = broker_users.permissions(process)
    for source in config.PROCESSES:
        assert matches(read, f"{source}.events") == (source in broker_users.SOURCES[process])


def test_the_gateway_may_call_reply_and_have_its_reply_queues():
    configure, write, read = broker_users.permissions("gateway")
    for name in ("nameko-rpc", "rpc-gateway", reply_queue("gateway")):
        assert matches(configure, name) and matches(write, name) and matches(read, name)
    assert not matches(read, reply_queue("standalone_rpc_client"))
    topic_write, topic_read = broker_users.rpc_topic_permissions("gateway")
    for service in config.SERVICES:
        assert matches(topic_write, f"{service}.get_member")
    assert matches(topic_write, str(uuid.uuid4()))
    assert matches(topic_read, "gateway.*") and matches(topic_read, str(uuid.uuid4()))
    assert not matches(topic_read, "members.*") and not matches(topic_read, "#")


@pytest.mark.parametrize("process", config.SERVICES)
def test_a_service_only_replies_and_pings_itself(process):
    topic_write, topic_read = broker_users.rpc_topic_permissions(process)
    assert matches(topic_write, str(uuid.uuid4())) and matches(topic_write, f"{process}.ping")
    for other in config.PROCESSES:
        assert not matches(topic_write, f"{other}.get_member")
        assert matches(topic_read, f"{other}.*") == (other == process)
    assert not matches(topic_read, "#") and not matches(topic_read, "*.*")


def test_the_password_hash_is_rabbitmqs_sha256():
    salt = bytes.fromhex("908dc60a")
    digest = hashlib.sha256(salt + b"test12").digest()
    assert broker_users.password_hash("test12", salt) == base64.b64encode(salt + digest).decode()


def test_passwords_are_generated_once_and_kept_private(tmp_path):
    first = broker_users.password(str(tmp_path), "welfare")
    assert broker_users.password(str(tmp_path), "welfare") == first
    assert not first.startswith("-") and len(first) >= 32
    path = tmp_path / "welfare" / "password"
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_definitions_hold_every_user_with_its_permissions(tmp_path):
    passwords = {process: f"pw-{process}" for process in config.PROCESSES}
    document = broker_users.definitions("/", passwords)
    assert [u["name"] for u in document["users"]] == [f"wuji-{p}" for p in config.PROCESSES]
    assert all(u["tags"] == [] for u in document["users"])  # none may use the management API
    assert document["vhosts"] == [{"name": "/"}]
    granted = {p["user"]: (p["configure"], p["write"], p["read"]) for p in document["permissions"]}
    assert granted["wuji-funding"] == broker_users.permissions("funding")
    assert {t["exchange"] for t in document["topic_permissions"]} == {"nameko-rpc"}
    path = tmp_path / "definitions.json"
    broker_users.write_definitions(str(path), document)
    assert json.loads(path.read_text()) == document
    assert "pw-" not in path.read_text()


def test_the_uri_of_a_process():
    assert broker_users.uri("welfare", "abc", "rabbitmq:5672") == "amqp://wuji-welfare:abc@rabbitmq:5672/"
    assert broker_users.uri("welfare", "abc", vhost="wuji") == "amqp://wuji-welfare:abc@localhost:5672/wuji"


def test_a_process_uses_its_own_uri_else_the_shared_one(monkeypatch, tmp_path):
    monkeypatch.delenv("AMQP_PASSWORD_FILE", raising=False)
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@broker:5672/")
    monkeypatch.setenv("WELFARE_AMQP_URI", "amqp://wuji-welfare:secret@broker:5672/")
    monkeypatch.delenv("FUNDING_AMQP_URI", raising=False)
    assert config.amqp_uri("welfare") == "amqp://wuji-welfare:secret@broker:5672/"
    assert config.amqp_uri("funding") == "amqp://guest:guest@broker:5672/"
    assert config.amqp_uri() == "amqp://guest:guest@broker:5672/"
    (tmp_path / "password").write_text("from/file\n")
    monkeypatch.setenv("AMQP_PASSWORD_FILE", str(tmp_path / "password"))
    monkeypatch.setenv("WELFARE_AMQP_URI", "amqp://wuji-welfare@rabbitmq:5672/")
    assert config.amqp_uri("welfare") == "amqp://wuji-welfare:from%2Ffile@rabbitmq:5672/"


def test_each_process_has_its_own_uri_setting():
    for process in config.PROCESSES:
        assert config.SETTINGS[f"{process.upper()}_AMQP_URI"][1] == (process,)


def test_the_password_file_goes_into_every_uri_of_a_failover_list(monkeypatch, tmp_path):
    (tmp_path / "password").write_text("s3cret\n")
    monkeypatch.setenv("AMQP_PASSWORD_FILE", str(tmp_path / "password"))
    monkeypatch.setenv("WELFARE_AMQP_URI", "amqp://wuji-welfare@mq1:5672/; amqp://wuji-welfare@mq2:5672/;"
                                           "amqp://wuji-welfare@mq3:5672/")
    assert config.amqp_uri("welfare").split(";") == [
        f"amqp://wuji-welfare:s3cret@mq{n}:5672/" for n in (1, 2, 3)]

"""Log lines as JSON with the request that caused them; the request id travels in events."""
import json
import logging
from types import SimpleNamespace

from wuji_infra import events, logs


def record(message):
    return logging.LogRecord("welfare.handlers", logging.INFO, __file__, 1, message, (), None)


def test_a_line_is_one_json_object_with_the_request_id():
    logs.use_request_id("key-1")
    line = json.loads(logs.JsonFormatter("welfare").format(record("visit task 3 made")))
    logs.use_request_id(None)
    assert {k: line[k] for k in ("level", "process", "logger", "request_id", "message")} == {
        "level": "INFO", "process": "welfare", "logger": "welfare.handlers", "request_id": "key-1",
        "message": "visit task 3 made"}
    assert line["time"].endswith("+00:00")


def test_an_event_carries_the_request_that_caused_it_and_only_then():
    with_id = events.new_event("help_case_closed", {"case_id": 1, "member_id": 2}, source="welfare", request_id="k-9")
    message = events.to_message(with_id)
    assert message["request_id"] == "k-9" and events.from_message(message).request_id == "k-9"
    without = events.to_message(events.new_event("help_case_closed", {"case_id": 1, "member_id": 2}, source="welfare"))
    assert "request_id" not in without and events.from_message(without).request_id is None


def test_a_worker_takes_the_request_id_from_its_call_or_from_its_event():
    provider = logs.RequestLog()
    provider.worker_setup(SimpleNamespace(context_data={logs.CONTEXT_KEY: "from-rpc"}, args=()))
    assert logs.request_id() == "from-rpc"
    event = events.new_event("help_case_closed", {"case_id": 1, "member_id": 2}, source="welfare", request_id="from-event")
    provider.worker_setup(SimpleNamespace(context_data={}, args=(event,)))
    assert logs.request_id() == "from-event"
    provider.worker_teardown(None)
    assert logs.request_id() is None


def test_the_process_is_named_by_the_service_nameko_runs():
    assert logs.process_name(["nameko", "run", "--config", "x.yaml", "welfare.service:WelfareService"]) == "welfare"
    assert logs.process_name(["python"]) == "wuji"

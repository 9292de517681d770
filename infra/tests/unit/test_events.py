import datetime as dt

import pytest

from wuji_infra import events


def hospitalized(**overrides):
    data = dict(member_id=7, health_event_id=3, date=dt.date(2026, 11, 20), branch_id=1,
                birth_date=dt.date(1941, 5, 2), hardship=False, lives_alone=True, hospital="市第一人民医院")
    data.update(overrides)
    return events.new_event("member_hospitalized", data, source="members")


def test_an_event_survives_the_round_trip_through_its_message():
    event = hospitalized()
    again = events.from_message(events.to_message(event))
    assert again == event
    assert again.data["date"] == dt.date(2026, 11, 20)


def test_the_envelope_has_exactly_the_contract_fields():
    message = events.to_message(hospitalized())
    assert set(message) == {"event_id", "event_type", "source", "occurred_at", "version", "data"}
    assert message["version"] == 1
    assert message["occurred_at"].endswith("+00:00")


@pytest.mark.parametrize("change, reason", [
    (lambda m: m.update(version=2), "version"),
    (lambda m: m.pop("event_id"), "event_id"),
    (lambda m: m.update(event_id="not-a-uuid"), "event_id"),
    (lambda m: m.update(occurred_at="2026-11-20T10:00:00"), "occurred_at"),  # no zone
    (lambda m: m.update(event_type="member_exploded"), "event_type"),
    (lambda m: m.update(source="welfare"), "must come from members"),
    (lambda m: m["data"].pop("hospital"), "hospital"),
    (lambda m: m["data"].update(date="2026-13-01"), "date"),
])
def test_a_message_that_breaks_the_contract_is_refused_with_its_reason(change, reason):
    message = events.to_message(hospitalized())
    change(message)
    with pytest.raises(events.InvalidEvent, match=reason):
        events.from_message(message)


def test_a_field_the_reader_does_not_know_is_dropped_at_both_levels():
    """The tolerant reader: a producer may add an optional field without breaking any consumer."""
    event = hospitalized()
    message = events.to_message(event)
    message["trace_id"] = "abc"
    message["data"]["ward"] = "added by a newer producer"
    assert events.from_message(message) == event


def test_a_hospitalization_with_exactly_the_contracts_fields_is_read():
    """CONTRACT: member_hospitalized holds at least member_id, date, hospital and birth_date,
    hardship, lives_alone, branch_id; nothing more is required."""
    message = events.to_message(hospitalized())
    message["data"] = {"member_id": 7, "date": "2026-11-20", "hospital": "市第一人民医院", "birth_date": "1941-05-02",
                       "hardship": False, "lives_alone": True, "branch_id": 1}
    read = events.from_message(message, expected_type="member_hospitalized")
    assert read.data["health_event_id"] is None and read.data["hospital"] == "市第一人民医院"


def test_the_producer_stays_strict():
    with pytest.raises(ValueError, match="diagnosis"):
        hospitalized(diagnosis="never in an event")


def test_a_handler_refuses_an_event_of_another_type():
    with pytest.raises(events.InvalidEvent, match="expected member_discharged"):
        events.from_message(events.to_message(hospitalized()), expected_type="member_discharged")


def test_a_service_cannot_emit_another_services_event():
    with pytest.raises(ValueError, match="owned by members"):
        events.new_event("member_hospitalized", {}, source="welfare")


def test_emitting_bad_data_fails_at_the_emitter():
    with pytest.raises(ValueError, match="member_hospitalized data is invalid"):
        events.new_event("member_hospitalized", {"member_id": 1}, source="members")


def test_every_event_type_in_the_contract_has_a_schema():
    contract = {
        "members": ["member_registered", "member_updated", "member_hospitalized", "member_discharged",
                    "member_seriously_ill", "member_deceased", "member_transferred"],
        "welfare": ["visit_task_created", "visit_completed", "help_case_closed"],
        "funding": ["subsidy_checked", "expense_booked", "expense_refused"],
        "activities": ["study_session_recorded", "activity_recorded", "bulletin_published", "contact_logged"],
    }
    for owner, types in contract.items():
        for event_type in types:
            assert events.EVENT_TYPES[event_type][0] == owner


def test_a_described_type_is_read_and_written_and_an_unknown_one_refused(monkeypatch):
    from marshmallow import Schema, fields

    class Numbered(Schema):
        n = fields.Integer(required=True)

    monkeypatch.setattr(events, "EVENT_TYPES", dict(events.EVENT_TYPES))
    monkeypatch.setattr(events, "_SCHEMAS", dict(events._SCHEMAS))
    events.describe("bench_ping", "bench_source", Numbered)
    message = events.to_message(events.new_event("bench_ping", {"n": 7}))
    assert events.from_message(message).data == {"n": 7}
    message["event_type"] = "bench_pang"
    with pytest.raises(events.InvalidEvent, match="unknown event type 'bench_pang'"):
        events.from_message(message)

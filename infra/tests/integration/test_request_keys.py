"""Concurrent duplicates of one request key, on the real broker and PostgreSQL: one effect."""
import eventlet
import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcClient

from wuji_infra.testing import signed_context

from wuji_infra import idempotency
from wuji_infra.db import Database
from wuji_infra.errors import EXPECTED, Conflict
from wuji_infra.rpc import rpc

pytestmark = pytest.mark.integration

notes = sa.Table("probe_notes", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("text", sa.Text, nullable=False))


class NoteProbe:
    name = "funding"  # its database: FUNDING_DATABASE_URL, migrated by service_db
    db = Database(publishes=False)

    @rpc(expected_exceptions=EXPECTED)
    def add_note(self, text):
        with self.db.transaction() as tx:
            note_id = tx.session.execute(notes.insert().values(text=text).returning(notes.c.id)).scalar_one()
            eventlet.sleep(0.5)  # the duplicates arrive while this one is at work
        return {"id": note_id, "text": text}


@pytest.fixture
def probe(container_factory, nameko_config, service_db):
    engine = sa.create_engine(service_db("funding"))
    notes.metadata.create_all(engine)
    container = container_factory(NoteProbe, nameko_config)
    container.start()
    yield engine
    engine.dispose()


def call(amqp_uri, text, key=idempotency.ClientKey("admin", "note-1")):
    context = key.context("funding.add_note", [text], {})
    with ServiceRpcClient("funding", uri=amqp_uri, timeout=20, context_data=signed_context(**context)) as client:
        try:
            return client.add_note(text)
        except Conflict as conflict:
            return conflict


def count(engine):
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(notes))


def test_concurrent_duplicates_of_one_key_make_one_effect(probe, amqp_uri):
    answers = [thread.wait() for thread in [eventlet.spawn(call, amqp_uri, "慰问品") for _ in range(4)]]
    assert count(probe) == 1
    done = [answer for answer in answers if not isinstance(answer, Conflict)]
    assert done and all(answer == done[0] for answer in done)
    assert all(idempotency.UNANSWERED in str(a) for a in answers if isinstance(a, Conflict))

    assert call(amqp_uri, "慰问品") == done[0]  # a retry later gets the first answer
    assert "reused with another request" in str(call(amqp_uri, "另一件"))
    assert call(amqp_uri, "另一件", key=idempotency.ClientKey("admin", "note-2"))["text"] == "另一件"
    assert count(probe) == 2


def test_a_call_without_a_request_key_is_served_as_before(probe, amqp_uri):
    with ServiceRpcClient("funding", uri=amqp_uri, timeout=20, context_data=signed_context()) as client:
        assert client.add_note("a")["text"] == "a" and client.add_note("a")["text"] == "a"
    assert count(probe) == 2

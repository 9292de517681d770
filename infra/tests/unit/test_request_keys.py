"""Every write once per request key: the claim, the stored answer, another body, a failed body."""
import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from wuji_infra import idempotency
from wuji_infra.errors import Conflict, InvalidInput
from wuji_infra.tables import request_keys
from wuji_infra.testing import in_memory_store

metadata = sa.MetaData()
notes = sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))

KEY = idempotency.ClientKey("admin", "key-1")


@pytest.fixture
def base():
    return in_memory_store("funding", metadata)


def request(store, body, key=KEY, method="funding.add_note"):
    """The store of one worker doing ``body`` under ``key``, as the RPC entrypoint sees it."""
    return store.for_request(key.request(method, [body], {"actor": "admin"}))


def add_note(store, body, fail=False):
    """An RPC method: one transaction, an answer; Store.once is what the entrypoint does around it."""
    def run():
        with store.transaction() as tx:
            tx.session.execute(notes.insert().values(text=body["text"]))
            if fail:
                raise InvalidInput("refused")
            count = tx.session.scalar(sa.select(sa.func.count()).select_from(notes))
        return {"notes": count, "amount": decimal.Decimal("1.50"), "on": dt.date(2024, 3, 1)}
    return store.once(run)


def rows(store, table):
    with store.read() as session:
        return session.execute(sa.select(table)).all()


def test_the_first_request_claims_its_key_with_its_effect_and_keeps_its_answer(base):
    answer = add_note(request(base, {"text": "a"}), {"text": "a"})
    assert answer["notes"] == 1
    [row] = rows(base, request_keys)
    assert row.key == KEY.key and len(row.key) == 64 and "key-1" not in row.key
    assert row.fingerprint == KEY.request("funding.add_note", [{"text": "a"}], {"actor": "admin"}).fingerprint
    assert row.answer is not None and row.created_at.tzinfo is not None


def test_the_same_key_and_body_answer_the_first_result_without_a_second_effect(base):
    first = add_note(request(base, {"text": "a"}), {"text": "a"})
    again = add_note(request(base, {"text": "a"}), {"text": "a"})
    assert again == first  # decimals and dates come back as they went
    assert isinstance(again["amount"], decimal.Decimal) and again["on"] == dt.date(2024, 3, 1)
    assert len(rows(base, notes)) == 1


def test_the_same_key_with_another_body_is_a_conflict(base):
    add_note(request(base, {"text": "a"}), {"text": "a"})
    with pytest.raises(Conflict, match="reused with another request"):
        add_note(request(base, {"text": "b"}), {"text": "b"})
    assert len(rows(base, notes)) == 1


def test_another_account_with_the_same_client_key_is_another_request(base):
    add_note(request(base, {"text": "a"}), {"text": "a"})
    add_note(request(base, {"text": "a"}, key=idempotency.ClientKey("clerk", "key-1")), {"text": "a"})
    assert len(rows(base, notes)) == 2 and len(rows(base, request_keys)) == 2


def test_a_failed_body_leaves_no_claim_and_the_same_key_then_runs(base):
    with pytest.raises(InvalidInput):
        add_note(request(base, {"text": "a"}), {"text": "a"}, fail=True)
    assert rows(base, request_keys) == [] and rows(base, notes) == []
    assert add_note(request(base, {"text": "a"}), {"text": "a"})["notes"] == 1


def test_a_claim_without_an_answer_is_a_conflict_not_a_second_effect(base):
    claimed = request(base, {"text": "a"})
    with claimed.transaction() as tx:  # committed, and the process died before storing the answer
        tx.session.execute(notes.insert().values(text="a"))
    with pytest.raises(Conflict, match="in progress or its result is unknown"):
        add_note(request(base, {"text": "a"}), {"text": "a"})
    assert len(rows(base, notes)) == 1


def test_a_method_with_its_own_request_id_runs_again_on_a_claim_without_an_answer(base):
    rerun = idempotency.Request(KEY.key, "f" * 64, rerun_unanswered=True)
    with base.for_request(rerun).transaction():
        pass
    with base.for_request(rerun).transaction() as tx:  # no Conflict: its own row answers it
        tx.session.execute(notes.insert().values(text="a"))
    assert len(rows(base, notes)) == 1


def test_only_the_first_transaction_of_a_worker_claims(base):
    store = request(base, {"text": "a"})
    with store.transaction():
        pass
    with store.transaction() as tx:
        tx.session.execute(notes.insert().values(text="second"))
    assert len(rows(base, request_keys)) == 1 and len(rows(base, notes)) == 1


def test_a_store_without_a_request_claims_nothing(base):
    add_note(base, {"text": "a"})
    add_note(base, {"text": "a"})
    assert rows(base, request_keys) == [] and len(rows(base, notes)) == 2


def test_the_context_of_a_call_carries_the_key_and_the_fingerprint():
    context = KEY.context("funding.book_expense", [{"amount": "1"}], {"actor": "admin"})
    assert context[idempotency.REQUEST_KEY_CONTEXT_KEY] == KEY.key
    other = KEY.context("funding.book_expense", [{"amount": "2"}], {"actor": "admin"})
    assert other[idempotency.FINGERPRINT_CONTEXT_KEY] != context[idempotency.FINGERPRINT_CONTEXT_KEY]
    assert KEY.context("funding.add_budget", [{"amount": "1"}], {"actor": "admin"}) != context


def test_prune_forgets_keys_older_than_seven_days(base):
    now = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
    with base.transaction() as tx:
        for key, age in (("old", 8), ("recent", 6)):
            tx.session.execute(request_keys.insert().values(
                key=key, fingerprint="f", answer=None, created_at=now - dt.timedelta(days=age)))
    assert idempotency.prune(base, now=now) == 1
    assert [row.key for row in rows(base, request_keys)] == ["recent"]

"""Every write exactly once, even after a 503: funding paused (SIGSTOP) while it books, the
gateway answers 503, funding resumes, and the retry with the same Idempotency-Key books nothing
more; the same key with another body is 409."""
import datetime as dt
import signal
import threading
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.e2e

YEAR = dt.date.today().year
SOURCES = ("special_fund", "dues_rebate", "public_fund", "unit_subsidy")


def spent(api):
    balances = api.get("/funding/balances", params={"year": YEAR})
    assert balances.status_code == 200, balances.text
    return sum(Decimal(source["spent"]) for source in balances.json()["sources"].values())


def budgets(api, note):
    listed = api.get("/funding/budgets", params={"year": YEAR, "page_size": 100}).json()["items"]
    return [budget for budget in listed if budget["description"] == note]


@pytest.fixture
def funded(api):
    for source in SOURCES:
        response = api.post("/funding/budgets", {"year": YEAR, "source": source, "amount": "10000.00"})
        assert response.status_code == 201, response.text


@pytest.fixture
def paused(system):
    """``pause()`` stops funding with SIGSTOP; it goes on (SIGCONT) at ``resume()`` or the end."""
    funding = system.processes["funding"]
    state = {"stopped": False}

    class Pause:
        def pause(self):
            funding.send_signal(signal.SIGSTOP)
            state["stopped"] = True

        def resume(self):
            funding.send_signal(signal.SIGCONT)
            state["stopped"] = False

    yield Pause()
    if state["stopped"]:
        funding.send_signal(signal.SIGCONT)


def test_an_expense_booked_after_its_503_is_booked_once_by_the_retry(system, api, funded, paused, wait_for):
    engine = sa.create_engine(system.env["FUNDING_DATABASE_URL"], poolclass=sa.pool.NullPool)
    key = {"Idempotency-Key": f"expense-{uuid.uuid4()}"}
    expense = {"year": YEAR, "category": "activities", "amount": "300.00", "description": "重阳节活动"}
    before = spent(api)
    answers = []
    with engine.connect() as blocker:
        # funding takes the request in time and is then held at its insert: it has started
        blocker.execute(sa.text("LOCK TABLE expenses IN EXCLUSIVE MODE"))
        sender = threading.Thread(target=lambda: answers.append(api.post("/funding/expenses", expense, headers=key)))
        sender.start()
        wait_for(lambda: blocker.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO expenses%'")).scalar(), seconds=10)
        paused.pause()
        blocker.rollback()  # the lock is gone; funding is stopped before it can commit
    sender.join(timeout=30)
    engine.dispose()
    assert answers[0].status_code == 503, answers[0].text

    paused.resume()
    assert wait_for(lambda: spent(api), lambda total: total == before + 300, seconds=20) == before + 300

    retried = api.post("/funding/expenses", expense, headers=key)
    assert retried.status_code == 201, retried.text
    assert retried.json()["amount"] == "300.00"
    assert spent(api) == before + 300  # one expense, not two
    again = api.post("/funding/expenses", expense, headers=key)
    assert again.status_code == 201 and again.json() == retried.json()

    other = api.post("/funding/expenses", dict(expense, amount="301.00"), headers=key)
    assert other.status_code == 409 and other.json()["error"] == "conflict", other.text
    assert "Idempotency-Key" in other.json()["message"]
    assert spent(api) == before + 300


def test_a_budget_sent_while_funding_is_stopped_is_503_then_added_once_by_the_retry(system, api, paused):
    key = {"Idempotency-Key": f"budget-{uuid.uuid4()}"}
    note = f"追加预算 {uuid.uuid4().hex[:6]}"
    budget = {"year": YEAR, "source": "public_fund", "amount": "500.00", "note": note}
    paused.pause()
    unavailable = api.post("/funding/budgets", budget, headers=key)
    assert unavailable.status_code == 503 and unavailable.json()["error"] == "service_unavailable"
    paused.resume()
    system.wait_healthy()

    retried = api.post("/funding/budgets", budget, headers=key)
    assert retried.status_code == 201, retried.text
    assert api.post("/funding/budgets", budget, headers=key).json() == retried.json()
    assert [b["id"] for b in budgets(api, note)] == [retried.json()["id"]]

    other = api.post("/funding/budgets", dict(budget, amount="600.00"), headers=key)
    assert other.status_code == 409 and other.json()["error"] == "conflict", other.text
    assert len(budgets(api, note)) == 1

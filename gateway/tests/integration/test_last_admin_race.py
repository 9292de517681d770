"""The last-admin rule under concurrency, on the real PostgreSQL.

Two admins each taking the other away at the same moment must leave one
active admin: the second transaction waits for the first's row locks and then
counts without it.
"""
import eventlet
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from gateway import handlers
from gateway.models import Account
from wuji_infra.db import make_engine
from wuji_infra.errors import Conflict

pytestmark = pytest.mark.integration


@pytest.fixture
def sessions(service_db):
    engine = make_engine(service_db("gateway"))  # psycopg2 made cooperative: a waiting session yields
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_two_admins_taken_away_at_once_leave_one(sessions):
    with sessions() as session:
        handlers.ensure_admin(session, "first", "first-admin-pw")
        handlers.create_account(session, {"username": "second", "password": "second-admin-pw", "role": "admin"},
                                "first")
        session.commit()
        ids = dict(session.execute(sa.select(Account.username, Account.id)).all())

    first = sessions()
    handlers.update_account(first, ids["second"], {"active": False}, "first")  # not committed yet

    def take_away_first():
        with sessions() as session:
            try:
                handlers.update_account(session, ids["first"], {"role": "staff"}, "second")
            except Conflict:
                return "refused"
            session.commit()
            return "done"

    second = eventlet.spawn(take_away_first)
    eventlet.sleep(0.5)
    assert not second.dead  # waiting for the first transaction's locks
    first.commit()
    first.close()
    assert second.wait() == "refused"

    with sessions() as session:
        admins = session.scalars(sa.select(Account.username).where(Account.role == "admin", Account.active)).all()
    assert admins == ["first"]

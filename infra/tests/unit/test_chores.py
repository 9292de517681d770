"""The chores every service does one way: the clock, get-or-404, ids, the claimed
event handler and the copy of member facts."""
import datetime as dt

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuji_infra import events
from wuji_infra.clock import Clock, FixedClock
from wuji_infra.db import Database, get_or_404
from wuji_infra.errors import NotFound
from wuji_infra.handlers import event_handler
from wuji_infra.member_facts import MemberFactsColumns, apply_facts, apply_status, apply_withdrawal, is_withdrawn
from wuji_infra.service import ServiceBase
from wuji_infra.testing import in_memory_store
from wuji_infra.validation import MAX_ID, as_id

UTC = dt.timezone.utc


class Base(DeclarativeBase):
    pass


class Fact(MemberFactsColumns, Base):
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    registered_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class Handled(Base):
    __tablename__ = "handled"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))


@pytest.fixture
def store():
    return in_memory_store("probe", Base.metadata)


def at(day, hour=12):
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def facts(**changes):
    return dict(dict(member_id=1, branch_id=1, name="王五", status="active", birth_date=dt.date(1938, 3, 8)), **changes)


def event_facts(**changes):
    return facts(hardship=False, lives_alone=False, children_away=False, mobility_limited=False,
                 org_relation="unit", **changes)


# -- the clock -----------------------------------------------------------------

def test_the_real_clock_tells_the_local_day_and_an_aware_utc_moment():
    clock = Clock()
    assert clock.today() == dt.date.today()
    assert clock.now().tzinfo is UTC


def test_a_fixed_clock_stands_still_at_noon_of_its_day():
    clock = FixedClock(dt.date(2026, 3, 1))
    assert clock.today() == dt.date(2026, 3, 1)
    assert clock.now().astimezone().date() == dt.date(2026, 3, 1)
    assert FixedClock(dt.date(2026, 3, 1), now=at(5)).now() == at(5)


# -- ids and get-or-404 ----------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (1, 1), ("42", 42), (MAX_ID, MAX_ID), (MAX_ID + 1, None), (0, None), (-3, None),
    ("abc", None), ("1.5", None), (True, None), ("99999999999999999999", None),
])
def test_as_id_takes_only_what_an_integer_key_can_hold(raw, expected):
    assert as_id(raw) == expected


def test_get_or_404_finds_the_row_or_names_what_is_missing(store):
    with store.transaction() as tx:
        tx.session.add(Handled(id=7, event_id="e"))
    with store.read() as session:
        assert get_or_404(session, Handled, "7", ("记录", "record")).event_id == "e"
        for key in (8, "x", MAX_ID + 1):
            with pytest.raises(NotFound) as raised:
                get_or_404(session, Handled, key, ("记录", "record"))
            assert raised.value.message == f"记录 {key} 不存在 (no such record)"


# -- the claimed event handler ---------------------------------------------------

class ProbeService(ServiceBase):
    name = "probe"

    @event_handler("members", "member_registered")
    def on_member_registered(self, tx, event):
        tx.session.add(Handled(event_id=event.event_id))
        if event.data["name"] == "坏":
            raise RuntimeError("the effect failed")


def test_the_handler_runs_once_per_event_in_a_transaction_it_claimed(store):
    service = worker_factory(ProbeService, db=store)
    event = events.new_event("member_registered", event_facts(), source="members")
    service.on_member_registered(event)
    service.on_member_registered(event)  # redelivered
    with store.read() as session:
        assert session.scalars(sa.select(Handled.event_id)).all() == [event.event_id]
        assert session.execute(sa.text("SELECT handler FROM inbox")).scalars().all() == ["probe.on_member_registered"]


def test_a_failed_handler_leaves_no_claim_so_the_retry_acts(store):
    service = worker_factory(ProbeService, db=store)
    event = events.new_event("member_registered", event_facts(name="坏"), source="members")
    with pytest.raises(RuntimeError):
        service.on_member_registered(event)
    with store.read() as session:
        assert session.execute(sa.text("SELECT count(*) FROM inbox")).scalar() == 0
        assert session.scalar(sa.select(sa.func.count(Handled.id))) == 0


def test_the_service_base_gives_every_service_a_database_and_a_clock():
    assert isinstance(ProbeService.db, Database)
    assert worker_factory(ProbeService).clock is not None


# -- the copy of member facts ----------------------------------------------------

def stored(store):
    with store.read() as session:
        fact = session.get(Fact, 1)
        return fact and Fact(**{c.key: getattr(fact, c.key) for c in Fact.__table__.columns})


def apply(store, occurred_at, registered=False, **changes):
    with store.transaction() as tx:
        return apply_facts(tx.session, Fact, facts(**changes), occurred_at, ("birth_date",), registered) is not None


def test_a_newer_event_replaces_the_facts_and_an_older_or_equal_one_changes_nothing(store):
    assert apply(store, at(2), name="王五")
    assert apply(store, at(3), name="王伍")
    assert not apply(store, at(1), name="旧名")
    assert not apply(store, at(3), name="同时")
    fact = stored(store)
    assert (fact.name, fact.as_of, fact.birth_date) == ("王伍", at(3), dt.date(1938, 3, 8))


def test_death_is_final(store):
    apply(store, at(2))
    with store.transaction() as tx:
        assert apply_status(tx.session, Fact, 1, "deceased", at(1)) is not None  # a death applies when it arrives
    assert apply(store, at(5), status="active", name="新名")
    with store.transaction() as tx:
        assert apply_status(tx.session, Fact, 1, "transferred_out", at(9)) is None
    fact = stored(store)
    assert (fact.status, fact.name) == ("deceased", "新名")


def test_a_status_applies_only_when_newer_and_an_unknown_member_is_skipped(store):
    with store.transaction() as tx:
        assert apply_status(tx.session, Fact, 1, "transferred_out", at(2)) is None
    apply(store, at(3))
    with store.transaction() as tx:
        assert apply_status(tx.session, Fact, 1, "transferred_out", at(2)) is None
        assert apply_status(tx.session, Fact, 1, "transferred_out", at(4)) is not None
    assert stored(store).status == "transferred_out"


def test_a_withdrawal_is_final_over_any_later_event_and_over_a_death(store):
    with store.transaction() as tx:
        assert apply_withdrawal(tx.session, Fact, 1, at(2)) is None  # unknown: its member_updated brings it
    apply(store, at(3))
    with store.transaction() as tx:
        assert apply_status(tx.session, Fact, 1, "deceased", at(4)) is not None
        assert apply_withdrawal(tx.session, Fact, 1, at(1)) is not None  # whenever it arrives, over a death
    assert apply(store, at(6), status="active", name="新名")  # a late or replayed update: facts, not the status
    with store.transaction() as tx:
        assert apply_status(tx.session, Fact, 1, "deceased", at(9)) is None
        assert is_withdrawn(tx.session, Fact, 1) and not is_withdrawn(tx.session, Fact, 2)
    fact = stored(store)
    assert (fact.status, fact.name, fact.as_of) == ("withdrawn", "新名", at(6))


def test_facts_that_say_withdrawn_withdraw_a_member_known_dead_or_not_yet_known(store):
    apply(store, at(3), status="withdrawn")                 # the update sent with the withdrawal came first
    assert not apply(store, at(2), registered=True)         # the registration, older, changes nothing
    assert stored(store).status == "withdrawn"
    with store.transaction() as tx:
        tx.session.delete(tx.session.get(Fact, 1))
    apply(store, at(3))
    with store.transaction() as tx:
        apply_status(tx.session, Fact, 1, "deceased", at(4))
    apply(store, at(5), status="withdrawn")
    assert stored(store).status == "withdrawn"


def test_registered_on_is_the_first_day_heard_or_the_registration_day_when_it_comes_late(store):
    apply(store, at(5))                   # an update overtook the registration
    apply(store, at(3), registered=True)  # the registration, older: facts kept, its day counts
    assert stored(store).registered_on == dt.date(2026, 3, 3)
    apply(store, at(9), registered=True)
    assert stored(store).registered_on == dt.date(2026, 3, 3)


def test_where_chosen_filters_by_equal_columns_and_an_inclusive_period(store):
    from wuji_infra.db import where_chosen
    with store.transaction() as tx:
        tx.session.add_all([Handled(id=n, event_id=f"e{n % 2}") for n in range(1, 7)])
    with store.read() as session:
        def ids(chosen, **kwargs):
            query = where_chosen(sa.select(Handled.id).order_by(Handled.id), Handled, chosen, **kwargs)
            return session.scalars(query).all()
        assert ids({"event_id": "e1"}, equal=("event_id",)) == [1, 3, 5]
        assert ids({}, equal=("event_id",)) == [1, 2, 3, 4, 5, 6]
        assert ids({"a": 2, "b": 4}, period=(Handled.id, "a", "b")) == [2, 3, 4]
        assert ids({"event_id": "e0", "a": 3}, equal=("event_id",), period=(Handled.id, "a", "b")) == [4, 6]


def test_counts_from_sets_the_day_the_member_counts_from_and_a_newer_update_corrects_it(store):
    apply(store, at(5), registered=True, counts_from=dt.date(2019, 7, 1))
    assert stored(store).registered_on == dt.date(2019, 7, 1)
    apply(store, at(3), registered=True)          # an older event without it moves nothing
    assert stored(store).registered_on == dt.date(2019, 7, 1)
    apply(store, at(6), counts_from=dt.date(2018, 1, 1))
    assert stored(store).registered_on == dt.date(2018, 1, 1)

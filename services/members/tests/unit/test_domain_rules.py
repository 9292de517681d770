"""The members rules as plain functions: what the handlers ask before they write."""
import datetime as dt
from types import SimpleNamespace

from members.domain.committees import has_secretary, seat_problem, term_start_problem
from members.domain.dates import future_date_problem
from members.domain.health import health_event_problem
from members.domain.imports import import_progress, repeated_row_problem
from members.domain.roster import community_for, patch_transfer_target, transfer_problem, with_member_defaults

TODAY = dt.date(2026, 11, 26)


def test_a_date_after_today_is_refused():
    assert future_date_problem(TODAY, TODAY) is None
    assert "future" in future_date_problem(TODAY + dt.timedelta(days=1), TODAY)


def test_no_health_event_after_death():
    assert health_event_problem("active") is None and health_event_problem("transferred_out") is None
    assert "deceased" in health_event_problem("deceased")


def test_only_an_active_member_moves_and_only_somewhere_else():
    assert transfer_problem(("unit", None, "active"), ("community", "北山社区", "active")) is None
    assert "only an active member" in transfer_problem(("unit", None, "transferred_out"), ("unit", None, "transferred_out"))
    assert "already there" in transfer_problem(("unit", None, "active"), ("unit", None, "active"))


def test_a_patch_is_a_transfer_when_it_moves_the_member():
    assert patch_transfer_target(("unit", None, "active"), ("community", "北山社区", "active")) == "community"
    assert patch_transfer_target(("community", "北山社区", "active"), ("unit", None, "active")) == "unit"
    assert patch_transfer_target(("unit", None, "active"), ("unit", None, "transferred_out")) == "out"
    assert patch_transfer_target(("unit", None, "transferred_out"), ("unit", None, "active")) is None


def test_a_member_of_the_unit_has_no_community_and_defaults_fill_a_new_record():
    assert community_for("unit", "北山社区") is None and community_for("community", "北山社区") == "北山社区"
    filled = with_member_defaults({"name": "x", "hardship": True}, dt.date(2026, 3, 1))
    assert filled["hardship"] is True and filled["status"] == "active" and filled["specialties"] == []
    assert filled["counts_from"] == dt.date(2026, 3, 1)
    assert with_member_defaults({"counts_from": dt.date(2019, 1, 1)}, dt.date(2026, 3, 1))["counts_from"] == dt.date(2019, 1, 1)


def member(**changes):
    return SimpleNamespace(**{"branch_id": 1, "status": "active", "withdrawn_at": None, **changes})


def test_committee_seats_go_to_active_members_of_the_branch():
    assert seat_problem(7, None, 1) == "党员 7 不存在 (no such member)"
    assert "not a member of this branch" in seat_problem(7, member(branch_id=2), 1)
    assert "not active" in seat_problem(7, member(status="deceased"), 1)
    assert "withdrawn" in seat_problem(7, member(withdrawn_at=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)), 1)
    assert seat_problem(7, member(), 1) is None


def test_a_new_term_starts_after_the_previous_one_and_a_dead_secretary_leads_nobody():
    assert term_start_problem(TODAY, None) is None
    assert term_start_problem(TODAY, TODAY) is not None
    assert has_secretary([{"role": "secretary", "member_status": "active"}])
    assert not has_secretary([{"role": "secretary", "member_status": "deceased"}, {"role": "member", "member_status": "active"}])


def test_import_progress_and_repeated_rows():
    assert (import_progress("queued", 0, 0), import_progress("running", 2, 5), import_progress("done", 0, 0)) == (0, 40, 100)
    assert repeated_row_problem(None) is None and "repeats row 3" in repeated_row_problem(3)

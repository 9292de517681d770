"""The rules moved out of the handlers: each returns the problem or None."""
import datetime as dt
from decimal import Decimal

from activities.domain import activities, bulletins, contacts, review_meetings, study
from activities.domain.dates import future_date_problem
from activities.domain.member_facts import MemberFacts, active_member_problem, specialties_of

DAY = dt.date(2026, 3, 10)


def member(member_id, status="active"):
    return MemberFacts(member_id=member_id, branch_id=1, status=status, registered_on=dt.date(2020, 1, 1))


def test_no_day_after_today():
    assert future_date_problem(DAY, DAY) is None
    assert "future" in future_date_problem(DAY + dt.timedelta(days=1), DAY)


def test_a_catch_up_is_of_an_absentee_after_the_session_and_says_who_took_the_material_home():
    body = {"date": DAY, "method": "self_study"}
    assert study.catch_up_problems(False, DAY, body) is None
    assert study.catch_up_problems(True, DAY, body)[0] == "member_id"
    assert study.catch_up_problems(None, DAY, body)[0] == "member_id"
    assert study.catch_up_problems(False, DAY + dt.timedelta(days=1), body)[0] == "date"
    assert study.catch_up_problems(False, DAY, dict(body, method="home_delivery"))[0] == "by"
    assert study.catch_up_problems(False, DAY, dict(body, method="home_delivery", by="王书记")) is None
    assert study.caught_up_problem(None) is None and "already" in study.caught_up_problem("online")


def test_one_session_a_day_and_one_number_a_year():
    assert study.session_day_problem(False) is None and study.session_day_problem(True) == study.SESSION_TAKEN
    assert bulletins.number_problem(False) is None and bulletins.number_problem(True) == bulletins.NUMBER_TAKEN


def test_experts_and_contacts_by_a_member_are_active_members():
    assert active_member_problem(1, member(1)) is None
    assert "not an active member" in active_member_problem(2, member(2, "deceased"))
    assert "not an active member" in active_member_problem(3, None)
    assert review_meetings.expert_problems([1, 2, 3], {1: member(1), 2: member(2, "transferred_out")}) == [
        "党员 2 不是在册党员 (not an active member)", "党员 3 不是在册党员 (not an active member)"]


def test_what_is_kept_of_specialties_learned_topics_and_costs():
    assert specialties_of([" 城市规划 ", "", "城市规划", "书法"]) == ["书法", "城市规划"]
    assert specialties_of(None) == []
    assert contacts.learned_of({"life": " 安好 ", "study": "  ", "thoughts": None}) == {"life": "安好"}
    assert activities.cost_of({"cost": None, "volunteer_hours": None}) == (Decimal("0.00"), Decimal("0.0"))
    assert activities.cost_of({"cost": Decimal("1.50"), "volunteer_hours": Decimal("2.5")}) == (
        Decimal("1.50"), Decimal("2.5"))

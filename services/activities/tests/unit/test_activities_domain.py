"""The rules of expected members, coverage windows and monthly/weekly compliance."""
import datetime as dt

from activities.domain import bulletins, contacts, study
from activities.domain.member_facts import MemberFacts, participant_problems


def member(member_id, branch_id=1, status="active", registered_on=dt.date(2020, 1, 1)):
    return MemberFacts(member_id=member_id, branch_id=branch_id, status=status, registered_on=registered_on)


def test_absentees_are_the_expected_members_who_did_not_attend():
    members = [member(1), member(2), member(3, status="deceased"), member(4, status="transferred_out"),
               member(5, registered_on=dt.date(2026, 6, 2))]
    absent = study.absentees(members, [1], dt.date(2026, 6, 1))
    assert [m.member_id for m in absent] == [2]  # not the dead, not the transferred, not one who joined later
    assert [m.member_id for m in study.absentees(members, [1], dt.date(2026, 6, 2))] == [2, 5]


def test_participants_must_be_active_members_of_the_branch():
    known = {1: member(1), 2: member(2, branch_id=2), 3: member(3, status="deceased")}
    problems = participant_problems(1, [1, 2, 3, 4], known)
    assert set(problems) == {2, 3, 4}
    assert "不属于该支部" in problems[2] and "deceased" in problems[3] and "不存在" in problems[4]
    assert participant_problems(1, [1], known) == {}


def test_months_back_clamps_to_the_end_of_a_shorter_month():
    assert contacts.months_back(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert contacts.months_back(dt.date(2026, 1, 15), 3) == dt.date(2025, 10, 15)
    assert contacts.months_back(dt.date(2024, 5, 31), 3) == dt.date(2024, 2, 29)


def test_the_coverage_window_is_the_three_months_up_to_the_day():
    assert contacts.coverage_window(dt.date(2026, 11, 26)) == (dt.date(2026, 8, 27), dt.date(2026, 11, 26))
    assert contacts.coverage_window(dt.date(2026, 3, 31)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_month_status_at_the_month_boundaries():
    today = dt.date(2026, 6, 1)
    first = dt.date(2026, 1, 10)
    assert study.month_status(2026, 5, False, first, today) == "missing"   # May ended yesterday
    assert study.month_status(2026, 6, False, first, today) == "not_due"   # June has just begun
    assert study.month_status(2026, 7, False, first, today) == "future"
    assert study.month_status(2026, 5, True, first, today) == "held"
    assert study.month_status(2026, 6, False, first, dt.date(2026, 6, 30)) == "not_due"  # its last day still counts
    assert study.month_status(2026, 6, False, first, dt.date(2026, 7, 1)) == "missing"


def test_months_before_the_branch_had_a_member_are_not_missing():
    today = dt.date(2026, 12, 31)
    joined = dt.date(2026, 3, 15)  # the branch's first member joined mid-March
    assert study.month_status(2026, 2, False, joined, today) == "no_members"
    assert study.month_status(2026, 3, False, joined, today) == "missing"
    assert study.month_status(2026, 3, False, None, today) == "no_members"


def test_iso_weeks_of_a_year():
    weeks = bulletins.iso_weeks(2026)
    assert len(weeks) == 53
    assert weeks[0] == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert len(bulletins.iso_weeks(2025)) == 52


def test_weeks_without_an_issue_count_only_ended_weeks_after_the_first_member():
    issues = [dt.date(2026, 1, 7), dt.date(2026, 1, 21)]
    missing = bulletins.weeks_without_issue(2026, issues, dt.date(2025, 1, 1), today=dt.date(2026, 1, 26))
    # weeks 1 (ends Jan 4) and 3 (ends Jan 18) have no issue; week 4 ends Jan 25; week 5 has not ended
    assert [w["week"] for w in missing] == [1, 3]
    later = bulletins.weeks_without_issue(2026, issues, dt.date(2026, 1, 12), today=dt.date(2026, 1, 26))
    assert [w["week"] for w in later] == [3]

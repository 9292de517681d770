"""Care's part of the yearly report and its scorecard items: counted by the day of the visit
and of the closing, with what is missing; a booked or refused visit expense on the visit."""
import datetime as dt
from decimal import Decimal

import pytest

from welfare.domain import standards
from welfare.handlers import figures, help_cases, tasks
from welfare.models import HelpCase, MemberFact, VisitRecord, VisitTask
from wuji_infra.access import Access
from wuji_infra.errors import InvalidInput

TODAY = dt.date(2026, 11, 26)
AT = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
YEAR_END = {"year": 2025, "as_of": "2025-12-31", "branch_ids": None}
numbers = iter(range(1, 10000))


def fact(session, member_id, branch_id, name, registered_on=None, status="active"):
    session.add(MemberFact(member_id=member_id, branch_id=branch_id, name=name, status=status, as_of=AT,
                           birth_date=dt.date(1940, 1, 1), hardship=False, lives_alone=False, children_away=False,
                           mobility_limited=False, registered_on=registered_on))


def task(session, member_id, branch_id, cause, due, visited=None, cash="0", goods="0", key=None):
    number = next(numbers)
    row = VisitTask(member_id=member_id, branch_id=branch_id, cause=cause, cause_date=due, reason="x",
                    cause_key=key or f"{cause}:{member_id}:{number}", due_date=due,
                    status="done" if visited else "open")
    session.add(row)
    session.flush()
    if visited:
        session.add(VisitRecord(task_id=row.id, visited_on=visited, visitors=["王书记"], cash=Decimal(cash),
                                goods_value=Decimal(goods)))
    return row.id


@pytest.fixture
def year(store):
    d = dt.date
    with store.transaction() as tx:
        s = tx.session
        fact(s, 1, 10, "李秀英")
        fact(s, 2, 20, "赵刚")
        fact(s, 3, 10, "张明")
        fact(s, 4, 20, "孙新", registered_on=d(2026, 11, 1))  # counts from next year
        task(s, 1, 10, "hospitalized", d(2025, 3, 4), d(2025, 3, 3), "500", "300")
        task(s, 2, 20, "hospitalized", d(2025, 6, 13), d(2025, 6, 15), "1000", "545")
        task(s, 3, 10, "hospitalized", d(2025, 12, 23), d(2026, 1, 5), "200")   # next year's visit
        task(s, 1, 10, "festival", d(2025, 1, 29), d(2025, 1, 20), "100", key="festival:spring_festival:2025:1")
        task(s, 3, 10, "festival", d(2025, 1, 29), key="festival:spring_festival:2025:3")
        task(s, 1, 10, "birthday", d(2025, 5, 1), d(2025, 5, 1))
        task(s, 2, 20, "hospitalized", d(2024, 12, 30), d(2024, 12, 31), "999")  # the year before
        s.add_all([HelpCase(member_id=1, title="修缮", status="closed", opened_on=d(2025, 2, 1), closed_on=d(2025, 4, 1),
                            solved=True),
                   HelpCase(member_id=1, title="转诊", status="closed", opened_on=d(2025, 3, 1), closed_on=d(2025, 5, 1),
                            solved=False),
                   HelpCase(member_id=2, title="证件", status="closed", opened_on=d(2025, 10, 1),
                            closed_on=d(2026, 1, 10), solved=True)])


def test_the_years_visits_by_the_day_visited_and_cases_by_the_day_closed(store, year):
    with store.read() as session:
        answer = figures.annual_figures(session, YEAR_END)
    assert (answer["visits"], answer["members_visited"]) == (4, 2)  # 2 hospital, 1 festival, 1 birthday
    assert (answer["condolence_cash"], answer["condolence_goods"]) == ("1600.00", "845.00")
    assert answer["help_cases_solved"] == 1
    assert answer["visits_by_cause"][0] == {"cause": "hospitalized", "label": "住院探望", "visits": 2, "members": 2}


def test_a_secretary_counts_their_branches_only(store, year):
    with store.read() as session:
        answer = figures.annual_figures(session, YEAR_END, access=Access("sec", "secretary", (20,)))
    assert (answer["visits"], answer["condolence_cash"], answer["help_cases_solved"]) == (1, "1000.00", 0)


def test_the_scorecard_says_which_visit_was_late_and_by_how_much(store, year):
    with store.read() as session:
        card = figures.scorecard_items(session, YEAR_END)
    items = {b["branch_id"]: {i["key"]: i for i in b["items"]} for b in card["branches"]}
    assert items[20]["visits_on_time"]["missing"] == ["赵刚 住院探望（应于2025-06-13前）晚 2 天完成"]
    assert items[10]["visits_on_time"]["missing"] == ["张明 住院探望（应于2025-12-23前）逾期未完成"]
    assert items[10]["festival_visits"] == {"key": "festival_visits", "met": False, "misses": 1,
                                            "missing": ["2025年春节走访未覆盖：张明"]}
    assert items[20]["festival_visits"]["met"]
    # twice a year: 李秀英 had three visits; 张明 none in the year; 赵刚 one; 孙新 counts from next year
    assert items[10]["visits_twice_yearly"]["missing"] == ["张明 本年走访 0 次（应至少 2 次）"]
    assert items[20]["visits_twice_yearly"]["missing"] == ["赵刚 本年走访 1 次（应至少 2 次）"]


def test_a_viewer_sees_a_late_visit_without_who_was_in_hospital(store, year):
    with store.read() as session:
        card = figures.scorecard_items(session, YEAR_END, access=Access("boss", "viewer", None))
    items = {b["branch_id"]: {i["key"]: i for i in b["items"]} for b in card["branches"]}
    assert items[20]["visits_on_time"]["missing"] == ["一次走访（应于2025-06-13前）晚 2 天完成"]


def test_the_lists_filter_by_the_day_visited_and_closed(store, year):
    with store.read() as session:
        visited = tasks.list_visit_tasks(session, {"visited_from": "2025-01-01", "visited_to": "2025-12-31"},
                                         today=TODAY)
        closed = help_cases.list_help_cases(session, {"closed_from": "2025-01-01", "closed_to": "2025-12-31"})
    assert visited["total"] == 4 and closed["total"] == 2
    with pytest.raises(InvalidInput) as refused:
        with store.read() as session:
            tasks.list_visit_tasks(session, {"visited_from": "2025-12-31", "visited_to": "2025-01-01"}, today=TODAY)
    assert "visited_to" in refused.value.fields


def test_lateness_rules():
    due = dt.date(2025, 6, 13)
    assert standards.lateness("王", "hospitalized", due, due, dt.date(2025, 12, 31)) is None
    assert standards.lateness("王", "deceased", due, None, dt.date(2025, 12, 31)).endswith("逾期未完成")
    assert "吊唁慰问" in standards.lateness("王", "deceased", due, None, dt.date(2025, 12, 31))


def test_a_refused_visit_expense_booked_later_shows_booked(store, year):
    with store.transaction() as tx:
        tasks.record_expense_refused(tx, {"reference": "visit:2", "reason": "余额不足"}, AT)
    with store.read() as session:
        assert tasks.get_visit_task(session, 2, today=TODAY)["visit"]["expense_status"] == "refused"
    with store.transaction() as tx:
        assert tasks.record_expense_booked(tx, {"reference": "visit:2", "expense_id": 41})
        assert not tasks.record_expense_booked(tx, {"reference": "activity:2", "expense_id": 42})
        tasks.record_expense_refused(tx, {"reference": "visit:2", "reason": "迟到的拒绝"}, AT)
    with store.read() as session:
        visit = tasks.get_visit_task(session, 2, today=TODAY)["visit"]
        assert (visit["expense_status"], visit["expense_refused"]) == ("booked", None)
        assert tasks.get_visit_task(session, 6, today=TODAY)["visit"]["expense_status"] == "none"
        assert tasks.get_visit_task(session, 1, today=TODAY)["visit"]["expense_status"] == "pending"


def test_before_the_years_end_twice_a_year_says_how_many_are_not_there_yet(store, year):
    with store.read() as session:
        card = figures.scorecard_items(session, {"year": 2025, "as_of": "2025-06-30", "branch_ids": [10]})
    [branch] = card["branches"]
    twice = {i["key"]: i for i in branch["items"]}["visits_twice_yearly"]
    # by June 30 李秀英 had two visits (festival, birthday), 张明 none
    assert twice == {"key": "visits_twice_yearly", "met": False, "misses": 1,
                     "missing": ["截至2025-06-30，尚有 1 名党员本年走访不足 2 次（全年要求至年底评定）：张明 0 次"]}


def test_a_task_counts_for_the_branch_the_member_is_in_now(store, year):
    with store.transaction() as tx:
        tx.session.get(MemberFact, 3).branch_id = 20  # 张明 moved to branch 20
    with store.read() as session:
        card = figures.scorecard_items(session, YEAR_END)
        theirs = figures.scorecard_items(session, YEAR_END, access=Access("sec", "secretary", (20,)))
    items = {b["branch_id"]: {i["key"]: i for i in b["items"]} for b in card["branches"]}
    assert items[10]["visits_on_time"]["met"] and items[10]["festival_visits"]["met"]
    assert items[20]["visits_on_time"]["missing"] == ["赵刚 住院探望（应于2025-06-13前）晚 2 天完成",
                                                      "张明 住院探望（应于2025-12-23前）逾期未完成"]
    assert [b["branch_id"] for b in theirs["branches"]] == [20]
    assert {i["key"]: i for i in theirs["branches"][0]["items"]}["festival_visits"]["misses"] == 1

"""The roster's part of the yearly report and the committee's items of the scorecard:
who was on the roster on a day (go-live, deaths, transfers), the statistics sheet, and
what a committee lacks."""
import datetime as dt

import pytest

from members.domain import census
from members.domain.committees import committee_gaps, overdue_gap, seat_left_on, term_on, vacancy_gaps
from members.domain.roster import id_number_for
from members.handlers import committees, figures, health, honors, roster
from members.models import Base
from wuji_infra.access import Access
from wuji_infra.errors import InvalidInput
from wuji_infra.testing import in_memory_store

TODAY = dt.date(2026, 11, 26)
LAST_DAY = dt.date(2025, 12, 31)
numbers = iter(range(1, 1000))


@pytest.fixture
def store():
    return in_memory_store("members", Base.metadata)


def branch(store, name):
    with store.transaction() as tx:
        return committees.create_branch(tx, {"name": name, "unit": "住建局"})["id"]


def member(store, branch_id, name, born, counts_from="2019-01-01", **more):
    data = {"name": name, "gender": "male", "id_number": id_number_for(born, next(numbers)),
            "birth_date": born.isoformat(), "branch_id": branch_id, "retirement_kind": "tuixiu",
            "counts_from": counts_from, **more}
    with store.transaction() as tx:
        return roster.create_member(tx, data, today=TODAY)["id"]


def life(born=dt.date(1940, 6, 1), counts_from=dt.date(2019, 1, 1), left_on=None, left_by=None, moves=(), **more):
    values = dict(member_id=1, branch_id=1, name="王", birth_date=born, gender="male", retirement_kind="tuixiu",
                  org_relation="unit", counts_from=counts_from, left_on=left_on, left_by=left_by, moves=moves)
    values.update(more)
    return census.Life(**values)


def test_on_the_roster_from_the_day_counted_until_the_day_left():
    gone = life(left_on=dt.date(2025, 8, 1), left_by="deceased")
    assert census.on_roster(gone, dt.date(2025, 7, 31)) and not census.on_roster(gone, dt.date(2025, 8, 1))
    assert not census.on_roster(life(counts_from=dt.date(2026, 1, 5)), LAST_DAY)


def test_the_relation_of_a_past_day_is_the_one_before_a_later_move():
    moved = life(org_relation="community", moves=((dt.date(2026, 3, 1), "unit"),))
    assert census.relation_on(moved, LAST_DAY) == "unit" and census.relation_on(moved, TODAY) == "community"


@pytest.mark.parametrize("age, band", [(59, "under_60"), (60, "60_69"), (79, "70_79"), (80, "80_89"), (90, "90_plus"),
                                       (101, "90_plus")])
def test_age_bands(age, band):
    assert census.age_band(age) == band


def test_the_sheet_counts_each_way_and_the_years_changes():
    lives = [life(), life(member_id=2, gender="female", retirement_kind="lixiu", org_relation="community",
                          born=dt.date(1930, 1, 1)),
             life(member_id=3, left_on=dt.date(2025, 8, 1), left_by="deceased"),
             life(member_id=4, counts_from=dt.date(2025, 3, 1)),
             life(member_id=5, left_on=dt.date(2025, 9, 1), left_by="transferred_out")]
    assert census.counts(lives, LAST_DAY) == {
        "total": 3, "lixiu": 1, "tuixiu": 2, "male": 2, "female": 1, "unit": 2, "community": 1,
        "under_60": 0, "60_69": 0, "70_79": 0, "80_89": 2, "90_plus": 1}
    assert census.changes(lives, 2025, LAST_DAY) == {"joined": 1, "deceased": 1, "transferred_out": 1}


class T:
    def __init__(self, starts_on, ends_on):
        self.starts_on, self.ends_on, self.id = starts_on, ends_on, 1


def test_what_a_committee_lacks():
    term = T(dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    assert committee_gaps(None, [], 5, LAST_DAY) == ["无现任支部班子"]
    assert committee_gaps(term, [("secretary", "王", None)], 5, LAST_DAY) == []
    assert committee_gaps(term, [("secretary", "王", dt.date(2025, 3, 1)), ("organization", "李", None)], 9,
                          LAST_DAY) == ["书记空缺", "支部有 9 名党员，班子现有 1 人（应 3–5 人）"]
    assert vacancy_gaps(term, [("secretary", "王", dt.date(2025, 3, 1)), ("organization", "李", dt.date(2025, 11, 1))],
                        LAST_DAY) == ["书记（原王，2025-03-01起）空缺超过3个月"]


def test_a_seat_is_left_on_death_or_leaving_or_a_move_to_another_branch():
    started = dt.date(2024, 1, 1)
    assert seat_left_on(None, [], 7, started) is None
    assert seat_left_on(dt.date(2025, 3, 1), [], 7, started) == dt.date(2025, 3, 1)
    moves = [(dt.date(2023, 5, 1), 7), (dt.date(2025, 1, 2), 8), (dt.date(2025, 2, 1), 7)]
    assert seat_left_on(None, moves, 7, started) == dt.date(2025, 2, 1)  # moves before the term or from elsewhere: no
    assert seat_left_on(dt.date(2025, 1, 15), moves, 7, started) == dt.date(2025, 1, 15)


def test_a_term_overdue_says_since_when_and_by_how_many_days():
    terms = [T(dt.date(2019, 3, 1), dt.date(2022, 2, 28)), T(dt.date(2022, 3, 1), dt.date(2025, 2, 28))]
    assert overdue_gap(terms, dt.date(2025, 2, 28)) is None
    assert overdue_gap(terms, LAST_DAY) == "第2届任期已于2025-02-28届满，逾期 306 天未换届"
    assert overdue_gap([], LAST_DAY) == "尚未选举产生支部班子"
    assert term_on(terms, LAST_DAY) is None and term_on(terms, dt.date(2023, 1, 1)) is terms[1]


def test_the_years_figures_count_by_the_day(store):
    first, second = branch(store, "第一支部"), branch(store, "第二支部")
    wang = member(store, first, "王建国", dt.date(1940, 3, 1))
    member(store, first, "李秀英", dt.date(1936, 6, 1), gender="female", org_relation="community", community="北山社区")
    qian = member(store, second, "钱老", dt.date(1935, 2, 1))
    member(store, second, "孙新", dt.date(1955, 5, 5), counts_from=TODAY.isoformat())
    with store.transaction() as tx:
        health.record_health_event(tx, qian, {"kind": "deceased", "date": "2025-08-01"}, request_id="r1", today=TODAY)
        committees.elect_committee(tx, first, {"starts_on": "2024-01-10", "committee": [
            {"member_id": wang, "role": "secretary"}]}, today=TODAY)
        honors.add_honor(tx, wang, {"title": "星级模范党员", "level": "municipal", "year": 2025})
    with store.read() as session:
        answer = figures.annual_figures(session, {"year": 2025, "as_of": "2025-12-31"})
        now = figures.annual_figures(session, {"year": 2026, "as_of": TODAY.isoformat()})
        mine = figures.annual_figures(session, {"year": 2025, "as_of": "2025-12-31"},
                                      access=Access("sec", "secretary", (second,)))
    assert (answer["members_total"], answer["in_communities"], answer["in_unit"]) == (2, 1, 1)
    assert (answer["average_age"], answer["branches"], answer["committees"]) == (87.0, 1, 1)  # 85 and 89
    assert answer["census"]["changes"] == {"joined": 0, "deceased": 1, "transferred_out": 0}
    assert answer["census"]["last_year"]["total"] == 3
    assert [(b["name"], b["members_total"]) for b in answer["branch_list"]] == [("第一支部", 2), ("第二支部", 0)]
    assert answer["honorees"] == [{"member_id": wang, "name": "王建国", "title": "星级模范党员", "level": "municipal",
                                   "year": 2025}]
    assert now["members_total"] == 3
    assert mine["members_total"] == 0 and [b["name"] for b in mine["branch_list"]] == ["第二支部"]
    with store.read() as session:
        card = figures.scorecard_items(session, {"year": 2025, "as_of": "2025-12-31", "branch_ids": None})
    items = {b["name"]: {i["key"]: i for i in b["items"]} for b in card["branches"]}
    assert items["第一支部"]["committee_complete"]["met"] and items["第一支部"]["term_current"]["met"]
    assert items["第二支部"]["committee_complete"]["missing"] == ["无现任支部班子"]
    assert items["第二支部"]["term_current"]["missing"] == ["尚未选举产生支部班子"]


@pytest.mark.parametrize("query", [{}, {"year": 2025}, {"year": 2025, "as_of": "2026-01-01"}, {"year": "x", "as_of": "x"}])
def test_a_bad_query_is_refused(store, query):
    with pytest.raises(InvalidInput):
        with store.read() as session:
            figures.annual_figures(session, query)


def test_a_seat_emptied_by_death_or_a_move_away_is_vacant_after_three_months(store):
    first, second = branch(store, "第一支部"), branch(store, "第二支部")
    names = ["王建国", "李秀英", "赵大海", "钱老", "孙明", "周强", "吴芳"]
    ids = [member(store, first, name, dt.date(1940, 3, 1 + n)) for n, name in enumerate(names)]
    with store.transaction() as tx:
        committees.elect_committee(tx, first, {"starts_on": "2025-01-10", "committee": [
            {"member_id": ids[0], "role": "secretary"}, {"member_id": ids[1], "role": "organization"},
            {"member_id": ids[2], "role": "propaganda"}]}, today=TODAY)
        health.record_health_event(tx, ids[1], {"kind": "deceased", "date": "2025-08-01"}, request_id="r1",
                                   today=TODAY)
    with store.transaction() as tx:
        roster.update_member(tx, ids[0], {"branch_id": second}, today=TODAY)
    with store.read() as session:
        before = figures.scorecard_items(session, {"year": 2025, "as_of": "2025-12-31", "branch_ids": [first]})
        later = figures.scorecard_items(session, {"year": 2027, "as_of": "2027-12-31", "branch_ids": [first]})
    items = {i["key"]: i for i in before["branches"][0]["items"]}
    assert items["seat_vacancy"]["missing"] == ["组织委员（原李秀英，2025-08-01起）空缺超过3个月"]
    assert items["seat_vacancy"]["misses"] == 1
    assert items["committee_complete"]["met"]  # 6 on the roster: no full committee asked; the secretary still there
    items = {i["key"]: i for i in later["branches"][0]["items"]}
    assert items["committee_complete"]["missing"] == ["书记空缺"]
    vacant = sorted(items["seat_vacancy"]["missing"])
    assert len(vacant) == 2 and vacant[0].startswith("书记（原王建国，") and vacant[1].startswith("组织委员（原李秀英，")
    assert items["term_current"]["met"]

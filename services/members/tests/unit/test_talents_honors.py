"""Talent profiles and their search, honors, roles in society."""
import datetime as dt

import pytest

from members.handlers import committees, health, honors, roster
from members.handlers.figures import headline_figures
from members.domain.roster import id_number_for
from wuji_infra.errors import InvalidInput, NotFound


def create(store, branch, sequence, **extra):
    with store.transaction() as tx:
        return roster.create_member(tx, {
            "name": f"党员{sequence}", "gender": "female", "id_number": id_number_for(dt.date(1941, 7, 1), sequence),
            "birth_date": "1941-07-01", "branch_id": branch["id"], "retirement_kind": "tuixiu", "counts_from": "2019-01-01", **extra},
            today=dt.date(2026, 12, 1))


def search(store, **filters):
    with store.read() as session:
        return [m["name"] for m in roster.list_members(session, filters, 1, 100)["items"]]


def test_members_are_found_by_specialty_and_willingness(store, branch):
    create(store, branch, 1, specialties=["城市规划", "书法"], professional_titles=["高级工程师"], willing_to_serve=True)
    create(store, branch, 2, specialties=["城市规划"], willing_to_serve=False)
    create(store, branch, 3, specialties=["摄影"], willing_to_serve=True)
    assert search(store, specialty="城市规划") == ["党员1", "党员2"]
    assert search(store, specialty="城市规划", willing_to_serve="true") == ["党员1"]
    assert search(store, willing_to_serve="false") == ["党员2"]
    assert search(store, specialty="园林绿化") == []
    with store.read() as session:
        assert roster.get_member(session, 1)["professional_titles"] == ["高级工程师"]


def test_a_changed_specialty_is_found_under_the_new_one_only(store, branch):
    member = create(store, branch, 1, specialties=["书法"])
    with store.transaction() as tx:
        roster.update_member(tx, member["id"], {"specialties": ["建筑设计", "建筑设计"], "willing_to_serve": True},
                             today=dt.date(2026, 11, 26))
    assert search(store, specialty="书法") == []
    assert search(store, specialty="建筑设计", willing_to_serve="1") == ["党员1"]


def test_bad_talent_input_names_the_field(store, branch):
    with pytest.raises(InvalidInput) as error:
        create(store, branch, 1, willing_to_serve="maybe", professional_titles=[""])
    assert {"willing_to_serve", "professional_titles.0"} <= set(error.value.fields)
    with store.read() as session:
        with pytest.raises(InvalidInput) as error:
            roster.list_members(session, {"willing_to_serve": "perhaps"})
    assert "willing_to_serve" in error.value.fields


def test_honors_are_recorded_and_listed_by_level_and_year(store, branch):
    one, two = create(store, branch, 1), create(store, branch, 2)
    with store.transaction() as tx:
        honor = honors.add_honor(tx, one["id"], {"title": "星级模范党员", "level": "provincial", "year": 2024,
                                                   "awarded_by": "省委老干部局"}, "clerk1")
        honors.add_honor(tx, two["id"], {"title": "优秀共产党员", "level": "bureau", "year": 2025})
        honors.add_honor(tx, one["id"], {"title": "优秀共产党员", "level": "bureau", "year": 2023})
    assert (honor["title"], honor["level"], honor["year"], honor["recorded_by"]) == ("星级模范党员", "provincial", 2024, "clerk1")
    with store.read() as session:
        assert honors.list_honors(session, {"level": "bureau"})["total"] == 2
        assert [h["year"] for h in honors.list_honors(session, {"member_id": str(one["id"])})["items"]] == [2024, 2023]
        assert honors.list_honors(session, {"year": "2025", "level": "bureau"})["items"][0]["member_id"] == two["id"]
        with pytest.raises(InvalidInput):
            honors.list_honors(session, {"level": "national"})


@pytest.mark.parametrize("data, field", [
    ({"level": "bureau", "year": 2024}, "title"),
    ({"title": "x", "level": "国家级", "year": 2024}, "level"),
    ({"title": "x", "level": "bureau", "year": "2024"}, "year"),
    ({"title": "x", "level": "bureau", "year": 1800}, "year"),
])
def test_bad_honors_name_the_field(store, branch, data, field):
    member = create(store, branch, 1)
    with pytest.raises(InvalidInput) as error:
        with store.transaction() as tx:
            honors.add_honor(tx, member["id"], data)
    assert field in error.value.fields


def test_social_roles_with_the_appointing_body_and_dates(store, branch):
    member = create(store, branch, 1)
    with store.transaction() as tx:
        role = honors.add_social_role(tx, member["id"], {
            "role": "特约监督员", "appointed_by": "市人民检察院", "starts_on": "2023-03-01", "ends_on": "2026-02-28"}, "c1")
        honors.add_social_role(tx, member["id"], {"role": "史志编写", "appointed_by": "市地方志办公室",
                                                    "starts_on": "2025-01-01"})
    assert (role["appointed_by"], role["starts_on"], role["ends_on"]) == ("市人民检察院", "2023-03-01", "2026-02-28")
    with store.read() as session:
        assert [r["role"] for r in honors.list_social_roles(session, member["id"])["items"]] == ["史志编写", "特约监督员"]
    with pytest.raises(InvalidInput) as error:
        with store.transaction() as tx:
            honors.add_social_role(tx, member["id"], {"role": "x", "appointed_by": "y",
                                                        "starts_on": "2025-01-01", "ends_on": "2024-01-01"})
    assert "ends_on" in error.value.fields
    with pytest.raises(NotFound):
        with store.transaction() as tx:
            honors.add_social_role(tx, 999, {"role": "x", "appointed_by": "y", "starts_on": "2025-01-01"})


# -- headline figures -------------------------------------------------------------

def test_headline_figures_for_the_yearly_report(store, branch):
    with store.transaction() as tx:
        other = committees.create_branch(tx, {"name": "机关第二离退休党支部", "unit": "市住房和城乡建设局"})
    people = [
        create(store, branch, 1, birth_date="1941-07-01"),
        create(store, branch, 2, id_number=id_number_for(dt.date(1946, 12, 31), 2), birth_date="1946-12-31"),
        create(store, branch, 3, org_relation="community", community="北山社区"),
        create(store, branch, 4),
    ]
    with store.transaction() as tx:
        health.record_health_event(tx, people[3]["id"], {"kind": "deceased", "date": "2026-03-01"},
                                   request_id="r1",
                                     today=dt.date(2026, 11, 26))
        committees.elect_committee(tx, branch["id"], {"starts_on": "2025-01-01", "committee": [
            {"member_id": people[0]["id"], "role": "secretary"}]}, today=dt.date(2026, 11, 26))
        honors.add_honor(tx, people[0]["id"], {"title": "星级模范党员", "level": "provincial", "year": 2026})
        honors.add_honor(tx, people[1]["id"], {"title": "优秀党员", "level": "bureau", "year": 2026})
        honors.add_honor(tx, people[1]["id"], {"title": "优秀党员", "level": "bureau", "year": 2025})
    with store.read() as session:
        figures = headline_figures(session, {"on": "2026-12-31"}, today=dt.date(2026, 11, 26))
        earlier = headline_figures(session, {"on": "2024-12-31", "year": "2025"}, today=dt.date(2026, 11, 26))
        assert headline_figures(session, {}, today=dt.date(2026, 11, 26))["on"] == dt.date(2026, 11, 26)
        with pytest.raises(InvalidInput) as error:
            headline_figures(session, {"on": "yesterday"}, today=dt.date(2026, 11, 26))
        assert "on" in error.value.fields
    # ages on 2026-12-31: 85, 80, 85 -> 83.3; the deceased member is not counted
    assert figures == {
        "on": dt.date(2026, 12, 31), "year": 2026, "members_total": 3, "in_communities": 1, "in_bureau_branch": 2,
        "average_age": "83.3", "branches": 2, "committees": 1,
        "honors_by_level": {"provincial": 1, "municipal": 0, "bureau": 1},
    }
    assert other["id"] and earlier["committees"] == 0 and earlier["honors_by_level"]["bureau"] == 1
    # on 2024-12-31 the member who died in 2026 was on the roster: 83, 78, 83, 83
    assert earlier["members_total"] == 4 and earlier["average_age"] == "81.8"
    late = create(store, branch, 5, counts_from="2025-06-01")
    with store.read() as session:
        assert headline_figures(session, {"on": "2024-12-31"}, today=dt.date(2026, 11, 26))["members_total"] == 4
        assert headline_figures(session, {"on": "2025-06-01"}, today=dt.date(2026, 11, 26))["members_total"] == 5
    assert late["counts_from"] == "2025-06-01"

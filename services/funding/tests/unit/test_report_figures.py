"""A refused cost kept and booked later; funding's part of the yearly report; its scorecard
items; dues counted from the day a member counts from (go-live)."""
import datetime as dt
from decimal import Decimal

import pytest

from funding.domain import subsidy
from wuji_infra import events
from wuji_infra.access import Access
from wuji_infra.errors import Conflict, Forbidden, InvalidInput, NotFound
from wuji_infra.testing import emitted_events

TODAY = dt.date(2026, 7, 15)
POLICY = subsidy.SubsidyPolicy(min_age=80, amount=Decimal("500.00"))
MID_YEAR = {"year": 2026, "as_of": "2026-07-15", "branch_ids": None}


def activity_recorded(activity_id, cost="800.00"):
    return events.new_event("activity_recorded", {
        "activity_id": activity_id, "branch_id": 1, "kind": "culture_show", "date": dt.date(2026, 7, 1),
        "participants": 5, "cost": Decimal(cost), "expense_category": "activities"}, source="activities")


def registered(member_id, branch_id, name, counts_from, pension="4000.00"):
    return events.new_event("member_registered", {
        "member_id": member_id, "branch_id": branch_id, "name": name, "birth_date": dt.date(1940, 1, 2),
        "status": "active", "hardship": False, "lives_alone": False, "children_away": False,
        "mobility_limited": False, "org_relation": "unit", "pension_monthly": Decimal(pension),
        "counts_from": counts_from}, source="members")


def test_a_refused_cost_is_kept_and_booked_once_money_is_there(service, store):
    service.on_activity_recorded(activity_recorded(5))
    service.on_activity_recorded(activity_recorded(5))  # refused again: still one to book
    [refused] = service.list_refused_expenses({"year": "2026"})["items"]
    assert (refused["reference"], refused["amount"], refused["status"]) == ("activity:5", "800.00", "refused")
    assert "经费不足" in refused["reason"]
    assert service.annual_figures({"year": 2026, "as_of": "2026-07-15"})["refused"] == {"count": 1, "amount": "800.00"}
    with pytest.raises(Conflict):  # still no money: 409, nothing booked
        service.book_refused_expense(refused["id"], actor="staff1")
    service.add_budget({"year": 2026, "source": "special_fund", "amount": "1000.00"}, "staff1")
    booked = service.book_refused_expense(refused["id"], actor="staff1")
    assert (booked["status"], booked["booked_by"]) == ("booked", "staff1") and booked["expense_id"]
    [event] = [e for e in emitted_events(store) if e.event_type == "expense_booked"]
    assert event.data["reference"] == "activity:5"
    with pytest.raises(Conflict):  # booked once
        service.book_refused_expense(refused["id"], actor="staff1")
    service.on_activity_recorded(activity_recorded(5))  # a late redelivery books nothing more
    figures = service.annual_figures({"year": 2026, "as_of": "2026-07-15"})
    assert figures["refused"] == {"count": 0, "amount": "0.00"}
    special = next(s for s in figures["sources"] if s["source"] == "special_fund")
    assert (special["label"], special["budget"], special["spent"], special["balance"]) == (
        "专项经费", "1000.00", "800.00", "200.00")
    assert next(c for c in figures["categories"] if c["category"] == "activities")["spent"] == "800.00"
    assert figures["totals"] == {"budget": "1000.00", "income": "1000.00", "spent": "800.00", "balance": "200.00"}


def test_the_money_is_not_a_secretarys(service):
    service.caller = Access("sec", "secretary", (1,))
    with pytest.raises(Forbidden):
        service.annual_figures({"year": 2026, "as_of": "2026-07-15"})


def test_the_scorecard_money_items_and_dues_counted_from_go_live(service):
    service.on_member_registered(registered(1, 10, "王建国", dt.date(2019, 1, 1)))
    service.on_member_registered(registered(2, 10, "李秀英", dt.date(2026, 5, 20)))
    service.on_member_registered(registered(3, 20, "赵刚", dt.date(2019, 1, 1)))
    service.fix_dues({"year": 2026}, "staff1")
    for month in range(1, 8):
        service.pay_dues({"member_id": 3, "year": 2026, "month": month, "paid_by": "member", "paid_on": "2026-07-10"},
                         "staff1")
    service.on_activity_recorded(activity_recorded(6, cost="300.00"))
    card = service.scorecard_items(MID_YEAR)
    office = {item["key"]: item for item in card["office"]}
    assert office["budget_not_overdrawn"]["met"]
    assert office["funds_assured"]["missing"][0].startswith("2026-07-01 组织活动 300.00 元未入账：")
    dues = {b["branch_id"]: b["items"][0] for b in card["branches"]}
    # 王建国 counts from 2019: January to July are due; 李秀英 from May: May to July
    assert dues[10]["missing"] == ["王建国 欠缴 2026年1月、2月、3月、4月、5月、6月、7月党费 140.00 元",
                                   "李秀英 欠缴 2026年5月、6月、7月党费 60.00 元"]
    assert dues[10]["misses"] == 2 and dues[20]["met"]


# -- a branch's dues of a month, collected at once -------------------------------------

def test_a_branchs_dues_of_a_month_are_collected_at_once(service, store):
    for member_id, name in ((1, "王建国"), (2, "李秀英"), (3, "张明")):
        service.on_member_registered(registered(member_id, 10, name, dt.date(2019, 1, 1)))
    service.on_member_registered(registered(4, 20, "赵刚", dt.date(2019, 1, 1)))
    service.fix_dues({"year": 2026}, "staff1")
    service.pay_dues({"member_id": 2, "year": 2026, "month": 6, "paid_by": "member"}, "staff1")
    collected = service.collect_dues({"branch_id": 10, "year": 2026, "month": 6, "member_ids": [1, 2, 3]}, "sec")
    assert [p["member_id"] for p in collected["paid"]] == [1, 3] and collected["already_paid"] == [2]
    assert collected["total"] == "40.00" and all(p["recorded_by"] == "sec" for p in collected["paid"])
    arrears = service.dues_arrears({"year": "2026", "member_id": "1"})["items"][0]["months"]
    assert 6 not in [m["month"] for m in arrears]
    with pytest.raises(InvalidInput) as refused:  # another branch's member: nothing is recorded
        service.collect_dues({"branch_id": 10, "year": 2026, "month": 5, "member_ids": [1, 4]}, "sec")
    assert "member_ids" in refused.value.fields
    assert all(p["month"] != 5 for p in service.list_dues_payments({"year": "2026", "member_id": "1"})["items"])
    service.caller = Access("sec", "secretary", (20,))
    with pytest.raises(Forbidden):
        service.collect_dues({"branch_id": 10, "year": 2026, "month": 5, "member_ids": [1]}, "sec")


def test_a_branchs_month_of_dues_says_where_each_member_stands(service):
    service.on_member_registered(registered(1, 10, "王建国", dt.date(2019, 1, 1)))
    service.on_member_registered(registered(2, 10, "李秀英", dt.date(2019, 1, 1), pension="6000.00"))
    service.on_member_registered(registered(3, 10, "张明", dt.date(2019, 1, 1)))
    service.on_member_registered(registered(4, 20, "赵刚", dt.date(2019, 1, 1)))
    service.fix_dues({"year": 2026}, "staff1")
    service.adjust_dues({"member_id": 3, "year": 2026, "from_month": 6, "monthly_amount": "0.00",
                         "reason": "生活困难, 经支部研究免缴"}, "staff1")
    service.on_member_registered(registered(5, 10, "陈新", dt.date(2019, 1, 1)))  # dues not yet fixed
    service.pay_dues({"member_id": 2, "year": 2026, "month": 6, "paid_by": "member"}, "staff1")
    month = service.dues_of_month({"branch_id": "10", "year": "2026", "month": "6"})
    rows = {row["name"]: (row["status"], row["amount_due"], row["amount_paid"]) for row in month["members"]}
    assert rows == {"王建国": ("owed", "20.00", None), "李秀英": ("paid", "60.00", "60.00"),
                    "张明": ("waived", "0.00", None), "陈新": ("not_fixed", None, None)}
    assert (month["due_total"], month["paid_total"]) == ("20.00", "60.00")
    later = service.dues_of_month({"branch_id": "10", "year": "2026", "month": "12"})
    assert {row["name"]: row["status"] for row in later["members"]}["王建国"] == "later"  # a month to come
    with pytest.raises(InvalidInput) as refused:
        service.dues_of_month({"branch_id": "10", "year": "2026", "month": "13"})
    assert "month" in refused.value.fields
    service.caller = Access("sec", "secretary", (20,))
    with pytest.raises(NotFound):
        service.dues_of_month({"branch_id": "10", "year": "2026", "month": "6"})


@pytest.mark.parametrize("body, field", [({"member_ids": []}, "member_ids"), ({"member_ids": [1, 1]}, "member_ids"),
                                         ({"month": 13}, "month"), ({"branch_id": None}, "branch_id")])
def test_a_bad_collection_is_refused_naming_the_field(service, body, field):
    with pytest.raises(InvalidInput) as refused:
        service.collect_dues({"branch_id": 10, "year": 2026, "month": 5, "member_ids": [1], **body}, "sec")
    assert field in refused.value.fields

"""What the four services answer to annual_figures and scorecard_items, in the shape the
gateway relies on (tests/e2e/test_reports.py checks the real services give it)."""


def counts(total, **more):
    base = dict(total=total, lixiu=0, tuixiu=total, male=total, female=0, unit=total, community=0,
                under_60=0, **{"60_69": 0, "70_79": 0, "80_89": total, "90_plus": 0})
    base.update(more)
    return base


ANNUAL = {
    "members.annual_figures": {
        "members_total": 3, "in_communities": 1, "in_unit": 2, "average_age": 84.3, "branches": 2, "committees": 1,
        "honorees": [{"member_id": 1, "name": "王建国", "title": "星级模范党员", "level": "municipal", "year": 2025}],
        "branch_list": [{"branch_id": 1, "name": "第一党支部", "unit": "住建局", "members_total": 2},
                        {"branch_id": 2, "name": "第二党支部", "unit": "住建局", "members_total": 1},
                        {"branch_id": 3, "name": "第三党支部", "unit": "住建局", "members_total": 0}],
        "census": {
            "rows": [dict(counts(2, community=1, unit=1), branch_id=1, name="第一党支部"),
                     dict(counts(1), branch_id=2, name="第二党支部")],
            "totals": counts(3, community=1, unit=2),
            "last_year": counts(2, unit=2),
            "changes": {"joined": 1, "deceased": 0, "transferred_out": 0},
        },
    },
    "activities.annual_figures": {
        "study_sessions": 13, "bulletin_issues": 52, "bulletin_items": 260, "contacts": 40,
        "review_meetings": 2, "experts_engaged": 3, "volunteer_hours": 12.5,
        "activities_by_kind": [{"kind": "volunteer", "label": "志愿服务", "count": 2, "participants": 9,
                                "volunteer_hours": 12.5, "cost": "800.00", "cost_booked": "500.00",
                                "cost_refused": "300.00"}],
        "study_by_branch": [{"branch_id": 1, "months": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2], "total": 13}],
        "review_meeting_list": [{"id": 1, "date": "2025-04-02", "kind": "lunzheng", "topic": "旧城改造方案",
                                 "experts": ["王建国", "李秀英"]}],
    },
    "welfare.annual_figures": {
        "visits": 5, "members_visited": 3, "condolence_cash": "1500.00", "condolence_goods": "845.00",
        "help_cases_solved": 4,
        "visits_by_cause": [{"cause": "hospitalized", "label": "住院看望", "visits": 2, "members": 2}],
    },
    "funding.annual_figures": {
        "sources": [{"source": "special_fund", "label": "专项经费", "budget": "10000.00", "dues_rebate": "0.00",
                     "income": "10000.00", "spent": "2345.00", "balance": "7655.00"}],
        "categories": [{"category": "visits_condolences", "label": "走访慰问", "spent": "2345.00"}],
        "totals": {"budget": "10000.00", "income": "10000.00", "spent": "2345.00", "balance": "7655.00"},
        "refused": {"count": 1, "amount": "300.00"},
    },
}


def item(key, met=True, missing=(), misses=0):
    return {"key": key, "met": met, "missing": list(missing), "misses": misses}


def scorecard_answers(branch_ids=(1, 2)):
    """Branch 1 meets everything; branch 2 misses two study months and a hospital visit."""
    def per_branch(items_of):
        return {"branches": [{"branch_id": b, "items": items_of(b)} for b in branch_ids]}

    def members(b):
        return [item("committee_complete"), item("term_current"), item("seat_vacancy")]

    def activities(b):
        study = item("study_monthly") if b == 1 else item("study_monthly", False, ["2025年3月、5月无集体学习"], 2)
        return [study, item("contacts_quarterly"), item("bulletin_weekly"), item("theme_day_monthly"),
                item("organization_life_meeting"), item("democratic_review"), item("venue")]

    def welfare(b):
        late = item("visits_on_time", False, ["李秀英 住院走访（应于2025-04-03前）晚 2 天完成"], 1)
        return [item("visits_on_time") if b == 1 else late, item("festival_visits"), item("visits_twice_yearly")]

    def funding(b):
        return [item("dues_paid")]

    names = {1: "第一党支部", 2: "第二党支部", 3: "第三党支部"}
    frame = per_branch(members)
    for branch in frame["branches"]:
        branch["name"] = names[branch["branch_id"]]
    return {
        "members.scorecard_items": frame,
        "activities.scorecard_items": per_branch(activities),
        "welfare.scorecard_items": per_branch(welfare),
        "funding.scorecard_items": dict(per_branch(funding), office=[item("budget_not_overdrawn"), item("funds_assured")]),
    }


def answer(name, query):
    """The fake answer of RPC ``name``."""
    if name in ANNUAL:
        return ANNUAL[name]
    answers = scorecard_answers(tuple(query.get("branch_ids") or (1, 2)))
    return answers[name]

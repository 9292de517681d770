import datetime as dt

from welfare.domain import tasks as domain

ADMITTED = dt.date(2026, 11, 25)


def test_hospital_visit_is_due_the_set_number_of_days_after_admission():
    planned = domain.hospital_visit(7, ADMITTED, "市第一人民医院", due_days=3, branch_id=2)
    assert planned.due_date == dt.date(2026, 11, 28)
    assert domain.hospital_visit(7, ADMITTED, "市第一人民医院", due_days=0).due_date == ADMITTED


def test_hospital_visit_due_date_crosses_month_and_year_ends():
    assert domain.hospital_visit(7, dt.date(2026, 12, 30), "X", due_days=3).due_date == dt.date(2027, 1, 2)


def test_hospital_visit_reason_names_the_hospital_and_the_admission_day():
    planned = domain.hospital_visit(7, ADMITTED, "市第一人民医院", due_days=3)
    assert planned.reason == "住院探望：市第一人民医院（2026-11-25入院）"
    assert planned.cause == "hospitalized"
    assert planned.cause_date == ADMITTED
    assert planned.member_id == 7


def test_cause_key_names_the_cause_not_the_message():
    one = domain.hospital_visit(7, ADMITTED, "市第一人民医院", due_days=3)
    same_stay_other_text = domain.hospital_visit(7, ADMITTED, "第一人民医院", due_days=5)
    assert one.cause_key == same_stay_other_text.cause_key == "hospitalized:7:2026-11-25"
    assert domain.hospital_visit(8, ADMITTED, "X", 3).cause_key != one.cause_key
    assert domain.hospital_visit(7, ADMITTED + dt.timedelta(days=1), "X", 3).cause_key != one.cause_key


def test_an_open_task_is_overdue_only_after_its_due_date():
    due = dt.date(2026, 11, 28)
    assert domain.status_on("open", due, today=due - dt.timedelta(days=1)) == "open"
    assert domain.status_on("open", due, today=due) == "open"  # due today is not overdue
    assert domain.status_on("open", due, today=due + dt.timedelta(days=1)) == "overdue"


def test_done_and_cancelled_tasks_are_never_overdue():
    due = dt.date(2026, 11, 28)
    later = due + dt.timedelta(days=30)
    assert domain.status_on("done", due, later) == "done"
    assert domain.status_on("cancelled", due, later) == "cancelled"


def test_only_an_open_task_can_be_completed():
    assert domain.completion_problem("open") is None
    assert "already done" in domain.completion_problem("done")
    assert "cancelled" in domain.completion_problem("cancelled")


def test_visit_date_is_neither_in_the_future_nor_before_its_cause():
    today = dt.date(2026, 11, 26)
    assert domain.visit_date_problem(today, ADMITTED, today) is None
    assert domain.visit_date_problem(ADMITTED, ADMITTED, today) is None
    assert "future" in domain.visit_date_problem(today + dt.timedelta(days=1), ADMITTED, today)
    assert "before the cause" in domain.visit_date_problem(ADMITTED - dt.timedelta(days=1), ADMITTED, today)


# -- the rules moved out of the handlers ----------------------------------------

def test_only_an_open_task_can_be_reassigned():
    assert domain.reassign_problem("open") is None
    assert "only an open task" in domain.reassign_problem("done")
    assert "only an open task" in domain.reassign_problem("cancelled")


def test_a_visit_kind_defaults_by_cause():
    assert domain.default_visit_kind("hospitalized") == "hospital"
    assert domain.default_visit_kind("discharged") == "home"


def test_only_visit_references_of_funding_name_a_task():
    assert domain.expense_reference_task("visit:12") == 12
    for reference in (None, "", "activity:1", "visit:abc", "visit:0", f"visit:{2**40}"):
        assert domain.expense_reference_task(reference) is None


def test_a_pairing_ended_takes_no_more_work_and_a_helper_never_helps_himself():
    from welfare.domain import pairings

    assert pairings.ended_problem(7) is None
    assert "ended" in pairings.ended_problem(None)
    assert pairings.helper_problem(True, 50, 7) is None
    assert "no such active helper" in pairings.helper_problem(None, None, 7)
    assert "no such active helper" in pairings.helper_problem(False, 50, 7)
    assert "cannot help himself" in pairings.helper_problem(True, 7, 7)
    assert "already has an active pairing" in pairings.pairing_problem(True)
    assert pairings.needs_of({"serious_illness": False, "lives_alone": True, "children_away": True,
                              "hardship": False}) == ["lives_alone", "children_away"]


def test_dates_the_office_types_are_not_in_the_future_nor_before_their_start():
    from welfare.domain.dates import date_problem

    today = dt.date(2026, 11, 26)
    assert date_problem(today, ADMITTED, today, "结束日期") is None
    assert "in the future" in date_problem(today + dt.timedelta(days=1), None, today, "结束日期")
    assert "before 2026-11-25" in date_problem(dt.date(2026, 11, 24), ADMITTED, today, "结束日期")


def test_a_help_case_is_for_the_member_of_its_visit_and_closed_is_final():
    from welfare.domain import help_cases

    assert help_cases.task_member_problem(7, 7) is None
    assert "not the member" in help_cases.task_member_problem(8, 7)
    assert help_cases.help_case_problem("in_progress") is None
    assert "closed" in help_cases.help_case_problem("closed")
    assert (help_cases.status_when_opened("李干事"), help_cases.status_when_opened(None)) == ("in_progress", "open")


def test_an_unknown_festival_is_named():
    from welfare.domain import festivals

    assert festivals.festival_problem("double_ninth") is None
    assert "unknown festival" in festivals.festival_problem("easter")

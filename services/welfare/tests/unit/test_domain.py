import datetime as dt

from welfare import domain

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

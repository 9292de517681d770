"""Events into to-do items, each once; items closed when their work is done; who receives what."""
import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from notifications.models import TodoItem
from wuji_infra import events
from wuji_infra.errors import Conflict, InvalidInput, NotFound

from .conftest import TODAY


def event(event_type, **data):
    return events.new_event(event_type, data, source=events.EVENT_TYPES[event_type][0])


def member(service, member_id=7, name="张三", branch_id=2):
    service.on_member_registered(event(
        "member_registered", member_id=member_id, branch_id=branch_id, name=name, birth_date=dt.date(1940, 5, 1),
        status="active", hardship=False, lives_alone=True, children_away=False, mobility_limited=False,
        org_relation="unit"))


def hospitalized(member_id=7, branch_id=2):
    return event("member_hospitalized", member_id=member_id, health_event_id=100 + member_id, date=TODAY,
                 hospital="市第一人民医院", branch_id=branch_id, birth_date=dt.date(1940, 5, 1), hardship=False,
                 lives_alone=True)


def task_created(task_id=34, member_id=7, cause="hospitalized", due=TODAY + dt.timedelta(days=3), assignee=None,
                 source_event_id=None, branch_id=2):
    return event("visit_task_created", task_id=task_id, member_id=member_id, cause=cause, due_date=due,
                 source_event_id=source_event_id, branch_id=branch_id, assignee=assignee)


def titles(service, **filters):
    return [item["title"] for item in service.list_todos(filters)["items"]]


def items(store):
    with store.read() as session:
        return session.execute(sa.select(TodoItem.__table__).order_by(TodoItem.id)).all()


# -- a hospitalization -----------------------------------------------------------------

def test_a_hospitalization_reaches_the_branch_secretary_and_the_office_once(service, store, as_caller):
    member(service)
    admitted = hospitalized()
    service.on_member_hospitalized(admitted)
    service.on_member_hospitalized(admitted)  # delivered twice
    assert [item.kind for item in items(store)] == ["member_hospitalized"]
    assert titles(as_caller("secretary", branches=[2])) == ["请尽快安排看望张三（党员 #7）"]
    assert titles(as_caller("staff")) == ["请尽快安排看望张三（党员 #7）"]
    assert titles(as_caller("secretary", branches=[3])) == []
    assert titles(as_caller("viewer")) == []
    assert "医院" not in items(store)[0].title  # no hospital, no diagnosis: the words go to a group chat


def test_the_visit_it_made_closes_it_whichever_event_comes_first(service, store, as_caller):
    member(service)
    admitted, other = hospitalized(), hospitalized()
    service.on_member_hospitalized(admitted)
    service.on_visit_task_created(task_created(source_event_id=admitted.event_id))
    assert items(store)[0].due_date == TODAY + dt.timedelta(days=3)
    service.on_visit_completed(event("visit_completed", task_id=34, member_id=7, visited_on=TODAY, cash="0.00",
                                     goods_value="0.00"))
    assert items(store)[0].closed_at is not None
    assert titles(as_caller("staff")) == [] and titles(as_caller("staff"), status="closed") != []
    # the other way round: the visit was done before the hospitalization's news came
    service.on_visit_task_created(task_created(task_id=35, source_event_id=other.event_id))
    service.on_visit_task_cancelled(event("visit_task_cancelled", task_id=35, member_id=7))
    service.on_member_hospitalized(other)
    assert items(store)[1].closed_at is not None
    assert titles(as_caller("staff")) == []


# -- visit tasks ----------------------------------------------------------------------

def test_a_task_reaches_its_assignee_by_username_or_display_name(service, store, as_caller):
    member(service)
    service.on_visit_task_created(task_created(cause="birthday", assignee="王书记", due=TODAY + dt.timedelta(days=5)))
    kinds = {item.kind for item in items(store)}
    assert kinds == {"birthday_visit", "visit_assigned"}
    mine = as_caller("viewer", user="wang").list_todos({}, names=["wang", "王书记"])["items"]
    assert {item["kind"] for item in mine} == {"visit_assigned"}  # birthdays: the secretary and the office
    assert as_caller("viewer", user="li").list_todos({}, names=["li", "李"])["items"] == []
    secretary = titles(as_caller("secretary", branches=[2]))
    assert secretary == ["张三（党员 #7）寿辰（12月12日），请安排看望（走访任务 #34）"]


def test_given_to_someone_else_the_old_assignee_loses_it(service, store, as_caller):
    member(service)
    service.on_visit_task_created(task_created(assignee="wang"))
    service.on_visit_task_assigned(event("visit_task_assigned", task_id=34, member_id=7, due_date=TODAY,
                                         assignee="li", branch_id=2))
    assert as_caller("staff", user="wang").list_todos({}, names=["wang"])["items"] == []
    assert [i["kind"] for i in as_caller("staff", user="li").list_todos({}, names=["li"])["items"]] == ["visit_assigned"]


def test_overdue_stands_for_due_soon_and_goes_to_staff(service, store, as_caller):
    member(service)
    due = TODAY - dt.timedelta(days=1)
    service.on_visit_task_due_soon(event("visit_task_due_soon", task_id=34, member_id=7, cause="hospitalized",
                                         due_date=due, assignee=None, branch_id=2))
    assert titles(as_caller("staff")) == []  # due soon: the assignee and the secretary
    assert titles(as_caller("secretary", branches=[2])) == ["走访任务 #34：看望张三（党员 #7），12月6日到期"]
    service.on_visit_task_overdue(event("visit_task_overdue", task_id=34, member_id=7, cause="hospitalized",
                                        due_date=due, assignee=None, branch_id=2))
    assert titles(as_caller("secretary", branches=[2])) == ["走访任务 #34：看望张三（党员 #7），已逾期（应于12月6日前完成）"]
    assert titles(as_caller("staff")) == titles(as_caller("secretary", branches=[2]))


# -- money, terms, help cases, imports ------------------------------------------------------

def test_a_subsidy_waiting_for_approval_until_it_is_reviewed(service, store, as_caller):
    member(service)
    service.on_subsidy_checked(event("subsidy_checked", check_id=5, member_id=7, cause="hospitalized", eligible=True,
                                     amount="500.00", status="pending_approval"))
    service.on_subsidy_checked(event("subsidy_checked", check_id=6, member_id=7, cause="hospitalized",
                                     eligible=False, amount="0.00", status="not_eligible"))
    assert titles(as_caller("approver")) == ["补助核查 #5：张三（党员 #7）的困难补助待审批"]
    assert titles(as_caller("secretary", branches=[2])) == []
    service.on_subsidy_reviewed(event("subsidy_reviewed", check_id=5, member_id=7, status="approved"))
    assert titles(as_caller("approver")) == []


def test_term_reminders_one_at_a_time_until_the_branch_elects(service, store, as_caller):
    ends = dt.date(2027, 6, 30)
    for reminder in ("6_months", "3_months"):
        service.on_branch_term_expiring(event("branch_term_expiring", branch_id=2, term_id=9, ends_on=ends,
                                              reminder=reminder, branch_name="机关第一党支部"))
    assert titles(as_caller("secretary", branches=[2])) == [
        "机关第一党支部任期将于2027年6月30日届满，距届满不足三个月，请筹备换届"]
    service.on_branch_term_elected(event("branch_term_elected", branch_id=2, term_id=10, starts_on=ends,
                                         ends_on=dt.date(2032, 6, 30)))
    assert titles(as_caller("secretary", branches=[2])) == []


def test_a_help_case_open_too_long_once_and_closed_with_the_case(service, store, as_caller):
    member(service)
    service.on_help_case_opened(event("help_case_opened", case_id=3, member_id=7, opened_on=TODAY - dt.timedelta(days=30),
                                      branch_id=2, assignee=None))
    service.on_help_case_opened(event("help_case_opened", case_id=4, member_id=7, opened_on=TODAY - dt.timedelta(days=29),
                                      branch_id=2, assignee=None))
    service.daily()
    service.daily()
    assert titles(as_caller("staff")) == ["帮扶事项 #3（张三（党员 #7））自2026年11月7日办理至今，尚未办结"]
    service.on_help_case_closed(event("help_case_closed", case_id=3, member_id=7))
    assert titles(as_caller("staff")) == []


def test_a_refused_expense_until_it_is_booked(service, store, as_caller):
    service.on_expense_refused(event("expense_refused", year=2026, category="visits_condolences", amount="300.00",
                                     reason="可用经费不足", reference="visit:12", member_id=None))
    assert titles(as_caller("staff")) == ["支出 300.00 元未能入账：可用经费不足"]
    service.on_expense_booked(event("expense_booked", expense_id=1, year=2026, category="visits_condolences",
                                    amount="300.00", reference="visit:12", member_id=None))
    assert titles(as_caller("staff")) == []


def test_an_import_reaches_who_started_it(service, store, as_caller):
    service.on_member_import_finished(event("member_import_finished", job_id=4, status="done", filename="名册.xlsx",
                                            started_by="zhao", created=120, updated=3, rejected=2))
    assert titles(as_caller("staff", user="zhao")) == ["名册导入完成：名册.xlsx，新增 120 人，更新 3 人，2 行有误待改"]
    assert titles(as_caller("staff", user="qian")) == []


def test_a_withdrawn_member_leaves_every_list(service, store, as_caller):
    member(service)
    service.on_member_hospitalized(hospitalized())
    service.on_member_withdrawn(event("member_withdrawn", member_id=7, branch_id=2,
                                      withdrawn_at=dt.datetime.now(dt.timezone.utc)))
    assert titles(as_caller("staff")) == []


# -- one's own marks ------------------------------------------------------------------------

def test_done_snoozed_and_open_again_for_the_account_alone(service, store, as_caller):
    member(service)
    service.on_member_hospitalized(hospitalized())
    me, colleague = as_caller("staff", user="zhao"), as_caller("staff", user="qian")
    item_id = me.list_todos({})["items"][0]["id"]
    assert me.mark_todo_done(item_id)["status"] == "done"
    assert me.list_todos({})["counts"] == {"open": 0, "snoozed": 0, "done": 1}
    assert colleague.list_todos({})["counts"] == {"open": 1, "snoozed": 0, "done": 0}
    until = TODAY + dt.timedelta(days=2)
    snoozed = me.snooze_todo(item_id, {"until": until.isoformat()})
    assert (snoozed["status"], snoozed["snoozed_until"]) == ("snoozed", until.isoformat())
    assert me.list_todos({"status": "snoozed"})["total"] == 1
    assert me.reopen_todo(item_id)["status"] == "open"
    with pytest.raises(InvalidInput) as refused:
        me.snooze_todo(item_id, {"until": TODAY.isoformat()})
    assert "until" in refused.value.fields
    with pytest.raises(NotFound):
        as_caller("secretary", branches=[3]).mark_todo_done(item_id)


def test_an_item_whose_work_is_done_takes_no_mark(service, store, as_caller):
    service.on_subsidy_checked(event("subsidy_checked", check_id=5, member_id=7, cause="hospitalized", eligible=True,
                                     amount="500.00", status="pending_approval"))
    service.on_subsidy_reviewed(event("subsidy_reviewed", check_id=5, member_id=7, status="rejected"))
    with pytest.raises(Conflict):
        as_caller("staff").mark_todo_done(items(store)[0].id)


# -- the policy ------------------------------------------------------------------------------

def test_the_admin_changes_who_receives_what_and_it_holds_for_open_items(service, store, as_caller):
    member(service)
    service.on_member_hospitalized(hospitalized())
    assert titles(as_caller("approver")) == []
    service.set_notification_policy({"kinds": {"member_hospitalized": {"receivers": ["approver"]}}}, actor="admin")
    assert titles(as_caller("approver")) != [] and titles(as_caller("staff")) == []
    policy = service.get_notification_policy()
    assert (policy["version"], policy["set_by"]) == (1, "admin")
    assert policy["kinds"]["visit_overdue"]["push"] == "immediate"  # the kinds not named keep theirs


def test_health_kinds_never_go_to_viewers_and_a_kind_switched_off_makes_nothing(service, store):
    with pytest.raises(InvalidInput) as refused:
        service.set_notification_policy({"kinds": {"member_hospitalized": {"receivers": ["viewer"]}}})
    assert "kinds.member_hospitalized.receivers" in refused.value.fields
    with pytest.raises(InvalidInput):
        service.set_notification_policy({"quiet_hours": {"start": "9pm", "end": "07:00"}})
    service.set_notification_policy({"kinds": {"member_hospitalized": {"enabled": False}}})
    service.on_member_hospitalized(hospitalized())
    assert items(store) == []

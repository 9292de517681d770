"""To-do lists in the browser: a hospitalization recorded over the API reaches the branch secretary's
待办 (the badge, the list, the dashboard card), 去处理 leads to the member's tasks on the visit board,
暂缓 and 重新打开 move it between tabs, 完成 moves it to 已标记完成; an admin changes who receives what
in 通知设置 (a refused receiver and a bad address said beside them), and reads 推送记录."""
import datetime as dt
import uuid

import pytest
from conftest import eventually, log_in
from playwright.sync_api import expect

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
PASSWORD = "Todo-Secretary-pass-5"


def test_a_hospitalization_on_the_secretarys_list_done_from_the_browser(page, api, shoot):
    branch = api.post("/branches", {"name": f"待办测试支部{uuid.uuid4().hex[:4]}", "unit": "市民政局"}).json()
    born = dt.date(1937, 8, 1)
    member = api.post("/members", {"name": "郑淑芬", "gender": "female", "id_number": id_number_for(born, 611),
                                   "birth_date": born.isoformat(), "branch_id": branch["id"],
                                   "retirement_kind": "tuixiu"}).json()
    username = f"todo.{uuid.uuid4().hex[:6]}"
    made = api.post("/accounts", {"username": username, "password": PASSWORD, "role": "secretary",
                                  "display_name": "郑书记", "branch_ids": [branch["id"]]})
    assert made.status_code == 201, made.text
    recorded = api.post(f"/members/{member['id']}/health-events",
                        {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": "市中心医院"})
    assert recorded.status_code == 201, recorded.text

    log_in(page, username, PASSWORD)
    badge = page.get_by_test_id("todo-badge")
    # the event travels through the broker; the badge counts at each screen
    def counted():
        page.get_by_role("menuitem", name="工作台").click()
        expect(page.locator(".todo-badge sup")).to_have_text("1", timeout=2000)
    eventually(counted, seconds=30, interval=1)
    card = page.get_by_test_id("my-todos")
    expect(card).to_contain_text("请尽快安排看望郑淑芬")
    expect(card).not_to_contain_text("市中心医院")
    shoot(page, "todos-dashboard")

    badge.click()
    row = page.locator(".el-table__row", has=page.get_by_test_id("todo-title"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("尽快探望")
    expect(page.get_by_role("tab", name="待办（1）")).to_be_visible()
    shoot(page, "todos-list")

    row.get_by_test_id("todo-go").click()
    page.wait_for_url(f"**/#/care?tab=visits&member_id={member['id']}")
    expect(page.locator(".el-table__row", has_text="郑淑芬").first).to_be_visible()
    expect(page.locator(".el-table__row").filter(has_not_text="郑淑芬")).to_have_count(0)  # hers only

    badge.click()
    row = page.locator(".el-table__row", has=page.get_by_test_id("todo-title"))
    row.get_by_test_id("todo-snooze").click()
    dialog = page.get_by_role("dialog", name="暂缓待办")
    three_days_on = TODAY + dt.timedelta(days=3)
    expect(dialog.get_by_role("combobox", name="暂缓到哪天")).to_have_value(three_days_on.isoformat())
    dialog.get_by_role("button", name="暂缓", exact=True).click()
    expect(page.get_by_text("已暂缓至").first).to_be_visible()
    expect(page.get_by_role("tab", name="待办（0）")).to_be_visible()
    page.get_by_role("tab", name="暂缓（1）").click()
    snoozed = page.locator(".el-table__row", has_text="请尽快安排看望郑淑芬")
    expect(snoozed).to_contain_text(f"暂缓至 {three_days_on.year}年{three_days_on.month}月{three_days_on.day}日")
    snoozed.get_by_test_id("todo-reopen").click()
    expect(page.get_by_role("tab", name="待办（1）")).to_be_visible()
    page.get_by_role("tab", name="待办（1）").click()

    page.locator(".el-table__row", has=page.get_by_test_id("todo-title")).get_by_test_id("todo-done").click()
    expect(page.get_by_text("已标记完成").first).to_be_visible()
    page.get_by_role("tab", name="已标记完成（1）").click()
    expect(page.locator(".el-table__row", has_text="请尽快安排看望郑淑芬")).to_have_count(1)
    expect(page.locator(".todo-badge sup")).to_be_hidden()

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table scrolls sideways
    page.reload()
    page.get_by_role("tab", name="全部").click()
    expect(page.locator(".el-table__row", has_text="请尽快安排看望郑淑芬")).to_have_count(1)
    shoot(page, "todos-phone")


def test_the_admin_sets_who_receives_what_and_reads_the_delivery_log(page, shoot):
    log_in(page)
    page.get_by_role("menuitem", name="通知设置").click()
    kinds = page.get_by_test_id("policy-kinds")
    expect(kinds).to_contain_text("困难补助待审批")

    # a hospitalization tells of health: 领导查阅 may not receive it, said on its row
    kinds.locator(".el-table__row", has_text="尽快探望").locator(".el-select__wrapper").first.click()
    page.locator(".el-select-dropdown__item:visible", has_text="领导查阅").click()
    page.keyboard.press("Escape")
    page.get_by_test_id("policy-save").click()
    expect(page.get_by_test_id("kind-error-member_hospitalized")).to_contain_text("不能查看健康信息")
    expect(page.get_by_text("请看标红的地方")).to_be_visible()
    shoot(page, "notifications-policy-refused")
    page.reload()
    page.get_by_test_id("webhook-url").fill("不是网址")
    page.get_by_test_id("policy-save").click()
    expect(page.locator(".el-form-item", has=page.get_by_test_id("webhook-url")).locator(".el-form-item__error")).to_be_visible()
    page.reload()

    kinds = page.get_by_test_id("policy-kinds")
    row = kinds.locator(".el-table__row", has_text="节日慰问任务已生成")
    row.locator(".el-select__wrapper").last.click()
    page.locator(".el-select-dropdown__item:visible", has_text="立即推送").first.click()
    shoot(page, "notifications-policy")
    page.get_by_test_id("policy-save").click()
    expect(page.get_by_text("通知设置已保存")).to_be_visible()
    page.reload()
    row = page.get_by_test_id("policy-kinds").locator(".el-table__row", has_text="节日慰问任务已生成")
    expect(row).to_contain_text("立即推送")
    expect(page.get_by_text("由 admin 于")).to_be_visible()

    page.get_by_test_id("policy-test").click()  # no channel in this system: said plainly
    expect(page.get_by_text("尚未配置推送渠道")).to_be_visible()
    page.get_by_role("tab", name="推送记录").click()
    expect(page.get_by_text("还没有推送")).to_be_visible()
    shoot(page, "notifications-deliveries")

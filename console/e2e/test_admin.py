"""The office's other screens in the browser: accounts (a secretary sees only their branch), a
subsidy approved by staff, a member withdrawn as entered in error, a festival batch generated
after its preview; and a screenshot of each new screen (desktop, and a few at phone width)."""
import datetime as dt
import itertools
import re
import uuid

import pytest
from conftest import eventually, log_in
from playwright.sync_api import expect

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()
SECRETARY_PASSWORD = "Branch-Secretary-pass-7"
STAFF_PASSWORD = "Office-Staff-pass-8"
_sequence = itertools.count(301)


def choose(page, within, select_label, option):
    """Pick ``option`` in the Element Plus select labelled ``select_label`` in ``within``."""
    within.locator(".el-select__wrapper").filter(has=page.get_by_label(select_label)).first.click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def new_branch(api, name):
    answer = api.post("/branches", {"name": f"{name}{uuid.uuid4().hex[:4]}", "unit": "市民政局"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_member(api, branch, name, born=dt.date(1940, 6, 1), **more):
    data = {"name": name, "gender": "male", "id_number": id_number_for(born, next(_sequence)),
            "birth_date": born.isoformat(), "branch_id": branch["id"], "retirement_kind": "tuixiu", **more}
    answer = api.post("/members", data)
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_page(browser, system, phone=False):
    if phone:
        context = browser.new_context(base_url=system.base_url, viewport={"width": 390, "height": 844},
                                      device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    else:
        context = browser.new_context(base_url=system.base_url, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15000)
    return context.new_page()


def open_tab(page, screen, tab):
    page.get_by_role("menuitem", name=screen).click()
    page.get_by_role("tab", name=tab, exact=True).click()


def test_a_secretary_account_sees_only_its_branch(page, api, browser, system, shoot):
    mine, other = new_branch(api, "第一离休支部"), new_branch(api, "第二退休支部")
    new_member(api, mine, "赵书文")
    new_member(api, other, "钱其他")

    log_in(page)
    page.get_by_role("menuitem", name="账号管理").click()
    expect(page.get_by_role("heading", name="账号管理")).to_be_visible()
    page.get_by_test_id("new-account").click()
    dialog = page.get_by_role("dialog", name="新建账号")
    dialog.get_by_label("用户名（登录用，字母或数字）").fill("zhao.secretary")
    dialog.get_by_label("初始密码（至少10位）").fill(SECRETARY_PASSWORD)
    dialog.get_by_label("姓名").fill("赵书记")
    dialog.get_by_text("支部书记", exact=True).click()
    choose(page, dialog, "党支部", mine["name"])
    dialog.locator(".el-dialog__title").click()  # close the dropdown
    shoot(page, "admin-01-new-account")
    page.get_by_test_id("save-account").click()
    expect(page.locator(".paged-table")).to_contain_text("zhao.secretary")
    [account] = [a for a in api.get("/accounts", params={"page_size": 100}).json()["items"] if a["username"] == "zhao.secretary"]
    assert account["role"] == "secretary" and account["branch_ids"] == [mine["id"]]
    shoot(page, "admin-02-accounts")

    page.get_by_role("tab", name="审计日志", exact=True).click()
    expect(page.locator("#pane-audit .paged-table")).to_contain_text("新建账号")
    shoot(page, "admin-03-audit-log")

    secretary = new_page(browser, system)
    log_in(secretary, "zhao.secretary", SECRETARY_PASSWORD)
    expect(secretary.get_by_test_id("account")).to_contain_text("支部书记")
    expect(secretary.get_by_role("menuitem", name="账号管理")).to_have_count(0)
    secretary.get_by_role("menuitem", name="党员名册").click()
    roster = secretary.locator(".paged-table")
    expect(roster).to_contain_text("赵书文")
    expect(roster).not_to_contain_text("钱其他")
    shoot(secretary, "admin-04-secretary-roster")
    secretary.context.close()


def test_staff_approve_a_subsidy_check(api, browser, system, shoot):
    branch = new_branch(api, "第三离休支部")
    member = new_member(api, branch, "孙补助", hardship=True, lives_alone=True)
    assert api.post("/funding/budgets", {"year": TODAY.year, "source": "dues_rebate", "amount": "20000.00"}).status_code == 201
    assert api.post("/accounts", {"username": "sun.staff", "password": STAFF_PASSWORD, "role": "staff",
                                  "display_name": "孙干事"}).status_code == 201
    health = api.post(f"/members/{member['id']}/health-events", {"kind": "hospitalized", "date": TODAY.isoformat(), "hospital": "市人民医院"})
    assert health.status_code == 201, health.text

    def pending():
        checks = api.get("/subsidy-checks", params={"member_id": member["id"]}).json()["items"]
        assert checks and checks[0]["status"] == "pending_approval", checks
    eventually(pending)

    page = new_page(browser, system)
    log_in(page, "sun.staff", STAFF_PASSWORD)
    open_tab(page, "经费", "补助审批")
    row = page.locator("#pane-subsidies .el-table__row", has_text="孙补助").first
    expect(row).to_be_visible()
    row.get_by_role("button", name="批准").click()
    page.get_by_role("dialog", name="批准补助").get_by_role("button", name="批准").click()
    expect(page.get_by_text("已批准并记账")).to_be_visible()
    [check] = api.get("/subsidy-checks", params={"member_id": member["id"]}).json()["items"]
    assert check["status"] == "approved" and check["reviewed_by"] == "sun.staff"

    # the money screens the staff use: the expense the approval booked, and its detail
    page.get_by_role("tab", name="支出", exact=True).click()
    expense = page.locator("#pane-expenses .el-table__row", has_text="困难党员补助").first
    expect(expense).to_be_visible()
    shoot(page, "admin-05-expenses")
    expense.get_by_test_id("open-expense").click()
    expect(page.get_by_role("dialog", name=re.compile("支出："))).to_contain_text("党费返还")
    shoot(page, "admin-06-expense-detail")
    page.get_by_test_id("reverse-expense").click()
    expect(page.get_by_test_id("confirm-reverse")).to_be_disabled()  # the reason is required
    page.get_by_role("dialog", name=re.compile("冲销：")).get_by_label("冲销原因").fill("补助金额有误，重新核查")
    page.get_by_test_id("confirm-reverse").click()
    detail = page.get_by_role("dialog", name=re.compile("支出："))
    expect(detail).to_contain_text("已冲销：补助金额有误，重新核查")
    expect(page.get_by_test_id("reverse-expense")).to_have_count(0)
    assert api.get(f"/funding/expenses/{check['expense_id']}").json()["reversal"]["reason"] == "补助金额有误，重新核查"
    detail.get_by_role("button", name="关闭", exact=True).click()
    expect(page.locator("#pane-expenses .paged-table")).to_contain_text("冲销支出")

    page.get_by_role("tab", name="预算", exact=True).click()
    expect(page.locator("#pane-budgets .paged-table")).to_contain_text("20,000.00")
    shoot(page, "admin-07-budgets")
    page.get_by_role("tab", name="未入账支出", exact=True).click()
    expect(page.locator("#pane-refused .el-table")).to_be_visible()
    shoot(page, "admin-08-refused-expenses")
    page.get_by_role("tab", name="经费政策", exact=True).click()
    expect(page.get_by_test_id("funding-policy")).to_contain_text("困难党员补助")
    expect(page.get_by_test_id("edit-policy")).to_have_count(0)  # staff read it; only an admin changes it
    shoot(page, "admin-09-funding-policy")
    page.get_by_role("tab", name="党费标准", exact=True).click()
    page.get_by_test_id("fix-dues").click()
    expect(page.get_by_test_id("dues-fixed")).to_contain_text(f"{TODAY.year}年")
    shoot(page, "admin-10-dues-rates")
    page.get_by_role("tab", name="欠缴党费", exact=True).click()
    expect(page.locator("#pane-arrears .el-table")).to_be_visible()
    shoot(page, "admin-11-arrears")
    page.context.close()


def test_a_member_withdrawn_with_a_reason_is_gone_from_the_roster(page, api, browser, system, shoot):
    branch = new_branch(api, "第四退休支部")
    member = new_member(api, branch, "李误录")
    log_in(page)
    page.goto(f"/#/members/{member['id']}")
    expect(page.get_by_role("heading", name=re.compile("李误录"))).to_be_visible()

    page.get_by_test_id("record-honor").click()
    honor = page.get_by_role("dialog", name=re.compile("记录表彰"))
    honor.get_by_label("荣誉称号").fill("优秀共产党员")
    page.get_by_test_id("save-honor").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("优秀共产党员")
    page.get_by_test_id("record-social").click()
    social = page.get_by_role("dialog", name=re.compile("记录社会职务"))
    social.get_by_label("社会职务").fill("社区关工委顾问")
    social.get_by_label("聘任单位").fill("西湖街道")
    page.get_by_test_id("save-social").click()
    expect(page.get_by_test_id("social-roles")).to_contain_text("社区关工委顾问")
    shoot(page, "admin-12-member-actions")

    page.get_by_test_id("withdraw-member").click()
    withdraw = page.get_by_role("dialog", name=re.compile("撤销误录"))
    expect(page.get_by_test_id("save-withdraw")).to_be_disabled()  # the reason is required
    withdraw.get_by_label("撤销原因").fill("重复登记，已有此人")
    shoot(page, "admin-13-withdraw-dialog")
    page.get_by_test_id("save-withdraw").click()
    banner = page.get_by_test_id("withdrawn-banner")
    expect(banner).to_contain_text("重复登记，已有此人")
    expect(banner).to_contain_text("admin")
    expect(page.get_by_test_id("record-health")).to_have_count(0)
    expect(page.get_by_test_id("withdraw-member")).to_have_count(0)
    shoot(page, "admin-14-withdrawn-banner")
    assert api.get(f"/members/{member['id']}").json()["withdrawn"]["reason"] == "重复登记，已有此人"

    page.get_by_role("menuitem", name="党员名册").click()
    page.get_by_label("查找姓名或身份证号").fill("李误录")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".paged-table")).to_contain_text("没有记录")

    phone = new_page(browser, system, phone=True)
    log_in(phone)
    phone.goto(f"/#/members/{member['id']}")
    expect(phone.get_by_test_id("withdrawn-banner")).to_be_visible()
    shoot(phone, "admin-15-phone-withdrawn-member")
    phone.goto("/#/accounts")
    expect(phone.get_by_role("heading", name="账号管理")).to_be_visible()
    shoot(phone, "admin-16-phone-accounts")
    phone.context.close()


def test_a_festival_batch_is_generated_after_its_preview(page, api, shoot):
    branch = new_branch(api, "第五离休支部")
    member = new_member(api, branch, "周重阳", born=dt.date(1925, 9, 9))
    assert api.post("/visitors", {"name": "吴走访", "role": "staff", "pairs": True}).status_code == 201

    def welfare_knows_her():  # the preview answers from welfare's copy of the roster
        answer = api.post("/festival-batches", {"festival": "double_ninth", "year": TODAY.year + 1, "dry_run": True})
        assert member["id"] in [m["member_id"] for m in answer.json()["members"]], answer.text
    eventually(welfare_knows_her)

    log_in(page)
    open_tab(page, "关爱", "节日慰问")
    page.get_by_label("年度").fill(str(TODAY.year + 1))
    page.get_by_label("年度").press("Enter")
    card = page.get_by_test_id("festival-double_ninth")
    expect(card).to_contain_text(f"{TODAY.year + 1}年重阳节")
    shoot(page, "admin-17-festivals")
    card.get_by_test_id("festival-batch").click()
    preview = page.get_by_test_id("festival-preview")
    expect(preview).to_contain_text("按这条规则选中")
    dialog = page.get_by_role("dialog", name=re.compile("重阳节慰问任务"))
    expect(dialog).to_contain_text("周重阳")
    expect(dialog).to_contain_text("吴走访")
    shoot(page, "admin-18-festival-preview")
    assert [t for t in api.get("/visit-tasks", params={"member_id": member["id"]}).json()["items"] if t["cause"] == "festival"] == []

    page.get_by_test_id("confirm-festival-batch").click()
    expect(page.get_by_test_id("festival-result")).to_contain_text("已生成")
    expect(page.get_by_test_id("festival-result")).to_contain_text("吴走访")
    shoot(page, "admin-19-festival-result")
    [task] = [t for t in api.get("/visit-tasks", params={"member_id": member["id"]}).json()["items"] if t["cause"] == "festival"]
    assert task["assignee"] == "吴走访" or task["assignee"]
    page.get_by_role("dialog", name=re.compile("重阳节慰问任务")).get_by_role("button", name="关闭", exact=True).click()

    # the other care screens: visitors, and a pairing made from the list of unpaired members
    page.get_by_role("tab", name="走访人员", exact=True).click()
    expect(page.locator("#pane-visitors .paged-table")).to_contain_text("吴走访")
    shoot(page, "admin-20-visitors")
    lonely = new_member(api, branch, "郑独居", lives_alone=True)
    page.get_by_role("tab", name="结对帮扶", exact=True).click()

    def unpaired_listed():
        page.get_by_role("tab", name="走访人员", exact=True).click()
        page.get_by_role("tab", name="结对帮扶", exact=True).click()
        expect(page.locator("#pane-pairings")).to_contain_text("郑独居", timeout=2000)
    eventually(unpaired_listed)
    page.locator("#pane-pairings .el-table__row", has_text="郑独居").first.get_by_role("button", name="为其结对").click()
    pairing = page.get_by_role("dialog", name="新建结对")
    choose(page, pairing, "帮扶人", "吴走访")
    page.get_by_test_id("save-pairing").click()
    expect(page.get_by_text("已结对")).to_be_visible()
    [made] = api.get("/pairings", params={"member_id": lonely["id"]}).json()["items"]
    assert made["reason"] == "lives_alone" and made["helper_name"] == "吴走访"
    expect(page.locator("#pane-pairings .paged-table").first).to_contain_text("郑独居")
    shoot(page, "admin-21-pairings")


def test_an_admin_changes_the_funding_policy_with_a_form(page, api, shoot):
    log_in(page)
    open_tab(page, "经费", "经费政策")
    page.get_by_test_id("edit-policy").click()
    dialog = page.get_by_role("dialog", name="修改经费政策")
    dialog.get_by_label("党费返还比例（0到1，如 0.5）").fill("0.6")
    dialog.get_by_label("修改说明").fill("按新文件调整返还比例")
    shoot(page, "admin-22-policy-form")
    dialog.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_test_id("funding-policy")).to_contain_text("60%")
    expect(page.get_by_test_id("funding-policy")).to_contain_text("按新文件调整返还比例")
    expect(page.locator("#pane-policy .paged-table")).to_contain_text("按新文件调整返还比例")
    policy = api.get("/funding/policy").json()
    assert policy["dues_rebate_ratio"] == "0.6000" and policy["created_by"] == "admin"

"""A day at the office in the console: log in, register a member, record a hospitalization and
see the visit task on the board, complete it, collect a branch's dues, download the report."""
import datetime as dt
import io
import re
import zipfile

import pytest
from conftest import eventually, log_in
from playwright.sync_api import expect

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def branch(api):
    answer = api.post("/branches", {"name": "机关第一离退休干部党支部", "unit": "市教育局"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def choose(page, within, select_label, option):
    """Pick ``option`` in the Element Plus select labelled ``select_label`` in ``within``."""
    within.locator(".el-select__wrapper").filter(has=page.get_by_label(select_label)).first.click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def test_a_day_at_the_office(page, api, branch, shoot):
    log_in(page)
    expect(page.get_by_test_id("account")).to_contain_text("管理员")
    shoot(page, "01-dashboard")

    # register a member
    page.get_by_role("link", name="党员名册").or_(page.get_by_role("menuitem", name="党员名册")).first.click()
    page.get_by_test_id("add-member").click()
    dialog = page.get_by_role("dialog", name="新增党员")
    dialog.get_by_label("姓名").fill("王建国")
    dialog.get_by_label("身份证号").fill(id_number_for(dt.date(1941, 3, 5), 11))
    dialog.get_by_label("身份证号").press("Tab")  # the birth date and the gender come from the number
    expect(dialog.get_by_label("出生日期")).to_have_value("1941-03-05")
    choose(page, dialog, "党支部", branch["name"])
    dialog.get_by_text("退休", exact=True).click()
    dialog.get_by_label("每月养老金（元）").fill("4800.00")
    dialog.get_by_text("独居").click()
    shoot(page, "02-member-form")
    page.get_by_test_id("save-member").click()
    expect(page.get_by_role("heading", name=re.compile("王建国"))).to_be_visible()
    member_id = int(re.search(r"/members/(\d+)", page.url).group(1))
    assert api.get(f"/members/{member_id}").json()["gender"] == "male"

    # a hospitalization: recorded once, the visit task follows by itself
    page.get_by_test_id("record-health").click()
    health = page.get_by_role("dialog", name=re.compile("记录健康情况"))
    health.get_by_label("医院").fill("市第一人民医院")
    page.get_by_test_id("save-health-event").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("住院")
    shoot(page, "03-member-page")

    page.get_by_role("menuitem", name="关爱").click()
    board = page.locator(".paged-table")

    def task_on_board():
        page.get_by_role("button", name="查询").click()
        expect(board).to_contain_text("王建国", timeout=2000)
    eventually(task_on_board)
    expect(board).to_contain_text("住院探望")
    shoot(page, "04-visit-board")

    # other tests of the session leave open tasks on the board too: the row of this member
    board.locator(".el-table__row", has_text="王建国").first.get_by_test_id("complete-visit").click()
    visit = page.get_by_role("dialog", name=re.compile("完成走访"))
    visit.get_by_label("走访人（多人用顿号分开）").fill("李明")
    visit.get_by_label("情况记录").fill("精神尚好，家属陪护")
    visit.get_by_label("慰问金（元）").fill("300.00")
    page.get_by_test_id("save-visit").click()
    expect(page.get_by_text("走访已记录")).to_be_visible()
    [task] = api.get("/visit-tasks", params={"member_id": member_id}).json()["items"]
    assert task["status"] == "done" and task["visit"]["visitors"] == ["李明"]

    # a branch's dues of the month, in one screen and one press
    def fixed():
        answer = api.post("/funding/dues/rates", {"year": dt.date.today().year})
        assert answer.status_code == 200 and (answer.json()["fixed"] or answer.json()["already_fixed"]), answer.text
    eventually(fixed)
    page.get_by_role("menuitem", name="经费").click()
    page.get_by_role("tab", name="党费收缴").click()
    choose(page, page.locator("#pane-dues"), "党支部", branch["name"])
    expect(page.get_by_test_id("dues-summary")).to_contain_text("应缴未缴 1 人")
    page.get_by_role("button", name="全部勾选").click()
    shoot(page, "05-dues")
    page.get_by_test_id("collect-dues").click()
    expect(page.get_by_test_id("dues-summary")).to_contain_text("应缴未缴 0 人")
    paid = api.get("/funding/dues/payments", params={"year": dt.date.today().year, "member_id": member_id}).json()
    assert [p["month"] for p in paid["items"]] == [dt.date.today().month]
    with page.expect_download() as sheet:  # the month's dues sheet, for a treasurer's paper records
        page.get_by_role("button", name="下载本月收缴表").click()
    assert sheet.value.suggested_filename.endswith("党费收缴表.xlsx")
    with zipfile.ZipFile(sheet.value.path()) as workbook:
        assert "xl/worksheets/sheet1.xml" in workbook.namelist()

    # the yearly report: figures on the screen, the Word file downloaded
    page.get_by_role("menuitem", name="报表").click()
    expect(page.get_by_test_id("annual-figures")).to_contain_text("离退休干部党员")
    shoot(page, "06-report")
    with page.expect_download() as download:
        page.get_by_test_id("download-docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as document:
        assert "word/document.xml" in document.namelist()
        assert "离退休干部党员" in document.read("word/document.xml").decode("utf-8")


def test_on_a_phone_the_menu_opens_from_a_button_and_the_type_grows(browser, system, shoot):
    context = browser.new_context(base_url=system.base_url, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    log_in(page)
    expect(page.get_by_role("button", name="打开菜单")).to_be_visible()
    shoot(page, "07-phone-dashboard")
    size = page.evaluate("getComputedStyle(document.body).fontSize")
    page.locator(".el-switch", has=page.get_by_role("switch", name="特大字")).click()
    assert float(page.evaluate("getComputedStyle(document.body).fontSize")[:-2]) > float(size[:-2])
    page.get_by_role("button", name="打开菜单").click()
    page.get_by_role("menuitem", name="党员名册").click()
    expect(page.get_by_role("heading", name="党员名册")).to_be_visible()
    shoot(page, "08-phone-roster-larger-type")
    context.close()


def test_a_wrong_password_says_so_in_chinese(page):
    page.goto("/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".el-alert")).to_contain_text("用户名或密码")


def test_a_person_changes_their_password_and_stays_logged_in(page, api, shoot):
    answer = api.post("/accounts", {"username": "zhou.staff", "password": "Zhou-first-pass-1", "role": "staff",
                                     "display_name": "周干事"})
    assert answer.status_code == 201, answer.text
    log_in(page, "zhou.staff", "Zhou-first-pass-1")
    page.get_by_role("button", name="修改密码").click()
    dialog = page.get_by_role("dialog", name="修改密码")
    dialog.get_by_label("当前密码").fill("Zhou-first-pass-1")
    dialog.get_by_label(re.compile("^新密码")).fill("Zhou-second-pass-2")
    dialog.get_by_label("再输入一次新密码").fill("Zhou-second-pass-3")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.get_by_text("两次输入的新密码不一致")).to_be_visible()
    dialog.get_by_label("再输入一次新密码").fill("Zhou-second-pass-2")
    dialog.get_by_role("button", name="保存").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()
    page.get_by_role("menuitem", name="党员名册").click()  # the new token works: no return to the login
    expect(page.get_by_role("heading", name="党员名册")).to_be_visible()
    assert "login" not in page.url

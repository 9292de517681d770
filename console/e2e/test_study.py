"""学习与活动 and 党支部 in the console: a study session recorded by ticking names (one left
unticked), the absentee seen and caught up by 送学上门; a branch's coverage gaps, a contact
recorded and the gap closed; each tab and the branch page shot at desktop width, one at a phone's."""
import datetime as dt
import re

import pytest
from conftest import eventually, log_in
from playwright.sync_api import expect

from members.domain.roster import id_number_for

pytestmark = pytest.mark.e2e

PEOPLE = [("张学文", dt.date(1943, 4, 2), 31, "male", False), ("李联系", dt.date(1946, 8, 9), 32, "female", False),
          ("王送学", dt.date(1939, 1, 20), 33, "male", True)]


@pytest.fixture(scope="module")
def studied(api):
    """A branch of three members, its committee elected, known to the activities service."""
    answer = api.post("/branches", {"name": "学习测试党支部", "unit": "市文化局"})
    assert answer.status_code == 201, answer.text
    branch = answer.json()
    ids = {}
    today = dt.date.today()
    for name, born, sequence, gender, housebound in PEOPLE:
        # the secretary counts from New Year: the months before this one without a session are missing
        answer = api.post("/members", {"name": name, "gender": gender, "id_number": id_number_for(born, sequence),
                                       "birth_date": born.isoformat(), "branch_id": branch["id"],
                                       "retirement_kind": "tuixiu", "mobility_limited": housebound,
                                       "specialties": ["书法"] if name == "张学文" else [], "willing_to_serve": True,
                                       **({"counts_from": f"{today.year}-01-01"} if name == "张学文" else {})})
        assert answer.status_code == 201, answer.text
        ids[name] = answer.json()["id"]
    answer = api.post(f"/branches/{branch['id']}/terms", {"starts_on": "2024-01-01", "committee": [
        {"member_id": ids["张学文"], "role": "secretary"}, {"member_id": ids["李联系"], "role": "organization"}]})
    assert answer.status_code == 201, answer.text

    def known():
        coverage = api.get("/contacts/coverage", params={"branch_id": branch["id"]}).json()
        assert coverage["total"] == 3, coverage
    eventually(known)
    # what the other tabs list (their forms are the same shapes as those driven below)
    day = today.isoformat()
    for path, body in (
            ("/activities", {"branch_id": branch["id"], "kind": "red_education_visit", "date": day, "title": "参观革命纪念馆",
                             "place": "市革命纪念馆", "organizer": "张学文", "participants": list(ids.values()), "cost": "300.00"}),
            ("/bulletins", {"branch_id": branch["id"], "number": 1, "date": day,
                            "items": [{"title": "党章学习要点", "kind": "article", "text": "第一章 党员"}], "reach_online": 3}),
            ("/review-meetings", {"kind": "lunzheng", "topic": "老城区改造方案", "date": day, "organizer": "市住建局",
                                  "participants": [{"member_id": ids["张学文"], "advice": "保留老街风貌"}]}),
            ("/branch-meetings", {"branch_id": branch["id"], "kind": "theme_day", "date": day, "topic": "重温入党誓词",
                                  "participants": list(ids.values())}),
            ("/venues", {"branch_id": branch["id"], "name": "老干部活动中心", "address": "文化路1号", "since": "2024-01-01"})):
        answer = api.post(path, body)
        assert answer.status_code == 201, (path, answer.text)
    return branch, ids


def choose(page, within, select_label, option):
    within.locator(".el-select__wrapper").filter(has=page.get_by_label(select_label)).first.click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def open_tab(page, name):
    page.get_by_role("tab", name=name).click()
    page.wait_for_load_state("networkidle")


def test_study_attendance_catch_up_and_contact_coverage(page, api, studied, shoot):
    branch, ids = studied
    log_in(page)
    page.get_by_role("menuitem", name="学习与活动").click()
    expect(page.get_by_role("heading", name="学习与活动")).to_be_visible()

    # a session: every member ticked, 王送学 unticked
    page.get_by_test_id("record-session").click()
    dialog = page.get_by_role("dialog", name="记录集体学习")
    choose(page, dialog, "党支部", branch["name"])
    expect(dialog.get_by_test_id("ticked-count")).to_have_text("3")
    dialog.get_by_label("学习主题").fill("学习党章")
    dialog.get_by_label("学习材料（一行一份）").fill("《中国共产党章程》")
    dialog.locator(".el-checkbox", has_text="王送学").click()
    expect(dialog.get_by_test_id("ticked-count")).to_have_text("2")
    shoot(page, "study-01-record-session")
    page.get_by_test_id("save-session").click()

    # the session's detail opens: the absentee, not caught up yet
    detail = page.get_by_role("dialog", name=re.compile("集体学习：学习党章"))
    absentees = detail.get_by_test_id("absentees")
    expect(absentees).to_contain_text("王送学")
    expect(absentees).to_contain_text("尚未补学")
    expect(absentees).not_to_contain_text("李联系")
    shoot(page, "study-02-session-absentee")

    # 送学上门: who took the material
    detail.get_by_test_id("record-catch-up").click()
    catch_up = page.get_by_role("dialog", name="记录补学：王送学")
    catch_up.get_by_text("送学上门", exact=True).click()
    catch_up.get_by_label("送学人").fill("李联系")
    page.get_by_test_id("save-catch-up").click()
    expect(absentees).to_contain_text("送学上门")
    expect(absentees).to_contain_text("李联系")
    [absence] = api.get("/study-absences", params={"member_id": ids["王送学"]}).json()["items"]
    assert (absence["catch_up_method"], absence["catch_up_by"]) == ("home_delivery", "李联系")
    detail.get_by_role("button", name="关闭").last.click()
    expect(page.locator(".paged-table")).to_contain_text("学习党章")
    shoot(page, "study-03-sessions")

    open_tab(page, "缺学名单")
    page.get_by_text("已补学", exact=True).click()
    expect(page.locator("#pane-absences .paged-table")).to_contain_text("王送学")
    shoot(page, "study-04-absences")
    open_tab(page, "学习达标")
    row = page.get_by_test_id("compliance-row").filter(has_text=branch["name"])
    expect(row).to_contain_text("已学习 1 个月")
    if dt.date.today().month > 1:
        expect(row).to_contain_text(f"缺 {dt.date.today().month - 1} 个月")
        expect(row.locator(".month.missing")).to_have_count(dt.date.today().month - 1)
    shoot(page, "study-05-compliance")

    # 三个联系: the branch's three members not contacted; one contact closes one gap
    open_tab(page, "三个联系")
    coverage = page.get_by_test_id("coverage")
    choose(page, coverage, "党支部", branch["name"])
    card = coverage.get_by_test_id("coverage-card").filter(has_text=branch["name"])
    expect(coverage.get_by_test_id("coverage-card")).to_have_count(1)
    expect(card).to_contain_text("3 人")
    gaps = coverage.locator(".paged-table")
    expect(gaps).to_contain_text("李联系")
    expect(gaps).to_contain_text("从未联系")
    shoot(page, "study-06-contacts-gaps")
    gaps.locator("tr", has_text="李联系").get_by_test_id("contact-now").click()
    contact = page.get_by_role("dialog", name="记录联系：李联系")
    contact.get_by_label("联系人").fill("张学文")
    contact.get_by_text("电话", exact=True).click()
    contact.get_by_label("思想").fill("思想稳定，关心时事")
    page.get_by_test_id("save-contact").click()
    expect(gaps).not_to_contain_text("李联系")
    expect(card).to_contain_text("2 人")
    expect(page.get_by_test_id("contact-list")).to_contain_text("思想稳定")
    [logged] = api.get("/contacts", params={"member_id": ids["李联系"]}).json()["items"]
    assert (logged["channel"], logged["contact_by"]) == ("phone", "张学文")
    shoot(page, "study-07-contacts-closed")

    for name, shot in (("活动", "study-08-activities"), ("学习简报", "study-09-bulletins"),
                       ("论证评审会", "study-10-reviews"), ("组织生活", "study-11-organization-life")):
        open_tab(page, name)
        if name == "学习简报":
            choose(page, page.locator("#pane-bulletins .filters"), "党支部", branch["name"])
            expect(page.get_by_test_id("bulletin-gaps")).to_contain_text("周没有出简报")
        shoot(page, shot)


def test_the_branch_page_shows_its_committee_and_refuses_a_withdrawal_while_members_remain(page, studied, shoot):
    branch, ids = studied
    log_in(page)
    page.get_by_role("menuitem", name="党支部").click()
    listed = page.locator(".paged-table")
    expect(listed).to_contain_text(branch["name"])
    expect(listed.locator("tr", has_text=branch["name"]).get_by_test_id("term")).to_contain_text("2026年12月31日届满")
    shoot(page, "branch-01-list")
    listed.get_by_role("link", name=branch["name"]).click()
    expect(page.get_by_role("heading", name=re.compile(branch["name"]))).to_be_visible()
    committee = page.get_by_test_id("committee")
    expect(committee).to_contain_text("书记")
    expect(committee.get_by_role("link", name="张学文")).to_be_visible()
    shoot(page, "branch-02-page")

    page.get_by_test_id("withdraw-branch").click()
    withdrawal = page.get_by_role("dialog", name=re.compile("撤销误录"))
    page.get_by_test_id("confirm-withdraw").click()
    expect(withdrawal).to_contain_text("请写明撤销的原因")
    withdrawal.get_by_label("撤销的原因").fill("名称录错")
    page.get_by_test_id("confirm-withdraw").click()
    expect(withdrawal.locator(".el-form-item__error")).to_contain_text("党员")
    shoot(page, "branch-03-withdrawal-refused")

    page.keyboard.press("Escape")
    page.get_by_role("menuitem", name="党支部").click()
    page.get_by_role("tab", name="人才查找").click()
    expect(page.locator("#pane-talent .paged-table").first).to_contain_text("张学文")
    shoot(page, "branch-04-talent")


def test_on_a_phone_the_contacts_tab_reads_in_one_column(browser, system, studied, shoot):
    branch, _ = studied
    context = browser.new_context(base_url=system.base_url, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    log_in(page)
    page.goto("/#/study?tab=contacts")
    expect(page.get_by_test_id("coverage")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shoot(page, "study-12-phone-contacts")
    page.goto(f"/#/branches/{branch['id']}")
    expect(page.get_by_test_id("committee")).to_contain_text("书记")
    shoot(page, "branch-05-phone-page")
    context.close()

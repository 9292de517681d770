"""The whole system started from the Procfile, the console built, and Debian's Chromium
driven by Playwright, as a person would use it. Screenshots of each main screen go to
test-artifacts/console/ (kept by the run, not committed)."""
import os
import shutil
import time

import pytest
from playwright.sync_api import sync_playwright

from wuji_infra import config
from wuji_infra.testing import Api, fresh_vhost, running_system

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONSOLE = os.path.join(ROOT, "console", "dist")
ARTIFACTS = os.path.join(ROOT, "test-artifacts", "console")
ADMIN_PASSWORD = "console-Admin-pass-1"
CHROMIUM = config.env("WUJI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

config.use_office_time_zone()  # "today" in the test is the office's, as in the processes


@pytest.fixture(scope="session")
def system():
    if not os.path.isfile(os.path.join(CONSOLE, "index.html")):
        pytest.fail("the console is not built: make console (make test builds it)")
    with fresh_vhost("wuji-console") as amqp_uri, \
            running_system(ROOT, amqp_uri, ADMIN_PASSWORD, prefix="wuji_console",
                           extra_env={"WUJI_CONSOLE_DIR": CONSOLE}) as running:
        yield running


@pytest.fixture(scope="session")
def api(system):
    return Api(system.base_url).login("admin", ADMIN_PASSWORD)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        playwright.selectors.set_test_id_attribute("data-test")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, system):
    context = browser.new_context(base_url=system.base_url, viewport={"width": 1366, "height": 900},
                                  locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shoot():
    os.makedirs(ARTIFACTS, exist_ok=True)

    def take(page, name):
        page.wait_for_timeout(300)  # transitions and charts settle
        path = os.path.join(ARTIFACTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path
    return take


def log_in(page, username="admin", password=ADMIN_PASSWORD):
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("工作台").first.wait_for()


def eventually(check, seconds=20, interval=0.5):
    """Poll ``check()`` (which raises AssertionError until it holds)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test leaves a screenshot of what the browser showed: test-artifacts/console/FAILED-<test>.png."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page")
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"FAILED-{item.name}.png"), full_page=True)

"""The cadre record pages and the jobs page in a real browser, at 1366 px and 375 px."""

import pytest

from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _no_sideways_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_cadre_reads_their_record_on_a_phone(phone_page, live_server, world, external_requests):
    log_in(phone_page, live_server, "p_cadre")
    phone_page.goto(f"{live_server.url}/analytics/record/")
    assert phone_page.locator("h1").inner_text().startswith("我的履职")
    cards = phone_page.locator(".qq-record")
    assert cards.count() == 3 and cards.first.is_visible()
    assert cards.first.locator('[data-metric="coverage_rate"]').inner_text() == "50.00%"
    assert phone_page.get_by_text("甲二纺织有限公司").is_visible()
    assert _no_sideways_overflow(phone_page)
    assert external_requests == []


def test_cadre_finds_the_record_in_the_phone_menu(phone_page, live_server, world):
    log_in(phone_page, live_server, "p_cadre")
    phone_page.locator(".navbar-toggler").click()
    phone_page.locator("#qq-nav a.nav-link", has_text="我的履职").click()
    phone_page.wait_for_load_state("networkidle")
    assert phone_page.url.endswith("/analytics/record/")


def test_supervisor_filters_cadres_without_a_visit_and_opens_one(page, live_server, world, external_requests):
    idle = f.CadreFactory(name="赵闲", unit=world.unit_town_a)
    f.AssignmentFactory(cadre=idle, enterprise=world.ent_a3)
    log_in(page, live_server, "p_supervisor")
    page.goto(f"{live_server.url}/analytics/cadres/")
    assert page.locator("tr[data-cadre]").count() == 3
    page.get_by_label("本季度未走访").check()
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-cadre]").count() == 1
    page.get_by_role("link", name="赵闲").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("赵闲")
    assert page.locator(".breadcrumb").get_by_text("干部履职").is_visible()
    assert _no_sideways_overflow(page)
    assert external_requests == []


def test_cadre_list_fits_a_phone(phone_page, live_server, world):
    log_in(phone_page, live_server, "p_supervisor")
    phone_page.goto(f"{live_server.url}/analytics/cadres/")
    assert phone_page.locator("tr[data-cadre]").first.is_visible()
    assert _no_sideways_overflow(phone_page)


def test_admin_runs_a_job_now_from_the_jobs_page(page, live_server, world, external_requests):
    log_in(page, live_server, "p_admin")
    page.goto(f"{live_server.url}/analytics/jobs/")
    card = page.locator('[data-job="remind_unvisited"]')
    assert card.get_by_text("每周一 08:30").is_visible()
    assert card.locator('[data-field="last_run"]').inner_text() == "尚未运行"
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="立即运行").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已将“走访提醒”加入任务队列").is_visible()
    # Tasks run inline in the test settings, so the run is already logged.
    assert "成功" in page.locator('[data-job="remind_unvisited"] [data-field="last_run"]').inner_text()
    assert external_requests == []

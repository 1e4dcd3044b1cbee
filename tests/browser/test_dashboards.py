"""The dashboards in a real browser: every chart draws (plotly's svg.main-svg) from local files only,
at 1366 px and 375 px, the drill-down and the monthly report work end to end."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics import services
from tests import factories as f
from tests.browser.conftest import log_in
from tests.conftest import _restore_reference_data

# The live server needs real commits, so every test here ends by emptying every table — including
# the rows data migrations wrote (problem categories, ranking indicators). They are put back before
# each test and once more after the last: with pytest-xdist's scheduling this file may run before
# other files' tests in the same worker.
pytestmark = pytest.mark.django_db(transaction=True)


def _reinstall_migration_data():
    # Every data migration's rows (the ranking weights of 0006 and 0008 too): a partial table
    # would pass the conftest's "already there" check and leave later tests without them.
    _restore_reference_data()


@pytest.fixture(scope="module", autouse=True)
def _migration_data_back_afterwards(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _reinstall_migration_data()


TODAY = timezone.localdate()
CHARTS = {
    "/analytics/coverage/": ["chart-towns", "chart-units"],
    "/analytics/issues/": ["chart-months", "chart-festival", "chart-shares", "chart-heat"],
    "/analytics/problems/": ["chart-sizes"],
    "/analytics/ranking/": ["chart-history"],
    "/analytics/overdue/": ["chart-overdue-units"],
}


@pytest.fixture
def busy(world):
    _reinstall_migration_data()
    hiring = f.CategoryFactory(name="招工用工")
    schooling = f.CategoryFactory(name="子女就学")
    now = timezone.now()
    for i in range(9):
        enterprise = [world.ent_a1, world.ent_a2, world.ent_b1][i % 3]
        f.VisitFactory(enterprise=enterprise, cadre=world.cadre, date=TODAY - dt.timedelta(days=i + 1))
        f.RequestFactory(
            enterprise=enterprise,
            category=hiring if i % 2 else schooling,
            description=[
                "春节后普工缺口较大，希望对接劳务输出地招工。",
                "员工子女需就读小学，请协调入学名额。",
            ][i % 2],
            lead_unit=world.unit_hr,
            status="in_progress",
            submitted_at=now - dt.timedelta(days=40 + i),
            assigned_at=now - dt.timedelta(days=40 + i),
            response_due=TODAY - dt.timedelta(days=i + 1),
        )
    services.problem_clusters_compute()
    last = services.last_complete_week(TODAY)
    for back in range(3):
        services.ranking_compute(week_start=last - dt.timedelta(days=7 * back))
    return world


def _charts_drawn(page, ids):
    for chart in ids:
        page.wait_for_selector(f'[data-chart="{chart}"][data-drawn] svg.main-svg', state="attached")
    return True


def _no_sideways_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("path", list(CHARTS))
def test_each_dashboard_draws_its_charts_offline(page, live_server, busy, external_requests, path):
    log_in(page, live_server, "p_supervisor")
    page.goto(live_server.url + path)
    assert _charts_drawn(page, CHARTS[path])
    assert page.locator("h1").first.is_visible()
    assert external_requests == []


@pytest.mark.parametrize("path", list(CHARTS))
def test_each_dashboard_fits_a_phone(phone_page, live_server, busy, external_requests, path):
    log_in(phone_page, live_server, "p_supervisor")
    phone_page.goto(live_server.url + path)
    assert _charts_drawn(phone_page, CHARTS[path])
    assert _no_sideways_overflow(phone_page)
    assert external_requests == []


def test_phone_heat_map_drops_cell_numbers_and_colour_bar(phone_page, live_server, busy):
    log_in(phone_page, live_server, "p_supervisor")
    phone_page.goto(live_server.url + "/analytics/issues/")
    _charts_drawn(phone_page, ["chart-heat"])
    trace = phone_page.evaluate("document.querySelector('[data-chart=\"chart-heat\"]').data[0]")
    assert trace["showscale"] is False and trace["texttemplate"] == ""


def test_the_landing_page_drills_down_to_the_red_list(page, live_server, busy, external_requests):
    log_in(page, live_server, "p_supervisor")
    assert page.url.endswith("/analytics/coverage/")
    assert page.locator('[data-card="coverage_rate"] [data-value]').inner_text().endswith("%")
    page.locator('[data-table="towns"] tr[data-town] a', has_text="甲镇").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("甲镇")
    red = page.locator('[data-table="not_visited"] tr.table-danger')
    assert red.count() >= 1 and red.first.is_visible()
    page.locator('[data-table="cadres"] a', has_text="张三").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("张三")
    assert external_requests == []


def test_custom_period_dates_show_only_for_custom(page, live_server, busy):
    log_in(page, live_server, "p_supervisor")
    page.goto(live_server.url + "/analytics/coverage/")
    start = page.locator("#qq-filter [name=start]")
    assert not start.is_visible()
    page.locator("#qq-filter select[name=period]").select_option("custom")
    assert start.is_visible()


def test_the_navbar_groups_the_dashboards_at_1366(page, live_server, busy):
    log_in(page, live_server, "p_admin")
    nav = page.locator("#qq-nav")
    height = nav.evaluate("el => el.getBoundingClientRect().height")
    assert height < 60  # one line: nothing wrapped to a second row
    page.locator("#qq-nav .dropdown-toggle", has_text="统计分析").click()
    page.locator(".dropdown-menu.show a", has_text="问题分布").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/analytics/issues/")


def test_a_supervisor_orders_and_downloads_the_monthly_report(page, live_server, busy, external_requests):
    log_in(page, live_server, "p_supervisor")
    page.goto(live_server.url + "/analytics/reports/")
    page.get_by_role("button", name="生成月报").click()
    page.wait_for_load_state("networkidle")
    link = page.locator("[data-download]")
    assert link.is_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("企情在线月报")
    assert external_requests == []


def test_the_overview_reads_on_a_phone_and_its_figures_open_their_lists(phone_page, live_server, world):
    import os

    page = phone_page
    log_in(page, live_server, world.users["supervisor"].username)
    page.goto(f"{live_server.url}/analytics/overview/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert (
        page.locator("[data-window]").is_visible()
        and "较上季度同期" in page.locator("[data-compare]").inner_text()
    )
    cards = page.locator("[data-figure]")
    assert cards.count() == 7
    for i in range(cards.count()):
        box = cards.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    if shots := os.environ.get("QQ_SHOTS"):
        page.screenshot(path=f"{shots}/overview-375.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        page.screenshot(path=f"{shots}/overview-1366.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": 812})
    value = page.locator('[data-figure="open"] [data-value]').inner_text()
    page.locator('[data-figure="open"]').click()
    page.wait_for_load_state("networkidle")
    assert "/requests/?open=true" in page.url and f"共 {value} 条" in page.locator("main").inner_text()

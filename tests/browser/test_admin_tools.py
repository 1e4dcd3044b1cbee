"""An administrator imports a ledger through the upload page and pairs a cadre under the 2–10 rule."""

import os

import pytest

from enterprises.validators import build_uscc
from tests.browser.conftest import log_in
from tests.factories import AssignmentFactory
from tests.ledger.conftest import write_csv

pytestmark = pytest.mark.django_db(transaction=True)
HEADER = ["统一社会信用代码", "企业名称", "属地编码", "行业", "规模"]


def _ledger(tmp_path, name, town_code, *, bad):
    codes = [build_uscc("330421", f"B000000{i}") for i in range(3)]
    if bad:
        codes[1] = codes[1][:-1] + ("0" if codes[1][-1] != "0" else "1")
    rows = [[code, f"甲镇新{i}号科技有限公司", town_code, "电子信息", "规下"] for i, code in enumerate(codes)]
    return write_csv(tmp_path / name, HEADER, rows)


def _upload(page, live_server, path):
    page.goto(f"{live_server.url}/cadres/ledger/")
    page.select_option("select[name=kind]", "enterprises")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state("networkidle")


def test_admin_fixes_a_bad_ledger_then_pairs_a_cadre_within_the_limit(
    page, live_server, world, tmp_path, external_requests
):
    for _ in range(7):
        AssignmentFactory(cadre=world.cadre)  # 张三 now holds 9
    log_in(page, live_server, "p_admin")

    _upload(page, live_server, _ledger(tmp_path, "bad.csv", world.town_a.code, bad=True))
    assert "企业台账有 1 处错误，未写入任何数据。" in page.locator(".alert-danger").inner_text()
    error_row = page.locator("table[data-qq-errors] tbody tr")
    assert error_row.count() == 1
    assert error_row.locator("td").first.inner_text() == "3"
    assert "校验位错误" in error_row.inner_text()
    assert page.get_by_role("link", name="下载错误清单 .xlsx").is_visible()

    _upload(page, live_server, _ledger(tmp_path, "fixed.csv", world.town_a.code, bad=False))
    assert (
        "企业台账导入完成：共 3 行，新增 3，更新 0，未变 0。" in page.locator(".alert-success").inner_text()
    )

    page.goto(f"{live_server.url}/cadres/{world.cadre.pk}/pairs/")
    badge = page.locator('[data-qq-count="add"]')
    submit = page.get_by_role("button", name="添加勾选的企业")
    assert "9 / 10" in badge.inner_text()
    boxes = page.locator('input[data-qq-tick="add"]')
    assert boxes.count() == 4  # 甲三 and the three imported enterprises, all without a liaison
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert "11 / 10" in badge.inner_text() and "超过上限" in badge.inner_text()
    assert submit.is_disabled() and page.locator("[data-qq-over-message]").is_visible()
    boxes.nth(1).uncheck()
    assert "10 / 10" in badge.inner_text() and submit.is_enabled()
    submit.click()
    page.wait_for_load_state("networkidle")
    assert "已为 张三 新增 1 家联系企业。" in page.locator(".alert-success").inner_text()
    assert "10 / 10" in page.locator('[data-qq-count="add"]').inner_text()

    page.goto(f"{live_server.url}/cadres/{world.other_cadre.pk}/pairs/")
    assert "少于 2 家" in page.locator('[data-qq-count="add"]').inner_text()
    page.goto(f"{live_server.url}/cadres/attention/")
    assert page.get_by_role("link", name="李四").is_visible()
    assert external_requests == []


def test_pair_pages_fit_a_phone(phone_page, live_server, world):
    log_in(phone_page, live_server, "p_admin")
    for url in (
        f"/cadres/{world.cadre.pk}/pairs/",
        f"/cadres/enterprises/{world.ent_a1.pk}/pairs/",
        "/cadres/ledger/",
    ):
        phone_page.goto(live_server.url + url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375, url


def test_the_add_button_stays_in_sight_on_a_phone_and_counts_the_ticks(phone_page, live_server, world):
    from enterprises.models import Enterprise

    Enterprise.objects.bulk_create(
        [
            Enterprise(
                town=world.town_a, name=f"甲镇候选{i:02d}有限公司", uscc=build_uscc("330421", f"C{i:07d}")
            )
            for i in range(40)
        ]
    )
    page = phone_page
    log_in(page, live_server, "p_admin")
    page.goto(f"{live_server.url}/cadres/{world.cadre.pk}/pairs/")
    submit = page.get_by_role("button", name="添加勾选的企业")
    assert submit.is_disabled()  # nothing ticked yet
    boxes = page.locator('input[data-qq-tick="add"]')
    boxes.nth(25).scroll_into_view_if_needed()
    boxes.nth(25).check()
    boxes.nth(26).check()
    assert page.locator('[data-qq-selected="add"]').inner_text() == "2"
    assert "4 / 10" in page.locator('[data-qq-count="add"]').inner_text()
    bar = page.locator("[data-qq-pick-bar]").bounding_box()
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= 812  # sticky: still on screen
    assert submit.is_enabled() and submit.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    if shots := os.environ.get("QQ_SHOTS"):
        page.screenshot(path=f"{shots}/pairs-375-scrolled.png")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"{shots}/pairs-1366.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": 812})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"{shots}/pairs-375-top.png")
    submit.click()
    page.wait_for_load_state("networkidle")
    assert "已为 张三 新增 2 家联系企业。" in page.locator(".alert-success").inner_text()

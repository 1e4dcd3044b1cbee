import pytest

from tests.browser.conftest import log_in
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_cadre_logs_a_visit_with_a_problem_on_a_phone_and_finds_both_on_the_file(
    phone_page, live_server, world, external_requests
):
    CategoryFactory(name="招工用工")
    page = phone_page
    log_in(page, live_server, "p_cadre")
    assert page.url.endswith("/visits/mine/")
    # ent_a2 was never visited, so it is the most urgent card: one tap opens its form.
    card = page.locator(f'[data-layout="cards"] [data-enterprise="{world.ent_a2.pk}"]')
    assert page.locator('[data-layout="cards"] [data-enterprise]').first.get_attribute(
        "data-enterprise"
    ) == str(world.ent_a2.pk)
    card.get_by_role("link", name="登记走访").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("select[name=enterprise]").input_value() == str(world.ent_a2.pk)

    page.get_by_text("电话", exact=True).click()
    page.fill("textarea[name=summary]", "电话了解企业春节后复工情况。")
    page.get_by_role("button", name="添加一个问题").click()
    page.select_option("select[name=problems-0-category]", label="招工用工")
    page.fill("textarea[name=problems-0-description]", "春节后普工缺口 25 人")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="提交走访").click()
    # Kept on the phone first, sent at once when online; the file opens when the server has it.
    page.wait_for_url(f"**/visits/enterprises/{world.ent_a2.pk}/")

    assert page.url.endswith(f"/visits/enterprises/{world.ent_a2.pk}/")
    assert "已登记走访，并提交 1 件诉求" in page.locator(".alert-success").inner_text()
    timeline = page.locator("[data-timeline]")
    visit_item = timeline.locator('[data-item="visit"]').first
    assert "电话了解企业春节后复工情况。" in visit_item.inner_text()
    assert "电话" in visit_item.inner_text()
    request_item = timeline.locator('[data-item="request"]').first
    assert "春节后普工缺口 25 人" in request_item.inner_text()
    assert "待受理" in request_item.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert external_requests == []


def test_removing_a_problem_row_renumbers_the_rest(phone_page, live_server, world):
    CategoryFactory(name="招工用工")
    page = phone_page
    log_in(page, live_server, "p_cadre")
    page.goto(f"{live_server.url}/visits/new/?enterprise={world.ent_a2.pk}")
    add = page.get_by_role("button", name="添加一个问题")
    add.click()
    add.click()
    page.fill("textarea[name=problems-1-description]", "第二个问题")
    page.locator("[data-remove-problem]").first.click()
    assert page.locator("input[name=problems-TOTAL_FORMS]").input_value() == "1"
    assert page.locator("textarea[name=problems-0-description]").input_value() == "第二个问题"


def test_supervisor_finds_an_enterprise_by_typing_and_the_cadre_is_filled_in(page, live_server, world):
    log_in(page, live_server, "p_supervisor")
    page.goto(f"{live_server.url}/visits/new/")
    page.locator("input[name=enterprise]").press_sequentially("乙一", delay=50)
    page.locator("#enterprise-options option").first.wait_for(state="attached")
    option = page.locator("#enterprise-options option").first.get_attribute("value")
    page.fill("input[name=enterprise]", option)
    page.locator("input[name=enterprise]").dispatch_event("input")
    assert world.other_cadre.code in page.locator("input[name=cadre]").input_value()

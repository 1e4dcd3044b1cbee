import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_cadre_logs_in_on_a_phone_and_sees_their_enterprises_in_chinese(
    phone_page, live_server, world, external_requests
):
    log_in(phone_page, live_server, "p_cadre")
    assert phone_page.url.endswith("/visits/mine/")
    assert phone_page.locator("h1").inner_text() == "我的企业"
    assert phone_page.locator('[data-layout="cards"]').get_by_text("甲一精密机械有限公司").is_visible()
    # Nothing overflows a 375-px screen sideways.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert external_requests == []


def test_phone_menu_opens_with_the_local_bootstrap_bundle(phone_page, live_server, world):
    log_in(phone_page, live_server, "p_supervisor")
    toggler = phone_page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    menu = phone_page.locator("#qq-nav")
    menu.locator("a.nav-link", has_text="企业").wait_for(state="visible")
    assert menu.locator("a.nav-link", has_text="诉求").is_visible()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admins_menu_stays_on_one_line_at_1366_in_either_language(page, live_server, world, language):
    """The admin has the longest menu; English labels are longer than Chinese ones."""
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    log_in(page, live_server, "p_admin")
    assert page.evaluate("document.documentElement.lang") == ("en" if language == "en" else "zh-hans")
    links = page.locator("#qq-nav > ul > li > a.nav-link")
    assert links.count() >= 8
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    heights = {round(links.nth(i).bounding_box()["height"]) for i in range(links.count())}
    assert max(tops) - min(tops) <= 4 and max(heights) < 45  # one row, no label broken over two lines
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

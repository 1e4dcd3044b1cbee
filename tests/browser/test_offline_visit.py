"""The visit form with no network: logged offline with photos, kept on the phone across a reload,
sent when the network returns, and on the server exactly once."""

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.visits.photo_helpers import image_bytes
from visits.models import Visit, VisitPhoto

pytestmark = pytest.mark.django_db(transaction=True)
SUMMARY = "车间里没有信号，离线登记的走访。"


def _wait_until(page, script, seconds=60):
    """Poll a page predicate with evaluate (wait_for_function needs eval, which the CSP forbids)."""
    for _ in range(seconds * 4):
        if page.evaluate(script):
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"not true after {seconds} s: {script}")


@pytest.fixture
def offline_phone(browser, live_server, external_requests):
    """A phone-sized context whose network can be cut, the service worker's requests included."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="allow")
    state = {"offline": False}

    def route(route):
        url = route.request.url
        if not (url.startswith(live_server.url) or url.startswith("data:")):
            external_requests.append(url)
            route.abort()
        elif state["offline"] and route.request.service_worker:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/*", route)

    def set_offline(value: bool):
        state["offline"] = value
        context.set_offline(value)

    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page, set_offline
    context.close()


def test_visit_logged_offline_with_photos_reaches_the_server_once(
    offline_phone, live_server, world, external_requests
):
    page, set_offline = offline_phone
    log_in(page, live_server, "p_cadre")
    page.goto(f"{live_server.url}/visits/new/?enterprise={world.ent_a2.pk}")
    # The service worker takes the page over and has kept its offline copy.
    _wait_until(
        page, "() => navigator.serviceWorker.getRegistration('/visits/').then(r => !!(r && r.active))"
    )
    page.reload()  # an in-scope page loaded after activation is controlled at once
    _wait_until(page, "() => navigator.serviceWorker.controller !== null")
    _wait_until(page, "() => caches.match('/visits/new/').then(Boolean)")

    set_offline(True)
    assert page.evaluate("() => navigator.onLine") is False
    assert page.locator("select[name=enterprise]").input_value() == str(world.ent_a2.pk)
    page.fill("textarea[name=summary]", SUMMARY)
    page.locator("details summary", has_text="走访调查表").click()
    page.fill("input[name=headcount]", "120")
    page.set_input_files(
        "[data-photo-input]",
        files=[
            {"name": "车间.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(2400, 1800)},
            {"name": "门口.png", "mimeType": "image/png", "buffer": image_bytes(800, 600, fmt="PNG")},
        ],
    )
    page.locator("[data-photo-preview]").nth(1).wait_for()
    page.get_by_role("button", name="提交走访").click()
    item = page.locator("[data-outbox-item]")
    item.locator('[data-status="pending"]').wait_for()
    assert "待同步" in item.inner_text() and "照片 2 张" in item.inner_text()
    assert not Visit.objects.filter(summary=SUMMARY).exists()

    page.reload()  # still offline: the page comes from the phone, the visit from IndexedDB
    page.locator('[data-outbox-item] [data-status="pending"]').wait_for()
    assert page.locator("[data-outbox-item]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Proof the network really is gone: a page with no offline copy cannot be had.
    page.goto(f"{live_server.url}/visits/records/")
    assert "没有离线副本" in page.inner_text("body")
    page.goto(f"{live_server.url}/visits/mine/")
    page.locator('[data-outbox-item] [data-status="pending"]').wait_for()

    set_offline(False)
    page.locator("[data-outbox-note]", has_text="已同步 1 条走访").wait_for()
    assert page.locator("[data-outbox-item]").count() == 0

    page.goto(f"{live_server.url}/visits/enterprises/{world.ent_a2.pk}/")
    visits = page.locator('[data-item="visit"]', has_text=SUMMARY)
    assert visits.count() == 1
    assert visits.locator("[data-thumbnails] img").count() == 2
    assert visits.locator('[data-mark="offline"]').count() == 1
    visit = Visit.objects.get(summary=SUMMARY)
    assert visit.offline and visit.headcount == 120 and visit.client_id is not None
    assert sorted(VisitPhoto.objects.filter(visit=visit).values_list("width", flat=True)) == [800, 1600]
    assert external_requests == []

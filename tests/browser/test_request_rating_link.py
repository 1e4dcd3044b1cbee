"""A contact who never logs in rates a response through the QR code's signed link, once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from requests_tracker.models import Request
from tests.browser.conftest import PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_rating_by_the_printed_link_works_once_on_a_phone(
    page, browser, live_server, world, external_requests
):
    Request.objects.filter(pk=world.req_a1.pk).update(
        status="responded",
        responded_at=timezone.now(),
        outcome="solved",
        response="已组织专场招聘会，企业招到 20 人。",
    )
    log_in(page, live_server, "p_handler")
    page.goto(f"{live_server.url}/requests/{world.req_a1.pk}/")
    page.click("text=评价二维码")
    assert page.locator(".qq-qr svg").is_visible()
    link = page.locator("#qq-rating-url").inner_text().replace(settings.SITE_URL, live_server.url)

    # The contact scans it on a phone, without any login.
    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    phone.goto(link)
    assert phone.get_by_text("已组织专场招聘会").is_visible()
    phone.check("input[name=satisfaction][value=basic]")
    phone.click("button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("#qq-rating-done").inner_text() == "感谢您的评价！"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.goto(link)
    assert "已评价或已办结" in phone.locator("#qq-rating-problem").inner_text()
    phone.context.close()

    request = Request.objects.get(pk=world.req_a1.pk)
    assert (request.satisfaction, request.status) == ("basic", "responded")
    assert external_requests == []

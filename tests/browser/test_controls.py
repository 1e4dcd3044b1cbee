"""Controls a county user handles: the assisting units' searchable checkboxes, and the rating
comment explained by the server in Chinese rather than by the browser ("Please fill out this field.")."""

from __future__ import annotations

import pytest
from django.utils import timezone

from requests_tracker.models import Request
from requests_tracker.views import rating_token
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_unsatisfied_without_a_comment_is_explained_by_the_server(phone_page, live_server, world):
    Request.objects.filter(pk=world.req_a1.pk).update(
        status="responded", responded_at=timezone.now(), outcome="solved", response="已组织专场招聘会。"
    )
    page = phone_page
    page.goto(f"{live_server.url}/requests/rate/{rating_token(Request.objects.get(pk=world.req_a1.pk))}/")
    page.check("input[name=satisfaction][value=unsatisfied]")
    comment = page.locator("textarea[name=comment]")
    assert comment.get_attribute("required") is None and comment.get_attribute("aria-required") == "true"
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "选择不满意时请说明原因" in page.locator("main").inner_text()
    assert Request.objects.get(pk=world.req_a1.pk).satisfaction == ""


def test_assist_units_are_found_by_typing_and_ticked_on_a_phone(phone_page, live_server, world):
    for name in ("县发改局", "县经信局", "县自然资源和规划局"):
        f.UnitFactory(name=name)
    request = f.RequestFactory(
        enterprise=world.ent_a1, status="submitted", description="园区道路破损需要修补。"
    )
    page = phone_page
    log_in(page, live_server, world.users["supervisor"].username)
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    page.get_by_role("button", name="交办").click()
    page.select_option("select[name=lead_unit]", label=world.unit_hr.name)
    items = page.locator("[data-qq-checklist-item]")
    total = items.count()
    assert total >= 7 and page.locator("select[name=assist_units]").count() == 0
    lead_box = page.locator(f"input[name=assist_units][value='{world.unit_hr.pk}']")
    assert lead_box.is_disabled()  # the lead unit cannot also assist
    page.fill("[data-qq-checklist-search]", "经信")
    assert [t.strip() for t in page.locator("[data-qq-checklist-item]:visible").all_inner_texts()] == [
        "县经信局"
    ]
    page.locator("[data-qq-checklist-item]:visible input").check()
    page.fill("[data-qq-checklist-search]", "不存在")
    assert page.locator("[data-qq-checklist-none]").is_visible()
    # A ticked unit stays in sight whatever is typed.
    assert page.locator("[data-qq-checklist-item]:visible").all_inner_texts() == ["县经信局"]
    assert page.locator("[data-qq-checklist-count]").inner_text() == "1"
    box = page.locator("[data-qq-checklist-item]:visible").bounding_box()
    assert box["height"] >= 30 and box["x"] + box["width"] <= 375
    page.locator("#qq-form-assign button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    request.refresh_from_db()
    assert request.status == "assigned"
    assert list(request.assists.values_list("unit__name", flat=True)) == ["县经信局"]

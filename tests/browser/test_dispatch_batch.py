"""A supervisor filters the triage desk, ticks the week's new requests, assigns them as one
numbered batch routed by the dispatch catalogue, and opens the batch page."""

import pytest
from django.utils import timezone

from requests_tracker.models import Batch, DispatchRule, Request
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/tmp/issue14"


def test_a_supervisor_assigns_ticked_requests_as_one_batch(page, live_server, world, external_requests):
    category = f.CategoryFactory(name="招工用工", time_limit_days=10)
    DispatchRule.objects.create(category=category, lead_unit=world.unit_hr, time_limit_days=8)
    ticked = [
        f.RequestFactory(enterprise=world.ent_a1, category=category, status="submitted") for _ in range(3)
    ]
    left = f.RequestFactory(enterprise=world.ent_b1, category=category, status="submitted")
    log_in(page, live_server, "p_supervisor")
    page.goto(f"{live_server.url}/requests/triage/")
    assert page.locator("text=按派单目录").count() >= 1
    for request in ticked:
        page.check(f"input.qq-tick[value='{request.pk}']")
    assert page.locator("#qq-ticked").inner_text() == "3"
    page.screenshot(path=f"{SHOTS}/triage-1366.png", full_page=True)
    page.fill("textarea[name=note]", "第49周新收诉求，按派单目录交办。")
    page.click("#qq-batch-assign")
    page.wait_for_url("**/analytics/batches/*/")
    batch = Batch.objects.get()
    heading = page.locator("h1").inner_text()
    assert heading.startswith(f"交办〔{timezone.localdate().year}〕第1批")
    assert page.locator("#qq-batch-figures").inner_text().count("0 / 3") >= 1  # closure 0 of 3
    page.screenshot(path=f"{SHOTS}/batch-1366.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=f"{SHOTS}/batch-375.png", full_page=True)
    assert set(Request.objects.filter(batch=batch).values_list("pk", flat=True)) == {r.pk for r in ticked}
    assert Request.objects.get(pk=left.pk).status == "submitted"
    assert external_requests == []

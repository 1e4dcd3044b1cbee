"""At 375 px the overdue board, the ranking table and the enterprise file's open requests are
cards that keep every column, with the figure the page is about on screen; at 1366 px they stay
tables. Every request status badge reaches WCAG AA contrast (4.5:1) in the colours the browser
computes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_tracker.models import Request
from tests import factories as f
from tests.browser.conftest import DESKTOP, PHONE, log_in

# The dashboards' busy county (nine overdue requests, three weeks of ranking), as ``county``.
from tests.browser.test_dashboards import _migration_data_back_afterwards  # noqa: F401
from tests.browser.test_dashboards import busy as _busy_county  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county(request):
    return request.getfixturevalue("_busy_county")


FITS = """() => document.documentElement.scrollWidth <= window.innerWidth"""


def _box_on_screen(locator) -> bool:
    box = locator.bounding_box()
    return (
        box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    )


def _cards(page, live_server, county, url: str, table: str):
    """Open ``url`` as the supervisor on the phone: nothing runs off the side, the table is cards."""
    log_in(page, live_server, county.users["supervisor"].username)
    page.goto(f"{live_server.url}{url}")
    assert page.evaluate(FITS)
    rows = page.locator(f"table{table} > tbody > tr")
    assert rows.count() > 0
    assert page.locator(f"table{table} > thead").is_hidden()
    return rows


def test_overdue_board_on_a_phone_shows_each_request_as_a_card(phone_page, live_server, county):
    page = phone_page
    rows = _cards(page, live_server, county, reverse("analytics:overdue"), '[data-table="board"]')
    assert rows.count() == 9
    for i in range(rows.count()):
        row = rows.nth(i)
        days, name = row.locator('td[data-col="days"]'), row.locator('td[data-col="enterprise"]')
        assert _box_on_screen(days) and days.inner_text().strip().isdigit()
        # The name heads the card on one line, not two characters a line.
        assert name.bounding_box()["width"] > 250 and name.bounding_box()["height"] < 40
        # Columns hidden from the squeezed table (属地, 类别, 答复期限, 已发督办) are all there.
        for col in ("town", "category", "due", "level", "notices", "unit", "ref"):
            assert row.locator(f'td[data-col="{col}"]').is_visible(), col
        assert row.locator('td[data-col="days"]').get_attribute("data-label") == "超期(工作日)"
    page.set_viewport_size(DESKTOP)
    assert page.locator('table[data-table="board"] > thead').is_visible()


def test_ranking_on_a_phone_keeps_score_and_every_indicator(phone_page, live_server, county):
    page = phone_page
    rows = _cards(page, live_server, county, reverse("analytics:ranking"), '[data-table="ranking"]')
    columns = page.locator('table[data-table="ranking"] > thead th').count()
    assert columns > 8  # rank, town, score, change, board + the indicators
    for i in range(rows.count()):
        row = rows.nth(i)
        assert _box_on_screen(row.locator('td[data-col="score"]'))
        cells = row.locator("td")
        assert cells.count() == columns
        for j in range(columns):
            assert cells.nth(j).is_visible() and _box_on_screen(cells.nth(j))


def test_enterprise_file_open_requests_on_a_phone(phone_page, live_server, county):
    page = phone_page
    rows = _cards(
        page, live_server, county, reverse("visits:enterprise_file", args=[county.ent_a1.pk]), ".qq-cards"
    )
    assert rows.count() == Request.objects.filter(enterprise=county.ent_a1).exclude(status="closed").count()
    late = 0
    for i in range(rows.count()):
        row = rows.nth(i)
        for badge in row.locator('td[data-col="status"] .badge').all():
            assert _box_on_screen(badge)
        assert _box_on_screen(row.locator('td[data-col="due"]'))
        late += "超期" in row.locator('td[data-col="due"]').inner_text()
    assert late == 3  # the busy county's three overdue requests of this enterprise, badge on screen


CONTRAST = """(el) => {
  const rgba = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  // The badge's own background, or the first opaque one behind it, composited.
  let node = el, bg = [0, 0, 0, 0];
  const layers = [];
  while (node) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    const a = c.length > 3 ? c[3] : 1;
    if (a > 0) { layers.push([c[0], c[1], c[2], a]); if (a >= 1) break; }
    node = node.parentElement;
  }
  let out = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) out = [r * a + out[0] * (1 - a), g * a + out[1] * (1 - a), b * a + out[2] * (1 - a)];
  const fg = rgba(getComputedStyle(el).color);
  const [l1, l2] = [lum(fg), lum(out)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}"""


def test_every_status_badge_reaches_aa_contrast(phone_page, live_server, world):
    page = phone_page
    for status in Request.Status.values:
        f.RequestFactory(enterprise=world.ent_a2, lead_unit=world.unit_hr, status=status)
    log_in(page, live_server, world.users["supervisor"].username)
    page.goto(f"{live_server.url}{reverse('requests_tracker:list')}?page_size=100")
    seen = {}
    for badge in page.locator(".badge[data-status]").all():
        seen.setdefault(badge.get_attribute("data-status"), badge.evaluate(CONTRAST))
    assert set(Request.Status.values) <= set(seen), set(Request.Status.values) - set(seen)
    poor = {status: round(ratio, 2) for status, ratio in seen.items() if ratio < 4.5}
    assert poor == {}

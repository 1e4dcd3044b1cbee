"""工作总览: every figure links to the list it counts (same filter, same count), the period it
covers is said, and the comparison is like for like (issue 19)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import windows
from analytics.views.records import overview_figures
from requests_tracker.models import Request
from tests import factories as f

pytestmark = pytest.mark.django_db


def _listed(client, url) -> int:
    """The row count a list page shows (共 N 条), or 0 when it says it has none."""
    body = client.get(url).content.decode()
    match = re.search(r"共 ([\d,]+) 条", body)
    if match is None:
        assert "没有符合条件的" in body, url
        return 0
    return int(match.group(1).replace(",", ""))


def _busy(world):
    today = timezone.localdate()
    f.EnterpriseFactory(town=world.town_a, active=False)  # not 在册
    f.CadreFactory(unit=world.unit_town_a, active=False)  # not 在岗
    f.RequestFactory(enterprise=world.ent_a2, status="submitted", description="甲二用地诉求说明")
    f.RequestFactory(enterprise=world.ent_a2, status="closed", description="甲二已办结的诉求")
    Request.objects.filter(pk=world.req_a1.pk).update(
        is_overdue=True, submitted_at=timezone.now() - dt.timedelta(days=1)
    )
    Request.objects.filter(pk=world.req_b1.pk).update(submitted_at=timezone.now() - dt.timedelta(days=100))
    for days in (1, 2, 40, 100):
        f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre, date=today - dt.timedelta(days=days))


@pytest.mark.parametrize("persona", ["supervisor", "town_supervisor", "admin"])
def test_every_figure_equals_the_count_of_the_list_it_links_to(login, world, persona):
    _busy(world)
    user = world.users[persona]
    client = login(user)
    window = windows.resolve(windows.default_period(), timezone.localdate())
    now, period = overview_figures(user, window)
    assert len(now) == 5 and len(period) == 2
    for figure in now + period:
        assert _listed(client, figure.url) == figure.value, figure.key
    for figure in period:
        assert _listed(client, figure.previous_url) == figure.previous, figure.key
    if persona == "supervisor":  # the county sees something in every figure, so each check bites
        assert all(figure.value for figure in now + period) and all(figure.previous for figure in period)


def test_the_page_links_each_figure_and_says_its_period_and_comparison(login, world):
    _busy(world)
    body = login(world.users["supervisor"]).get(reverse("analytics:overview")).content.decode()
    window = windows.resolve(windows.default_period(), timezone.localdate())
    assert f'data-window="{window.period.start:%Y-%m-%d}/{window.period.end:%Y-%m-%d}"' in body
    assert window.compare_note in body
    assert f"{reverse('requests_tracker:list')}?open=true" in body
    assert f"{reverse('enterprises:list')}?active=true" in body
    assert f"date_after={window.period.start:%Y-%m-%d}" in body
    assert f"date_after={window.previous.start:%Y-%m-%d}" in body


def test_a_running_period_is_compared_with_the_same_days_of_the_previous_one():
    window = windows.resolve("quarter", dt.date(2026, 12, 6))
    assert (window.period.start, window.period.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 5))
    assert window.previous.days == window.period.days and window.previous.start == dt.date(2026, 7, 1)


def test_the_open_filter_on_the_request_list_leaves_out_closed_requests(login, world):
    closed = f.RequestFactory(enterprise=world.ent_a2, status="closed", description="已办结诉求说明文字")
    body = (
        login(world.users["supervisor"]).get(reverse("requests_tracker:list") + "?open=true").content.decode()
    )
    assert closed.ref not in body and world.req_a1.ref in body


def test_the_overview_runs_a_fixed_number_of_queries(login, world, django_assert_max_num_queries):
    client = login(world.users["supervisor"])
    url = reverse("analytics:overview")
    client.get(url)
    _busy(world)
    for _ in range(5):
        f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre)
        f.RequestFactory(enterprise=world.ent_a1, status="assigned", description="更多的诉求说明文字")
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200

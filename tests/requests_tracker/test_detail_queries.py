"""The request page and the enterprise file run a fixed, lower number of queries however long the
history (issue 18): the file reads every request it shows in one query; the request page reads the
working-day calendar from the cache, dropped on every calendar write."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_tracker import selectors
from requests_tracker.models import RequestEvent, WorkdayOverride
from tests import factories as f

pytestmark = pytest.mark.django_db

# For the supervisor: session, the request (with its enterprise, category, unit, cadre),
# callbacks, appeals, attachments, assists, the extensions (read once, for the panel
# and for whether one is pending), the cases merged into it (issue 14), escalations, notices, events —
# not the calendar, the user row or the unread count (both cached: tests/scope/test_signed_in_cache.py;
# it was 14, then 12 before merged cases, 13 before those two caches).
REQUEST_PAGE = 11
# session, user, the enterprise, the cadre's pairs (scope), the timeline's count and page, the
# page's visits with participants and photos (3), every request shown (1), tags, liaison cadres,
# survey readings, unread count.
ENTERPRISE_FILE = 15  # it was 16; 14 before the meetups the enterprise attended (issue 13) were read


def _queries(client, url):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_request_page_query_count_is_fixed_and_skips_the_calendar(login, world):
    client = login(world.users["supervisor"])
    url = reverse("requests_tracker:detail", args=[world.req_a1.pk])
    small = _queries(client, url)
    for i in range(15):
        RequestEvent.objects.create(
            request=world.req_a1, action="comment", note=f"跟进说明 {i}", actor=world.users["supervisor"]
        )
        f.UnitFactory()
    large = _queries(client, url)
    assert len(small) == len(large) == REQUEST_PAGE
    assert not [sql for sql in large if "workdayoverride" in sql]


def test_a_calendar_write_reaches_the_cached_page_calendar():
    day = dt.date(2031, 10, 8)  # a Wednesday in a year the library does not know
    assert selectors.page_calendar().is_workday(day)[0]
    WorkdayOverride.objects.create(
        date=day, is_workday=False, name="县域停工", source=WorkdayOverride.Source.LOCAL
    )
    assert not selectors.page_calendar().is_workday(day)[0]
    WorkdayOverride.objects.filter(date=day).delete()
    assert selectors.page_calendar().is_workday(day)[0]


@pytest.mark.parametrize("persona", ["cadre", "supervisor"])
def test_the_enterprise_file_query_count_is_fixed_and_lower(login, world, persona):
    client = login(world.users[persona])
    url = reverse("visits:enterprise_file", args=[world.ent_a1.pk])
    small = _queries(client, url)
    today = timezone.localdate()
    for i in range(25):
        visit = f.VisitFactory(
            enterprise=world.ent_a1, cadre=world.cadre, date=today - dt.timedelta(days=i + 1)
        )
        f.RequestFactory(
            enterprise=world.ent_a1,
            visit=visit,
            lead_unit=world.unit_hr,
            status="in_progress",
            submitted_at=timezone.now() - dt.timedelta(days=i + 1),
        )
    large = _queries(client, url)
    assert len(small) == len(large) <= ENTERPRISE_FILE
    assert sum("requests_tracker_request" in sql.split(" WHERE ")[0] for sql in large) == 1


def test_the_decide_extension_panel_follows_the_extensions_the_page_read(login, world):
    from requests_tracker.models import ExtensionRequest

    client = login(world.users["supervisor"])
    url = reverse("requests_tracker:detail", args=[world.req_a1.pk])

    def panels():
        return [panel["action"] for panel in client.get(url).context["panels"]]

    assert "extend_decide" not in panels()
    today = timezone.localdate()
    ExtensionRequest.objects.create(
        request=world.req_a1,
        unit=world.unit_hr,
        asked_by=world.users["handler"],
        reason="需要协调用地指标，申请延期。",
        previous_due=today,
        proposed_due=today + dt.timedelta(days=30),
    )
    assert "extend_decide" in panels()

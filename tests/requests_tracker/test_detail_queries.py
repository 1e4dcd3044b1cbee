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

# For the supervisor, a request with none of the optional panels: session, the request (with its
# enterprise, category, unit, cadre and whether it has each panel's rows), events — not the
# calendar, the user row or the unread count (both cached: tests/scope/test_signed_in_cache.py).
# It was 14, then 12 before merged cases, 13 before those two caches and 11 before the flags.
REQUEST_PAGE = 3
# …and with rows in all eight: + callbacks, appeals, attachments, assists, the extensions (read
# once, for the panel and for whether one is pending), the merged cases, escalations, notices.
REQUEST_PAGE_EVERY_PANEL = REQUEST_PAGE + 8
# session, the enterprise (with whether it has tags and meetups), the cadre's pairs (scope), the
# timeline's page with its total (one statement), the page's visits (with whether each has
# participants and photos), every request shown (1), liaison cadres, survey readings — the user row
# and the unread count cached; tags, meetups, participants and photos only when there are some.
# It was 16, 14 before meetups were read, 15 before those caches and flags.
ENTERPRISE_FILE = 8


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


def _every_panel(world):
    """One row in each optional panel of world.req_a1 (the page must show each one)."""
    from requests_tracker.models import (
        Escalation,
        ExtensionRequest,
        RequestAssist,
        RequestAttachment,
        SupervisionNotice,
    )
    from requests_tracker.trust.models import Callback, RatingAppeal

    request, today = world.req_a1, timezone.localdate()
    RequestAssist.objects.create(request=request, unit=world.unit_edu, due=today)
    RequestAttachment.objects.create(
        request=request, original_name="厂区照片说明.pdf", content_type="application/pdf", size=1
    )
    ExtensionRequest.objects.create(
        request=request,
        unit=world.unit_hr,
        asked_by=world.users["handler"],
        reason="需协调用地指标的延期理由。",
        previous_due=today,
        proposed_due=today + dt.timedelta(days=30),
    )
    Escalation.objects.create(
        request=request,
        level="county",
        reason="涉及跨部门用地的提级理由。",
        escalated_by=world.users["supervisor"],
    )
    SupervisionNotice.objects.create(
        request=request,
        unit=world.unit_hr,
        town=world.town_a,
        level="red",
        year=today.year,
        number=7,
        due=today,
        days_overdue=6,
    )
    child = f.RequestFactory(enterprise=world.ent_a2, parent=request, description="并入的子诉求")
    Callback.objects.create(
        request=request,
        reason="spot_check",
        unit=world.unit_hr,
        town=world.town_a,
        due=today,
        note="回访备注第一条",
    )
    rating = f.RequestEventFactory(request=request, action="rate")
    RatingAppeal.objects.create(
        request=request,
        rating_event=rating,
        rated_at=rating.at,
        unit=world.unit_hr,
        reason="申诉理由文字",
    )
    return child


def test_every_panel_costs_one_query_only_when_the_request_has_rows_for_it(login, world):
    client = login(world.users["supervisor"])
    url = reverse("requests_tracker:detail", args=[world.req_a1.pk])
    assert len(_queries(client, url)) == REQUEST_PAGE
    child = _every_panel(world)
    queries = _queries(client, url)
    body = client.get(url).content.decode()
    for shown in (
        "厂区照片说明.pdf",
        world.unit_edu.name,
        "需协调用地指标的延期理由",
        "涉及跨部门用地的提级理由",
        child.ref,
    ):
        assert shown in body, shown
    context = client.get(url).context
    assert [
        len(context[k])
        for k in ("assists", "attachments", "extensions", "escalations", "notices", "children")
    ] == [1] * 6
    assert len(context["trust"]["callbacks"]) == len(context["trust"]["appeals"]) == 1
    assert "extend_decide" in [panel["action"] for panel in context["panels"]]
    for i in range(10):
        RequestEvent.objects.create(
            request=world.req_a1, action="comment", note=f"说明 {i}", actor=world.users["supervisor"]
        )
    assert len(queries) == len(_queries(client, url)) == REQUEST_PAGE_EVERY_PANEL


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
    assert len(small) == len(large) <= ENTERPRISE_FILE, (len(small), len(large))
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

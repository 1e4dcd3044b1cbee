"""The public board (公示榜), 销号 at the county office, the three 100 % on the dashboard, and the
triage desk's query count as the queue grows."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qiqing import programme
from requests_tracker import services
from requests_tracker.models import Request, SupervisionNotice
from requests_tracker.services import TransitionRefused
from tests import factories as f

pytestmark = pytest.mark.django_db


def _set(cast, **values):
    programme.settings_update(actor=cast.users["admin"], values=values)


@pytest.fixture
def red_card(cast):
    request = cast.build_request("in_progress", is_overdue=True)
    return SupervisionNotice.objects.create(
        request=request,
        unit=cast.lead_unit,
        town=cast.town,
        level="red",
        year=timezone.localdate().year,
        number=1,
        due=request.response_due,
        days_overdue=6,
    )


# --- the public board ------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["cadre", "lead", "supervisor", "town_supervisor", "admin"])
def test_the_board_opens_for_every_staff_user(cast, login, red_card, persona):
    response = login(cast.users[persona]).get(reverse("analytics:board"))
    assert response.status_code == 200 and red_card.label in response.content.decode()


def test_enterprise_contacts_see_the_board_only_when_the_setting_is_on(cast, login, red_card):
    client = login(cast.users["contact"])
    assert client.get(reverse("analytics:board")).status_code == 403
    assert reverse("analytics:board") not in client.get(reverse("requests_tracker:portal")).content.decode()
    _set(cast, board_for_contacts=True)
    assert client.get(reverse("analytics:board")).status_code == 200
    assert reverse("analytics:board") in client.get(reverse("requests_tracker:portal")).content.decode()


def test_the_board_is_printable_and_exports(cast, login, red_card):
    client = login(cast.users["cadre"])
    page = client.get(reverse("analytics:board")).content.decode()
    assert "qq-board" in page and "data-print" in page
    response = client.get(reverse("analytics:board"), {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cards = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert any(str(red_card.label) in (cell or "") for row in cards for cell in row if isinstance(cell, str))


def test_the_board_shows_the_latest_rankings_red_and_black_lists(cast, login):
    from analytics.models import TownRanking, TownRankingEntry

    ranking = TownRanking.objects.create(
        week_start=timezone.localdate() - timezone.timedelta(days=7),
        period_start=timezone.localdate() - timezone.timedelta(days=35),
        period_end=timezone.localdate() - timezone.timedelta(days=1),
        indicators=[],
    )
    TownRankingEntry.objects.create(
        ranking=ranking, town=cast.town, rank=1, score="90.00", board="red", values={}
    )
    TownRankingEntry.objects.create(
        ranking=ranking, town=cast.other_town, rank=2, score="10.00", board="black", values={}
    )
    page = login(cast.users["cadre"]).get(reverse("analytics:board"))
    assert [e.town for e in page.context["page"].red] == [cast.town]
    assert [e.town for e in page.context["page"].black] == [cast.other_town]


# --- 销号 at the county office -------------------------------------------------------------------------
def test_a_town_supervisor_cannot_close_out_and_sees_it_waits_for_the_county(cast, login):
    request = cast.build_request("responded_rated")
    with pytest.raises(TransitionRefused) as exc:
        services.request_close(actor=cast.users["town_supervisor"], request=request)
    assert "待县服务企业办销号" in " ".join(exc.value.messages)
    page = login(cast.users["town_supervisor"]).get(reverse("requests_tracker:detail", args=[request.pk]))
    assert "qq-closeout-waits" in page.content.decode()
    assert "close" not in [panel["action"] for panel in page.context["panels"]]
    services.request_close(actor=cast.users["supervisor"], request=Request.objects.get(pk=request.pk))
    assert Request.objects.get(pk=request.pk).status == "closed"


def test_with_the_setting_off_a_town_supervisor_closes_out(cast):
    _set(cast, closeout_county_only=False)
    request = cast.build_request("responded_rated")
    services.request_close(actor=cast.users["town_supervisor"], request=request)
    assert Request.objects.get(pk=request.pk).status == "closed"


# --- the three 100 % on the coverage dashboard --------------------------------------------------------
def test_the_coverage_dashboard_shows_the_three_rates_together(cast, login):
    page = login(cast.users["supervisor"]).get(reverse("analytics:coverage"))
    content = page.content.decode()
    assert "三个100%" in content and "问题见面率" in content and "反馈率" in content and "满意率" in content


# --- triage query counts -----------------------------------------------------------------------------
def test_triage_query_count_does_not_grow_with_the_queue_catalogue_and_merges(cast, login, rule):
    client = login(cast.users["supervisor"])
    counts = []
    for added in (3, 15):
        parents = [cast.build_request("submitted") for _ in range(added)]
        for parent in parents[:2]:
            child = cast.build_request("submitted")
            Request.objects.filter(pk=child.pk).update(parent=parent)
        town_rule_category = f.CategoryFactory(name=f"测试类别{added}")
        services.dispatch_rule_save(
            actor=cast.users["admin"],
            category=town_rule_category,
            town=cast.town,
            lead_unit=cast.spare_unit,
            assist_units=[cast.assist_unit],
            time_limit_days=5,
        )
        f.RequestFactory(enterprise=cast.enterprise, category=town_rule_category, status="submitted")
        client.get(reverse("requests_tracker:triage"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("requests_tracker:triage"), {"per_page": 200})
        assert response.status_code == 200 and len(response.context["rows"]) >= added
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts

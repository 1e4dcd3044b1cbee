"""擂台比武 page: the week's table with red and black lists, a town's rank over weeks, export, print."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import services
from analytics.models import TownRankingEntry
from tests import factories as f
from tests.analytics.helpers import assert_sheet_matches, count_queries, login_redirect, workbook

pytestmark = pytest.mark.django_db

URL = reverse("analytics:ranking")
LAST = services.last_complete_week(timezone.localdate())


@pytest.fixture
def weeks(world):
    for back in range(4):
        services.ranking_compute(week_start=LAST - dt.timedelta(days=7 * back))
    return world


def test_anonymous_is_sent_to_login(client):
    assert login_redirect(client.get(URL))


@pytest.mark.parametrize("persona", ["handler", "cadre", "contact"])
def test_other_roles_are_refused(login, world, persona):
    assert login(world.users[persona]).get(URL).status_code == 403


def test_the_week_table_has_every_town_and_its_lists(login, weeks):
    response = login(weeks.users["supervisor"]).get(URL)
    page = response.context["page"]
    entries = TownRankingEntry.objects.filter(ranking__week_start=LAST).order_by("rank", "town__order")
    assert [row.data["town"] for row in page.table.rows] == [e.town.code for e in entries]
    assert [row.values["score"] for row in page.table.rows] == [e.score for e in entries]
    body = response.content.decode()
    assert "红榜" in body and "黑榜" in body and "data-print" in body and "css/analytics.css" in body


def test_a_towns_rank_over_the_weeks(login, weeks):
    response = login(weeks.users["supervisor"]).get(URL, {"town": weeks.town_a.code})
    history = response.context["page"].history
    expected = TownRankingEntry.objects.filter(town=weeks.town_a).order_by("-ranking__week_start")
    assert [row.values["rank"] for row in history.rows] == [e.rank for e in expected]
    assert len(history.rows) == 4 and 'data-chart="chart-history"' in response.content.decode()


def test_an_earlier_week_shows_only_the_weeks_up_to_it(login, weeks):
    week = LAST - dt.timedelta(days=14)
    response = login(weeks.users["supervisor"]).get(
        URL, {"week": week.isoformat(), "town": weeks.town_b.code}
    )
    assert [row.data["week"] for row in response.context["page"].history.rows] == [
        (week - dt.timedelta(days=7 * n)).isoformat() for n in range(2)
    ]


def test_a_town_supervisor_follows_their_own_town_by_default(login, weeks):
    page = login(weeks.users["town_supervisor"]).get(URL).context["page"]
    assert page.town == weeks.town_b


def test_unknown_town_or_week_is_404(login, weeks):
    client = login(weeks.users["supervisor"])
    assert client.get(URL, {"town": "nope"}).status_code == 404
    assert client.get(URL, {"week": "2001-01-01"}).status_code == 404


def test_export_equals_the_tables(login, weeks):
    client = login(weeks.users["supervisor"])
    page = client.get(URL, {"town": weeks.town_a.code}).context["page"]
    sheets = workbook(client.get(URL, {"town": weeks.town_a.code, "format": "xlsx"}))
    assert len(sheets) == 2
    for table in page.tables:
        assert_sheet_matches(sheets[table.title], table)
    assert sheets[page.table.title][0][:5] == ["名次", "镇街", "得分", "较上周", "榜单"]


def test_query_count_does_not_grow_with_the_data(login, weeks):
    client = login(weeks.users["supervisor"])
    client.get(URL)
    small = count_queries(client, URL)
    for back in range(4, 8):
        services.ranking_compute(week_start=LAST - dt.timedelta(days=7 * back))
    f.VisitFactory(enterprise=weeks.ent_a2, cadre=weeks.cadre, date=LAST)
    client.get(URL)  # the recompute moved the generation: rebuilt once, cached again
    assert count_queries(client, URL) == small


def test_the_body_is_cached_until_a_ranking_is_recomputed(login, weeks):
    client = login(weeks.users["supervisor"])
    first = count_queries(client, URL)
    assert count_queries(client, URL) < first
    cached = client.get(URL)
    assert "page" not in cached.context  # served from the cache, not rebuilt
    assert weeks.town_a.name in cached.content.decode()
    # An admin recomputes last week after a rename: every process sees it at once.
    weeks.town_a.name = "甲镇（新）"
    weeks.town_a.save()
    assert "甲镇（新）" not in client.get(URL).content.decode()
    services.ranking_compute(week_start=LAST)
    assert "甲镇（新）" in client.get(URL).content.decode()


def test_an_earlier_week_recomputed_moves_every_cached_week(login, weeks):
    client = login(weeks.users["supervisor"])
    client.get(URL)
    services.ranking_compute(week_start=LAST - dt.timedelta(days=21))  # in this week's history
    assert "page" in client.get(URL).context


def test_each_reader_gets_the_default_town_of_their_own_scope(login, weeks):
    f.VisitFactory(enterprise=weeks.ent_a1, cadre=weeks.cadre, date=LAST + dt.timedelta(days=1))
    services.ranking_compute(week_start=LAST)
    rank = dict(TownRankingEntry.objects.filter(ranking__week_start=LAST).values_list("town", "rank"))
    assert rank[weeks.town_a.pk] < rank[weeks.town_b.pk]  # the county's default: the top town
    assert login(weeks.users["supervisor"]).get(URL).context["page"].town == weeks.town_a
    town_page = login(weeks.users["town_supervisor"]).get(URL)
    assert town_page.context["page"].town == weeks.town_b  # built for 乙镇, not the county's body
    html = login(weeks.users["town_supervisor"]).get(URL).content.decode()
    assert f'name="town" value="{weeks.town_b.code}"' in html
    county = login(weeks.users["supervisor"]).get(URL).content.decode()
    assert f'name="town" value="{weeks.town_a.code}"' in county


def test_each_town_and_week_has_its_own_body(login, weeks):
    client = login(weeks.users["supervisor"])
    a = client.get(URL, {"town": weeks.town_a.code}).content.decode()
    b = client.get(URL, {"town": weeks.town_b.code}).content.decode()
    assert f"{weeks.town_a.name}历周名次" in a and f"{weeks.town_b.name}历周名次" in b
    earlier = LAST - dt.timedelta(days=7)
    html = client.get(URL, {"week": earlier.isoformat()}).content.decode()
    assert f'name="week" value="{earlier:%Y-%m-%d}"' in html
    assert client.get(URL, {"town": "nope"}).status_code == 404  # still, after bodies are kept

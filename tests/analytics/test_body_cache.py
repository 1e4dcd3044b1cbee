"""Dashboard bodies cached per scope + filters + data_until (analytics.bodies): a second view is
served from the cache, a town supervisor never gets the county's body (nor the county theirs),
writing snapshots invalidates it, live counts (overdue now) stay live, bodies built from raw rows
are not kept, and the query count stays constant as rows grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics import bodies, metrics, snapshots
from analytics.periods import Period
from analytics.snapshots import compute_snapshots
from tests import factories as f
from tests.analytics.helpers import count_queries

pytestmark = pytest.mark.django_db

COVERAGE = reverse("analytics:coverage")
ISSUES = reverse("analytics:issues")
TODAY = timezone.localdate()
LAST_MONTH = Period.containing("month", TODAY.replace(day=1) - dt.timedelta(days=1))
PARAMS = {"period": "last_month"}


def _visit(world, enterprise, day=None):
    return f.VisitFactory(enterprise=enterprise, cadre=world.cadre, date=day or LAST_MONTH.start)


@pytest.fixture
def stored(world):
    """Last month with one visit in 甲镇, its snapshots written as the nightly job would."""
    _visit(world, world.ent_a1)
    compute_snapshots(LAST_MONTH.start, LAST_MONTH.end)
    return world


def _towns_table(response) -> str:
    html = response.content.decode()
    return html[html.index('id="towns"') : html.index('id="units"')]


def test_second_view_is_served_from_the_cache_with_fewer_queries(login, stored):
    client = login(stored.users["supervisor"])
    first = count_queries(client, COVERAGE, PARAMS)
    second = count_queries(client, COVERAGE, PARAMS)
    assert second < first
    assert client.get(COVERAGE, PARAMS).context["page"].by_town is None  # tables not rebuilt


def test_town_supervisor_never_gets_the_county_body(login, stored):
    county = login(stored.users["supervisor"]).get(COVERAGE, PARAMS)
    assert "甲镇" in _towns_table(county) and "乙镇" in _towns_table(county)
    town = login(stored.users["town_supervisor"]).get(COVERAGE, PARAMS)
    assert "乙镇" in _towns_table(town) and "甲镇" not in _towns_table(town)
    # …and the county supervisor, asking again, still gets the county's.
    assert "甲镇" in _towns_table(login(stored.users["supervisor"]).get(COVERAGE, PARAMS))


def test_each_filter_has_its_own_body(login, stored):
    client = login(stored.users["supervisor"])
    whole = _towns_table(client.get(COVERAGE, PARAMS))
    one_town = _towns_table(client.get(COVERAGE, {**PARAMS, "town": stored.town_b.pk}))
    assert "甲镇" in whole and "甲镇" not in one_town


def test_writing_snapshots_invalidates_the_body(login, stored):
    client = login(stored.users["supervisor"])
    before = _towns_table(client.get(COVERAGE, PARAMS))
    _visit(stored, stored.ent_b1)
    # Raw rows changed, snapshots not yet: the cached body stays (figures are T+1, from snapshots).
    assert _towns_table(client.get(COVERAGE, PARAMS)) == before
    compute_snapshots(LAST_MONTH.start, LAST_MONTH.end)
    after = _towns_table(client.get(COVERAGE, PARAMS))
    assert after != before
    assert client.get(COVERAGE, PARAMS).context["page"].by_town is None  # cached again


def test_a_recompute_that_only_drops_a_slot_still_moves_the_generation(stored):
    key_maps = {kind: metrics.KeyMap(kind) for kind in metrics.SCOPE_KINDS}
    rows = snapshots.build_rows(LAST_MONTH, LAST_MONTH.end, key_maps, TODAY)
    generation = bodies.generation()
    later = timezone.now() + dt.timedelta(hours=1)
    assert snapshots.write_period(LAST_MONTH, rows[1:], LAST_MONTH.end, later) == 0  # no row changed
    assert bodies.generation() != generation


def test_overdue_now_stays_live_while_the_body_is_cached(login, stored):
    client = login(stored.users["supervisor"])

    def overdue_card(response):
        return next(c for c in response.context["page"].cards if c.key == "overdue").value

    assert overdue_card(client.get(COVERAGE, PARAMS)) == 0
    f.RequestFactory(
        enterprise=stored.ent_a1,
        lead_unit=stored.unit_hr,
        status="in_progress",
        response_due=TODAY - dt.timedelta(days=3),
        is_overdue=True,
    )
    response = client.get(COVERAGE, PARAMS)
    assert response.context["page"].by_town is None and overdue_card(response) == 1


def test_filters_the_snapshots_do_not_hold_are_not_cached(login, stored):
    client = login(stored.users["supervisor"])
    params = {**PARAMS, "scale": "above"}
    client.get(COVERAGE, params)  # the roles and the calendar banner are cached by now
    first = count_queries(client, COVERAGE, params)
    assert count_queries(client, COVERAGE, params) == first
    assert client.get(COVERAGE, params).context["page"].by_town is not None


def test_english_and_chinese_bodies_are_kept_apart(login, stored):
    client = login(stored.users["supervisor"])
    client.get(COVERAGE, PARAMS)
    client.cookies["django_language"] = "en"
    assert "各镇街走访覆盖" not in client.get(COVERAGE, PARAMS).content.decode()


def test_issue_mix_is_cached_scoped_and_invalidated(login, stored):
    county = login(stored.users["supervisor"])
    first = count_queries(county, ISSUES)
    assert count_queries(county, ISSUES) < first
    town = login(stored.users["town_supervisor"]).get(ISSUES)
    assert town.context["page"] is not None  # built for the town, not the county's body
    compute_snapshots(LAST_MONTH.start, LAST_MONTH.end)
    f.RequestFactory(enterprise=stored.ent_a1, submitted_at=timezone.now() - dt.timedelta(days=40))
    compute_snapshots(LAST_MONTH.start, LAST_MONTH.end)
    assert county.get(ISSUES).context["page"] is not None  # rebuilt after the write


def test_cached_dashboard_queries_do_not_grow_with_rows(login, stored):
    client = login(stored.users["supervisor"])
    client.get(COVERAGE, PARAMS)
    small = count_queries(client, COVERAGE, PARAMS)
    for index in range(6):
        enterprise = f.EnterpriseFactory(town=stored.town_b, name=f"乙镇新增企业{index}有限公司")
        _visit(stored, enterprise)
    compute_snapshots(LAST_MONTH.start, LAST_MONTH.end)
    client.get(COVERAGE, PARAMS)
    assert count_queries(client, COVERAGE, PARAMS) == small


def _sql_of(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(COVERAGE, params).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_headline_figures_are_kept_with_the_body(login, stored):
    """The month before last has no snapshots here, so the headline's comparison is computed
    from the raw tables on the first view, and read from the cache on the next."""
    client = login(stored.users["supervisor"])
    assert any("visits_visit" in sql for sql in _sql_of(client, PARAMS))
    assert not any(
        "visits_visit" in sql or 'analytics_snapshot"."id' in sql for sql in _sql_of(client, PARAMS)
    )
    page = client.get(COVERAGE, PARAMS).context["page"]
    assert (page.current.visits, page.current.enterprises_visited) == (1, 1)
    assert page.previous is not None and page.previous.visits == 0


def test_a_town_supervisor_never_gets_the_county_headline(login, stored):
    assert login(stored.users["supervisor"]).get(COVERAGE, PARAMS).context["page"].current.visits == 1
    town = login(stored.users["town_supervisor"]).get(COVERAGE, PARAMS).context["page"]
    assert town.current.visits == 0  # 乙镇's, not the county's cached figures
    assert login(stored.users["supervisor"]).get(COVERAGE, PARAMS).context["page"].current.visits == 1


def test_writing_snapshots_invalidates_the_headline(login, stored):
    client = login(stored.users["supervisor"])
    assert client.get(COVERAGE, PARAMS).context["page"].current.visits == 1
    _visit(stored, stored.ent_b1)
    assert client.get(COVERAGE, PARAMS).context["page"].current.visits == 1  # T+1, as the tables
    compute_snapshots(LAST_MONTH.start, LAST_MONTH.end)
    assert client.get(COVERAGE, PARAMS).context["page"].current.visits == 2


def test_headline_figures_from_raw_rows_are_not_kept(login, stored):
    client = login(stored.users["supervisor"])
    params = {**PARAMS, "scale": "above"}
    _sql_of(client, params)
    assert any("visits_visit" in sql for sql in _sql_of(client, params))

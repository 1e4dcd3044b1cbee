"""On the demo county (seed_demo --until D) the metrics reproduce Jiashan's reference figures, and
every page figure is the metrics module's figure."""

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from analytics import metrics, snapshots
from analytics.models import Snapshot
from analytics.periods import Period, to_date
from cadres.models import Cadre

UNTIL = dt.date(2026, 11, 20)
START = dt.date(2025, 5, 1)  # seed_demo's 18 months back from UNTIL, to the first of the month


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--until", UNTIL.isoformat(), "--force", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


pytestmark = pytest.mark.django_db


def test_whole_period_county_figures_match_the_reference(county):
    out = StringIO()
    call_command("metrics", "--from", START.isoformat(), "--to", UNTIL.isoformat(), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["enterprises_visited"], data["enterprises_active"]) == (1782, 1801)
    assert data["coverage_rate"] == "98.95"
    assert (data["visits"], data["requests"]) == (10602, 2074)


def test_towns_and_industries_partition_the_county(county):
    period = Period(START, UNTIL)
    whole = metrics.compute(period)
    for kind in (metrics.TOWN, metrics.INDUSTRY):
        parts = metrics.compute_grouped(period, kind).values()
        for name in ("enterprises_active", "enterprises_visited", "visits", "requests", "closed", "overdue"):
            assert sum(getattr(m, name) for m in parts) == getattr(whole, name), (kind, name)


def test_month_snapshots_equal_the_live_metrics_for_every_scope(county):
    october = Period.containing("month", dt.date(2026, 10, 1))
    snapshots.compute_snapshots(october.start, october.end, today=dt.date(2026, 11, 21))
    for kind in metrics.SCOPE_KINDS:
        live = metrics.compute_grouped(october, kind, with_baseline=True)
        stored = {
            row.scope_key: metrics.Metrics.from_snapshot(row)
            for row in Snapshot.objects.filter(period="month", period_start=october.start, scope=kind)
        }
        assert stored == live, kind


def _cells(html: str, metric: str) -> list[str]:
    return re.findall(rf'data-metric="{metric}">([^<]*)<', html)


def test_cadre_record_page_shows_the_metrics_figures(county, client):
    cadre = Cadre.objects.get(user__username="cadre")
    client.force_login(cadre.user)
    html = client.get(reverse("analytics:my_record")).content.decode()
    today = timezone.localdate()
    expected = [
        metrics.compute(to_date(today, kind), metrics.Scope("cadre", cadre.code))
        for kind in ("month", "quarter", "year")
    ]
    assert _cells(html, "visits") == [str(m.visits) for m in expected]
    assert _cells(html, "coverage") == [f"{m.enterprises_visited} / {m.enterprises_active}" for m in expected]
    assert _cells(html, "satisfaction_rate") == [
        "—" if m.satisfaction_rate is None else f"{m.satisfaction_rate}%" for m in expected
    ]


def test_cadre_records_list_shows_the_metrics_figures(county, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="supervisor"))
    html = client.get(reverse("analytics:cadre_records"), {"period": "year"}).content.decode()
    codes = re.findall(r'data-cadre="([^"]+)"', html)
    assert len(codes) == 50
    year = to_date(timezone.localdate(), "year")
    grouped = metrics.compute_grouped(year, metrics.CADRE, keys=codes)
    assert _cells(html, "visits") == [str(grouped[c].visits) for c in codes]
    assert _cells(html, "coverage_rate") == [
        "—" if grouped[c].coverage_rate is None else f"{grouped[c].coverage_rate}%" for c in codes
    ]


def test_record_page_and_metrics_command_agree(county, client):
    cadre = Cadre.objects.get(user__username="cadre")
    client.force_login(cadre.user)
    html = client.get(reverse("analytics:my_record")).content.decode()
    year = to_date(timezone.localdate(), "year")
    out = StringIO()
    call_command(
        "metrics",
        "--from",
        str(year.start),
        "--to",
        str(year.end),
        "--cadre",
        cadre.code,
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert _cells(html, "visits")[2] == str(data["visits"])
    assert _cells(html, "coverage")[2] == f"{data['enterprises_visited']} / {data['enterprises_active']}"
    assert _cells(html, "coverage_rate")[2] == (
        "—" if data["coverage_rate"] is None else f"{data['coverage_rate']}%"
    )
    assert _cells(html, "requests")[2] == str(data["requests"])

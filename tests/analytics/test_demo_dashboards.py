"""The demo county through the supervisor's eyes: every dashboard figure equals ``manage.py metrics``
for the same period and scope, the seasonal peaks show, and the month's report agrees."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from analytics import services
from analytics.models import ProblemCluster
from analytics.snapshots import compute_snapshots
from enterprises.models import Town
from qiqing.models import BackgroundJob
from tests.analytics.helpers import metrics_json, rate_text, workbook

TODAY = timezone.localdate()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county (18 months to today), seeded once for the module and rolled back after."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--until", TODAY.isoformat(), "--force", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="supervisor"))
    return client


def _cards(response):
    return {card.key: card.value for card in response.context["page"].cards}


def test_last_months_dashboard_equals_the_metrics_command(supervisor):
    response = supervisor.get(reverse("analytics:coverage"), {"period": "last_month"})
    page = response.context["page"]
    figures = metrics_json(page.window.period)
    cards = _cards(response)
    assert figures["visits"] > 0 and cards["visits"] == figures["visits"]
    for key in ("coverage_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert rate_text(cards[key]) == figures[key], key
    assert (
        cards["requests"] == figures["requests"]
        and cards["enterprises_visited"] == figures["enterprises_visited"]
    )
    for row in page.by_town.rows:
        town = metrics_json(page.window.period, town=row.data["town"])
        assert rate_text(row.values["coverage_rate"]) == town["coverage_rate"]
        assert row.values["overdue"] == town["overdue"]


def test_this_months_dashboard_from_the_nightly_snapshots(supervisor):
    compute_snapshots()
    response = supervisor.get(reverse("analytics:coverage"))
    page = response.context["page"]
    figures = metrics_json(page.window.period)
    assert page.from_snapshot or page.window.live
    assert _cards(response)["visits"] == figures["visits"]
    assert rate_text(_cards(response)["coverage_rate"]) == figures["coverage_rate"]
    town = Town.objects.order_by("order").first()
    drill = supervisor.get(reverse("analytics:coverage_town", args=[town.pk]))
    assert _cards(drill)["visits"] == metrics_json(page.window.period, town=town.code)["visits"]


def test_the_issue_mix_shows_the_hiring_and_schooling_peaks(supervisor):
    page = supervisor.get(reverse("analytics:issues")).context["page"]
    summary = "\n".join(page.summary)
    assert "招工用工诉求在春节后4周明显集中" in summary
    schooling = next(s for s in page.summary if s.startswith("子女就学诉求的高峰在"))
    assert any(f"高峰在{m}月" in schooling for m in (7, 8, 9))
    shares = {p.start.year: c.share("子女就学") for p, c in page.years}
    first, second = sorted(shares)[:2]
    assert shares[first] > 10 and shares[second] < 4  # about 15 % → about 2 %
    assert page.festivals and max(page.festivals[-1].weeks[0].counts.values()) > 0


def test_the_months_report_equals_the_metrics(supervisor, django_capture_on_commit_callbacks):
    last_month = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    with django_capture_on_commit_callbacks(execute=True):
        supervisor.post(reverse("analytics:reports"), {"month": f"{last_month:%Y-%m}"})
    job = BackgroundJob.objects.get(kind="monthly_report")
    sheets = workbook(supervisor.get(reverse("job_file", args=[job.pk])))
    headline = {row[0]: row[1] for row in sheets["主要指标"][1:]}
    page = supervisor.get(reverse("analytics:coverage"), {"period": "last_month"}).context["page"]
    figures = metrics_json(page.window.period)
    assert headline["走访次数"] == figures["visits"]
    assert f"{headline['走访覆盖率(%)']:.2f}" == figures["coverage_rate"]
    assert f"{headline['满意率(%)']:.2f}" == figures["satisfaction_rate"]


def test_common_problems_and_the_weeks_red_and_black_lists(supervisor):
    services.problem_clusters_compute()
    assert ProblemCluster.objects.count() >= 20
    body = supervisor.get(reverse("analytics:problems")).content.decode()
    assert "岗前培训" in body
    services.ranking_compute(week_start=services.last_complete_week(TODAY))
    page = supervisor.get(reverse("analytics:ranking")).context["page"]
    assert len(page.red) >= 3 and len(page.black) >= 3

"""The demo county reproduces Jiashan's reference figures from raw rows."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from cadres.models import Cadre, StaffRole
from enterprises.models import Enterprise, EnterpriseContact
from enterprises.validators import uscc_error
from requests_tracker.models import Request, RequestEvent
from visits.models import Visit

UNTIL = dt.date(2026, 11, 20)


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


def test_reference_counts(county):
    assert Cadre.objects.active().count() == 362
    assert Enterprise.objects.count() == 1801
    assert Visit.objects.count() == 10602
    assert Request.objects.count() == 2074


def test_coverage_over_the_whole_period_is_98_95(county):
    visited = Enterprise.objects.filter(visits__isnull=False).distinct().count()
    assert visited == 1782
    assert round(visited / Enterprise.objects.active().count() * 100, 2) == 98.95


def test_every_active_cadre_holds_two_to_ten(county):
    counts = (
        Cadre.objects.active()
        .with_active_count()
        .aggregate(
            low=Count("pk", filter=Q(active_count__lt=2)), high=Count("pk", filter=Q(active_count__gt=10))
        )
    )
    assert counts == {"low": 0, "high": 0}


def test_every_enterprise_has_a_liaison_and_a_valid_code(county):
    assert not Enterprise.objects.exclude(assignments__end__isnull=True).exists()
    assert all(uscc_error(code) is None for code in Enterprise.objects.values_list("uscc", flat=True))


def test_schooling_share_falls_from_about_15_to_about_2_percent(county):
    def share(year):
        qs = Request.objects.filter(submitted_at__year=year)
        return qs.filter(category__name="子女就学").count() / qs.count() * 100

    assert 10 < share(2025) < 20 and share(2026) < 4


def test_hiring_peaks_after_spring_festival(county):
    hiring = Request.objects.filter(category__name="招工用工")
    after = hiring.filter(submitted_at__date__range=(dt.date(2026, 2, 17), dt.date(2026, 3, 16))).count()
    before = hiring.filter(submitted_at__date__range=(dt.date(2026, 1, 1), dt.date(2026, 1, 28))).count()
    assert after > 2 * before


def test_every_request_has_a_consistent_history(county):
    mismatched = [
        r.ref
        for r in Request.objects.prefetch_related("events")[:300]
        if list(r.events.all())[-1].to_status != r.status
    ]
    assert mismatched == []
    assert RequestEvent.objects.filter(action="submit").count() == 2074


def test_closed_requests_have_dates_in_order(county):
    bad = Request.objects.filter(status="closed").filter(
        Q(closed_at__isnull=True) | Q(responded_at__isnull=True)
    )
    assert not bad.exists()


def test_one_login_per_role(county):
    assert StaffRole.objects.filter(
        user__username="supervisor", role="supervisor", town__isnull=True
    ).exists()
    assert StaffRole.objects.filter(user__username="handler", role="handler").exists()
    cadre = Cadre.objects.get(user__username="cadre")
    contact = EnterpriseContact.objects.get(user__username="contact")
    assert cadre.assignments.filter(enterprise=contact.enterprise, end__isnull=True).exists()


def test_refuses_a_database_that_has_data(county):
    with pytest.raises(CommandError, match="already holds enterprises"):
        call_command("seed_demo", force=True, verbosity=0)


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", verbosity=0)


def test_rejects_a_bad_scale():
    with pytest.raises(CommandError, match="--scale=0"):
        call_command("seed_demo", scale=0, force=True, verbosity=0)


def test_no_two_visits_share_the_ledger_key(county):
    from django.db.models import Count

    duplicates = (
        Visit.objects.values("enterprise", "cadre", "date", "mode").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not duplicates.exists()


def test_a_fresh_demo_opens_on_twelve_weeks_of_rankings_and_common_problems(county):
    from analytics.models import ProblemCluster, TownRanking
    from analytics.services import last_complete_week

    weeks = list(TownRanking.objects.order_by("week_start").values_list("week_start", flat=True))
    last = last_complete_week(UNTIL)
    assert weeks == [last - dt.timedelta(days=7 * back) for back in range(11, -1, -1)]
    newest = TownRanking.objects.get(week_start=last)
    assert newest.entries.count() == 9
    assert sorted(newest.entries.values_list("rank", flat=True)) == list(range(1, 10))
    # The second week onwards knows the previous week's rank.
    assert newest.entries.filter(previous_rank__isnull=True).count() == 0
    assert ProblemCluster.objects.count() >= 10


def test_rejects_a_bad_ranking_history():
    with pytest.raises(CommandError, match="--ranking-weeks=-1"):
        call_command("seed_demo", ranking_weeks=-1, force=True, verbosity=0)

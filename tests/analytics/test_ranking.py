"""擂台比武: exact scores, ties, red and black lists, weights, and an idempotent weekly job."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from analytics import ranking, services
from analytics.models import RankingIndicator, TownRanking, TownRankingEntry
from analytics.periods import Period
from qiqing.models import JobRun
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
P = Period(D(2025, 10, 1), D(2025, 10, 31))
WEIGHTS = [("coverage_rate", Decimal("3")), ("overdue", Decimal("1")), ("satisfaction_rate", Decimal("5"))]


def _town(code, name, visited, overdue):
    """A town of four active enterprises, ``visited`` of them visited in P, ``overdue`` requests
    past their deadline and unanswered at the end of P."""
    town = f.TownFactory(code=code, name=name)
    cadre = f.CadreFactory(unit=f.TownUnitFactory(town=town))
    enterprises = [f.EnterpriseFactory(town=town) for _ in range(4)]
    for enterprise in enterprises[:visited]:
        f.VisitFactory(enterprise=enterprise, cadre=cadre, date=D(2025, 10, 9))
    for _ in range(overdue):
        f.RequestFactory(
            enterprise=enterprises[0],
            status="in_progress",
            submitted_at=dt.datetime(2025, 10, 2, 9, tzinfo=dt.UTC),
            assigned_at=dt.datetime(2025, 10, 2, 10, tzinfo=dt.UTC),
            response_due=D(2025, 10, 16),
        )
    return town


@pytest.fixture
def towns(db):
    return [
        _town("X", "甲镇", visited=4, overdue=0),  # coverage 100 → 100; overdue 0 → 100
        _town("Y", "乙镇", visited=2, overdue=2),  # coverage 50 → 33.33; overdue 2 → 0
        _town("Z", "丙镇", visited=1, overdue=1),  # coverage 25 → 0; overdue 1 → 50
    ]


def test_scores_are_weighted_means_of_min_max_normalised_indicators(towns):
    rows = ranking.score_towns(P, WEIGHTS)
    # Satisfaction has no ratings anywhere: left out, not scored. X (3·100 + 100)/4, Y (3·33⅓ + 0)/4,
    # Z (3·0 + 50)/4.
    assert [(r.town_code, r.score, r.rank) for r in rows] == [
        ("X", Decimal("100.00"), 1),
        ("Y", Decimal("25.00"), 2),
        ("Z", Decimal("12.50"), 3),
    ]
    assert rows[1].values["coverage_rate"] == {"value": "50.00", "score": "33.33"}
    assert rows[2].values["overdue"] == {"value": "1", "score": "50.00"}
    assert rows[0].values["satisfaction_rate"] == {"value": None, "score": None}


def test_lists_take_half_of_a_small_county(towns):
    rows = ranking.score_towns(P, WEIGHTS)
    assert [r.board for r in rows] == ["red", "", "black"]


def test_equal_scores_share_a_rank_and_a_list(towns):
    _town("W", "丁镇", visited=2, overdue=2)  # the same as Y
    rows = ranking.score_towns(P, WEIGHTS)
    assert [(r.town_code, r.rank, r.board) for r in rows] == [
        ("X", 1, "red"),
        ("Y", 2, "red"),
        ("W", 2, "red"),
        ("Z", 4, "black"),
    ]


def test_all_towns_tied_publish_no_list(towns):
    rows = ranking.score_towns(P, [("satisfaction_rate", Decimal("1"))])
    assert {r.score for r in rows} == {Decimal("0.00")} and {r.board for r in rows} == {""}


def _notice(town, level, issued, number):
    from requests_tracker.models import SupervisionNotice

    request = f.RequestFactory(enterprise=f.EnterpriseFactory(town=town), status="in_progress")
    return SupervisionNotice.objects.create(
        request=request,
        unit=f.UnitFactory(),
        town=town,
        level=level,
        year=issued.year,
        number=number,
        issued_at=issued,
        due=D(2025, 10, 1),
        days_overdue=5,
    )


def test_red_and_yellow_cards_are_counted_per_town_within_the_period(towns):
    x, y, _ = towns
    inside = dt.datetime(2025, 10, 20, 10, tzinfo=dt.UTC)
    _notice(y, "red", inside, 1)
    _notice(y, "red", inside, 2)
    _notice(x, "yellow", inside, 3)
    _notice(x, "red", dt.datetime(2025, 11, 3, 10, tzinfo=dt.UTC), 4)  # after P: not counted
    assert ranking.supervision_cards(P, "red") == {"Y": 2}
    assert ranking.supervision_cards(P, "yellow") == {"X": 1}
    assert ranking.INDICATORS["red_cards"].values(P, {"X": None, "Y": None, "Z": None}) == {
        "X": 0,
        "Y": 2,
        "Z": 0,
    }


def test_weekly_ranking_uses_the_admins_weights(towns, settings):
    RankingIndicator.objects.exclude(code__in=["coverage_rate", "overdue"]).update(active=False)
    RankingIndicator.objects.filter(code="coverage_rate").update(weight=3)
    RankingIndicator.objects.filter(code="overdue").update(weight=1)
    week = D(2025, 10, 27)  # Mon 27 October – Sun 2 November: the quarter to date is 1 Oct – 2 Nov
    settings.QIQING_RANKING_WINDOW = "quarter"
    result = services.ranking_compute(week_start=week)
    assert (result.period_start, result.period_end) == (D(2025, 10, 1), D(2025, 11, 2))
    assert [(e.town.code, e.score) for e in result.entries.order_by("rank")] == [
        ("X", Decimal("100.00")),
        ("Y", Decimal("25.00")),
        ("Z", Decimal("12.50")),
    ]
    RankingIndicator.objects.filter(code="coverage_rate").update(weight=0)
    result = services.ranking_compute(week_start=week)
    assert [e.town.code for e in result.entries.order_by("rank")] == ["X", "Z", "Y"]


def test_no_weighted_indicator_is_refused(towns):
    RankingIndicator.objects.update(weight=0)
    with pytest.raises(ValidationError, match="没有启用且权重大于 0 的指标"):
        services.ranking_compute(week_start=D(2025, 10, 27))
    with pytest.raises(CommandError, match="没有启用且权重大于 0 的指标"):
        call_command("rank_towns", "--week", "2025-10-27", stdout=StringIO())
    assert JobRun.objects.get(name="rank_towns").ok is False


def test_week_must_start_on_monday(towns):
    with pytest.raises(CommandError, match="--week=2025-10-28"):
        call_command("rank_towns", "--week", "2025-10-28", stdout=StringIO())


def _table():
    return sorted(
        TownRankingEntry.objects.values_list(
            "ranking__week_start", "town__code", "rank", "score", "previous_rank", "board"
        )
    )


def test_running_the_weekly_ranking_twice_changes_nothing(towns):
    services.ranking_compute(week_start=D(2025, 10, 20))
    services.ranking_compute(week_start=D(2025, 10, 27))
    first = _table()
    services.ranking_compute(week_start=D(2025, 10, 27))
    assert _table() == first
    assert TownRanking.objects.count() == 2 and TownRankingEntry.objects.count() == 6


def test_change_since_last_week(towns):
    services.ranking_compute(week_start=D(2025, 10, 20))
    entry = TownRankingEntry.objects.get(ranking__week_start=D(2025, 10, 20), town__code="Y")
    assert entry.previous_rank is None and entry.change is None
    TownRankingEntry.objects.filter(pk=entry.pk).update(rank=3)  # last week Y was third
    services.ranking_compute(week_start=D(2025, 10, 27))
    now = TownRankingEntry.objects.get(ranking__week_start=D(2025, 10, 27), town__code="Y")
    assert (now.previous_rank, now.rank, now.change) == (3, 2, 1)


def test_an_interrupted_ranking_leaves_the_previous_table_and_reruns_clean(towns, monkeypatch):
    services.ranking_compute(week_start=D(2025, 10, 27))
    clean = _table()
    real = services._write_entry
    calls = []

    def dies_after_one_town(*args):
        if calls:
            raise RuntimeError("worker killed")
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(services, "_write_entry", dies_after_one_town)
    with pytest.raises(RuntimeError):
        services.ranking_compute(week_start=D(2025, 10, 27))
    assert _table() == clean  # the half-written week was rolled back whole
    monkeypatch.setattr(services, "_write_entry", real)
    services.ranking_compute(week_start=D(2025, 10, 27))
    assert _table() == clean


def test_the_job_ranks_last_complete_week_and_logs_it(towns):
    call_command("rank_towns", "--week", "2025-10-27", stdout=StringIO())
    run = JobRun.objects.get(name="rank_towns")
    assert run.ok and run.trigger == "command"
    assert run.counts["red"] == ["甲镇"] and run.counts["black"] == ["丙镇"]
    assert services.last_complete_week(D(2025, 11, 3)) == D(2025, 10, 27)  # a Monday
    assert services.last_complete_week(D(2025, 11, 9)) == D(2025, 10, 27)  # a Sunday: week not over


def test_the_default_indicators_match_the_data_migration_and_refill_an_empty_table(db):
    import importlib

    from analytics.models import RankingIndicator
    from analytics.ranking import DEFAULT_WEIGHTS, INDICATORS
    from analytics.services import ensure_ranking_indicators

    migration = importlib.import_module("analytics.migrations.0003_default_ranking_indicators")
    added = importlib.import_module("analytics.migrations.0006_false_closure_indicator")
    meetups = importlib.import_module("analytics.migrations.0008_ranking_meetups_indicator")
    assert migration.DEFAULTS + added.ADDED + meetups.ADDED == DEFAULT_WEIGHTS
    assert RankingIndicator.objects.get(code="false_closures").weight == 5
    assert RankingIndicator.objects.get(code="meetups").weight == 5
    assert {code for code, _, _ in DEFAULT_WEIGHTS} <= set(INDICATORS)
    RankingIndicator.objects.filter(code="overdue").update(weight=3)
    assert ensure_ranking_indicators() == 0  # an admin's table is left alone
    assert RankingIndicator.objects.get(code="overdue").weight == 3
    RankingIndicator.objects.all().delete()
    assert ensure_ranking_indicators() == len(DEFAULT_WEIGHTS)
    assert list(RankingIndicator.objects.values_list("code", "weight", "active")) == [
        (code, weight, active) for code, weight, active in DEFAULT_WEIGHTS
    ]

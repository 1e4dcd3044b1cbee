"""Enterprise-attribute restrictions, the town split, series and per-enterprise facts of
analytics.metrics, on the hand-worked county of tests/analytics/dataset.py (October 2025)."""

import datetime as dt

import pytest

from analytics import metrics
from analytics.periods import Period, calendar_periods
from enterprises.models import Enterprise, Town
from tests import factories as f
from tests.analytics import dataset
from tests.analytics.dataset import EXPECTED, P, counts

pytestmark = pytest.mark.django_db

TA, TB, TC = "330421901", "330421902", "330421903"


@pytest.fixture
def county(db):
    return dataset.build()


def _counts(m: metrics.Metrics) -> dict:
    return {name: getattr(m, name) for name in metrics.COUNT_FIELDS}


def _town_ids(*codes):
    return frozenset(Town.objects.filter(code__in=codes).values_list("pk", flat=True))


@pytest.mark.parametrize("industry", ["装备制造", "电子信息"])
def test_county_restricted_to_an_industry_is_the_industry_scope(county, industry):
    restricted = metrics.compute(P, restriction=metrics.Restriction(industries={industry}))
    assert _counts(restricted) == EXPECTED[("industry", industry)]
    assert (
        restricted.category_counts == metrics.compute(P, metrics.Scope("industry", industry)).category_counts
    )


@pytest.mark.parametrize("town", [TA, TB, TC])
def test_county_restricted_to_a_town_is_the_town_scope(county, town):
    restricted = metrics.compute(P, restriction=metrics.Restriction(town_ids=_town_ids(town)))
    assert _counts(restricted) == EXPECTED[("town", town)]


def test_a_unit_restricted_to_a_town_counts_only_its_work_there(county):
    # 县经信局 (U901, cadre c3) in 乙镇: pairing c3–e4, its visit v7 and joined v6, request R9.
    in_tb = metrics.compute(
        P, metrics.Scope("unit", "U901"), restriction=metrics.Restriction(town_ids=_town_ids(TB))
    )
    assert _counts(in_tb) == counts(
        enterprises_active=1, enterprises_visited=1, visits=2, requests=1, assigned=1
    )
    in_ta = metrics.compute(
        P, metrics.Scope("unit", "U901"), restriction=metrics.Restriction(town_ids=_town_ids(TA))
    )
    assert _counts(in_ta) == counts(
        requests=3, closed=1, closed_on_time=1, assigned=3, assigned_responded=2, rated=2, satisfied=1
    )


@pytest.mark.parametrize("kind", ["county", "unit", "cadre", "industry"])
def test_the_town_split_equals_each_key_restricted_to_each_town(county, kind):
    split = metrics.compute_by_town(P, kind)
    assert split  # the dataset has activity in every kind
    for (key, town), figures in split.items():
        alone = metrics.compute(
            P, metrics.Scope(kind, key), restriction=metrics.Restriction(town_ids=_town_ids(town))
        )
        assert _counts(figures) == _counts(alone), (key, town)
        assert figures.category_counts == alone.category_counts


def test_the_town_split_adds_up_to_the_unit_totals(county):
    split = metrics.compute_by_town(P, "unit", keys=["U901"])
    total = {name: sum(getattr(m, name) for m in split.values()) for name in metrics.COUNT_FIELDS}
    assert total == EXPECTED[("unit", "U901")]


def test_a_town_cannot_be_split_by_town(county):
    with pytest.raises(ValueError):
        metrics.compute_by_town(P, "town")


def test_scale_restriction(county):
    Enterprise.objects.filter(pk=county.e1.pk).update(scale=Enterprise.Scale.ABOVE)
    above = metrics.compute(P, restriction=metrics.Restriction(scale=Enterprise.Scale.ABOVE))
    assert _counts(above) == counts(
        enterprises_active=1, enterprises_visited=1, visits=2, requests=2, closed=1, closed_on_time=1,
        assigned=2, assigned_responded=2, rated=2, satisfied=1,
    )  # fmt: skip
    below = metrics.compute(P, restriction=metrics.Restriction(scale=Enterprise.Scale.BELOW))
    whole = EXPECTED[("county", "")]
    assert {k: _counts(above)[k] + _counts(below)[k] for k in whole} == whole


def test_an_enterprise_with_two_of_the_tags_counts_once(county):
    key, high = f.TagFactory(name="重点企业"), f.TagFactory(name="高新技术企业")
    county.e1.tags.set([key, high])
    county.e4.tags.set([high])
    both = metrics.compute(P, restriction=metrics.Restriction(tag_ids={key.pk, high.pk}))
    # e1 and e4: 2 active, both visited; visits v1, v2 (e1) + v6 (e4); requests R1, R6 (e1) + R9 (e4).
    assert (both.enterprises_active, both.enterprises_visited, both.visits, both.requests) == (2, 2, 3, 3)
    assert both.overdue == 1  # R4 of e4, received in September, still unanswered at the end of P
    only_key = metrics.compute(P, restriction=metrics.Restriction(tag_ids={key.pk}))
    assert (only_key.enterprises_active, only_key.visits, only_key.requests) == (1, 2, 2)


def test_restrictions_combine_with_and(county):
    restriction = metrics.Restriction(town_ids=_town_ids(TB), industries={"装备制造"})
    result = metrics.compute(P, restriction=restriction)  # only e5
    assert (result.enterprises_active, result.visits, result.requests, result.overdue) == (1, 1, 2, 1)
    assert not metrics.Restriction() and restriction


def test_overdue_now_is_the_overdue_metric_of_a_running_period(county):
    today = dt.date(2025, 11, 20)
    running = Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    by_town = metrics.overdue_now("town", keys=[TA, TB, TC], today=today)
    for code, n in by_town.items():
        assert n == metrics.compute(running, metrics.Scope("town", code), today=today).overdue
    # R2 (due 11-14), R3 (11-10), R4 (10-10) and R9 (10-31) are open past their deadline on 11-20.
    assert metrics.overdue_now(today=today) == {"": 4}
    assert by_town == {TA: 1, TB: 3, TC: 0}


def test_category_series_per_month_equals_each_months_category_counts(county):
    months = list(calendar_periods("month", dt.date(2025, 9, 1), dt.date(2025, 11, 30)))
    series = metrics.category_counts_series(months)[""]
    for month, counted in zip(months, series, strict=True):
        assert counted.counts == metrics.compute(month).category_counts
    assert [s.total for s in series] == [1, 7, 1]  # R4 on 09-30 23:59 local, R3 on 11-01 00:10


def test_category_series_takes_overlapping_and_custom_windows(county):
    weeks = [
        Period(dt.date(2025, 10, 1), dt.date(2025, 10, 7)),
        Period(dt.date(2025, 10, 5), dt.date(2025, 10, 11)),
    ]
    first, second = metrics.category_counts_series(weeks)[""]
    assert first.counts == {"招工用工": 3, "子女就学": 1}  # R1, R7, R9 and R8
    assert second.counts == {"招工用工": 2, "子女就学": 2}  # R7, R9, R8 and R5
    assert first.share("招工用工") == metrics.rate(3, 4)


def test_category_series_by_town_with_a_restriction(county):
    towns = metrics.category_counts_series([P], "town", keys=[TA, TB, TC])
    assert {code: s[0].counts for code, s in towns.items()} == {
        TA: {"招工用工": 4}, TB: {"招工用工": 1, "子女就学": 2}, TC: {}
    }  # fmt: skip
    restricted = metrics.category_counts_series([P], restriction=metrics.Restriction(industries={"电子信息"}))
    assert (
        restricted[""][0].counts == metrics.compute(P, metrics.Scope("industry", "电子信息")).category_counts
    )


def test_visited_q_and_enterprise_visits_agree_with_coverage(county):
    visited = Enterprise.objects.filter(active=True).filter(metrics.visited_q(P))
    assert visited.count() == EXPECTED[("county", "")]["enterprises_visited"]
    facts = metrics.enterprise_visits(P, [county.e1.pk, county.e2.pk, county.e4.pk])
    assert facts == {county.e1.pk: (2, dt.date(2025, 10, 31)), county.e4.pk: (1, dt.date(2025, 10, 20))}


def test_category_series_of_windows_far_apart_reads_only_their_days(county):
    windows = [
        Period(dt.date(2025, 9, 28), dt.date(2025, 10, 1)),
        Period(dt.date(2025, 10, 30), dt.date(2025, 11, 2)),
    ]
    first, second = metrics.category_counts_series(windows)[""]
    assert first.counts == metrics.compute(windows[0]).category_counts == {"招工用工": 1, "子女就学": 1}
    assert second.counts == metrics.compute(windows[1]).category_counts


def test_combined_counts_of_a_partition_equal_the_whole(county):
    halves = [
        Period(dt.date(2025, 10, 1), dt.date(2025, 10, 15)),
        Period(dt.date(2025, 10, 16), dt.date(2025, 10, 31)),
    ]
    parts = metrics.category_counts_series(halves)[""]
    assert metrics.CategoryCounts.combined(parts).counts == metrics.compute(P).category_counts

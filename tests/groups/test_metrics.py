"""A meetup counts as a visit of each attending enterprise on its date, for coverage only."""

import datetime as dt

import pytest

from analytics import metrics, snapshots
from analytics.models import Snapshot
from analytics.periods import Period
from groups.models import IndustryChain, Meetup
from tests import factories as f

DAY = dt.date(2025, 10, 15)
OCTOBER = Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31))


@pytest.fixture
def met(db):
    """甲镇: e1 visited, e2 met only at a meetup, e3 neither; e2 is in a chain and paired with a cadre."""
    town = f.TownFactory(code="330421101")
    unit = f.UnitFactory(code="U1")
    cadre = f.CadreFactory(unit=unit, code="C1")
    e1, e2, e3 = (f.EnterpriseFactory(town=town) for _ in range(3))
    for enterprise in (e1, e2):
        f.AssignmentFactory(cadre=cadre, enterprise=enterprise, start=dt.date(2025, 1, 1))
    f.VisitFactory(enterprise=e1, cadre=cadre, date=DAY)
    meetup = Meetup.objects.create(theme="亲清会", date=DAY, host_town=town)
    meetup.enterprises.set([e2])
    chain = IndustryChain.objects.create(code="L1", name="袜业", chief=cadre)
    chain.enterprises.set([e2, e3])
    return town, cadre, e2


def test_an_enterprise_met_only_at_a_meetup_is_covered(met):
    town, cadre, _e2 = met
    figures = metrics.compute(OCTOBER, metrics.Scope(metrics.TOWN, town.code))
    assert (figures.enterprises_visited, figures.enterprises_active, figures.visits) == (2, 3, 1)
    assert figures.coverage_rate == metrics.rate(2, 3)


def test_the_meetup_counts_for_the_liaison_cadre_and_the_chain(met):
    _town, cadre, _e2 = met
    assert metrics.compute(OCTOBER, metrics.Scope(metrics.CADRE, cadre.code)).enterprises_visited == 2
    chain = metrics.compute(OCTOBER, metrics.Scope(metrics.CHAIN, "L1"))
    assert (chain.enterprises_visited, chain.enterprises_active, chain.visits) == (1, 2, 0)


def test_a_meetup_outside_the_period_does_not_count(met):
    town, _cadre, _e2 = met
    november = Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    assert metrics.compute(november, metrics.Scope(metrics.TOWN, town.code)).enterprises_visited == 0


def test_coverage_with_check_in_only_ignores_meetups(met):
    town, _cadre, _e2 = met
    checked, active, _rate = metrics.checkin_coverage(OCTOBER, metrics.Scope(metrics.TOWN, town.code))
    assert (checked, active) == (0, 3)


def test_snapshots_agree_with_the_live_metrics_for_the_meetup(met):
    town, _cadre, _e2 = met
    snapshots.compute_snapshots(OCTOBER.start, OCTOBER.end, today=dt.date(2025, 11, 2))
    row = Snapshot.objects.get(period="month", period_start=OCTOBER.start, scope="town", scope_key=town.code)
    assert (row.enterprises_visited, row.visits) == (2, 1)
    chain = Snapshot.objects.get(period="month", period_start=OCTOBER.start, scope="chain", scope_key="L1")
    assert chain.enterprises_visited == 1


def test_the_per_enterprise_facts_mark_the_meetup_day(met):
    _town, _cadre, e2 = met
    assert metrics.enterprise_visits(OCTOBER, [e2.pk]) == {e2.pk: (0, DAY)}
    assert e2.__class__.objects.filter(metrics.visited_q(OCTOBER), pk=e2.pk).exists()


def test_meetups_held_is_a_ranking_indicator(met):
    from analytics.ranking import INDICATORS

    town, _cadre, _e2 = met
    values = INDICATORS["meetups"].values(OCTOBER, {town.code: None, "330421102": None})
    assert values == {town.code: 1, "330421102": 0}

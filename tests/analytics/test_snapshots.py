"""compute_snapshots writes exact, idempotent snapshot rows and survives being interrupted."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from analytics import metrics, snapshots
from analytics.models import Snapshot
from analytics.periods import Period
from groups.models import IndustryChain, Meetup
from qiqing.models import JobRun
from requests_tracker.models import Request
from tests import factories as f
from tests.analytics import dataset
from tests.analytics.dataset import EXPECTED, EXPECTED_CATEGORIES, P

pytestmark = pytest.mark.django_db
D = dt.date
AFTER = D(2025, 11, 10)  # "today" for these runs: October is complete, Q4 and 2025 still running


@pytest.fixture
def county(db):
    return dataset.build()


def _table() -> list[tuple]:
    """Every snapshot row without its id and computation time, in a stable order."""
    fields = [
        "period",
        "period_start",
        "period_end",
        "data_until",
        "scope",
        "scope_key",
        *snapshots.DATA_FIELDS,
    ]
    return sorted(
        tuple(str(v) if isinstance(v, dict) else v for v in row)
        for row in Snapshot.objects.values_list(*fields)
    )


def test_october_rows_hold_the_hand_worked_figures(county):
    snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    for (kind, key), expected in EXPECTED.items():
        row = Snapshot.objects.get(period="month", period_start=P.start, scope=kind, scope_key=key)
        stored = metrics.Metrics.from_snapshot(row)
        assert {name: getattr(stored, name) for name in metrics.COUNT_FIELDS} == expected, (kind, key)
        assert stored.category_counts == EXPECTED_CATEGORIES[(kind, key)]
        assert (row.period_end, row.data_until) == (P.end, P.end)


def test_every_period_kind_and_scope_kind_gets_rows(county):
    from groups.models import IndustryChain

    IndustryChain.objects.create(code="L01", name="袜业")
    counts = snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    # 31 days, 5 ISO weeks touching October, the month, Q4, 2025 — each with 14 scope keys
    # (county, 3 towns, 3 units, 4 cadres, 2 industries, 1 industry chain).
    assert (counts["day"], counts["week"], counts["month"], counts["quarter"], counts["year"]) == (
        31,
        5,
        1,
        1,
        1,
    )
    assert Snapshot.objects.count() == counts["rows"] == 39 * 14
    assert set(Snapshot.objects.values_list("scope", flat=True)) == set(metrics.SCOPE_KINDS)


def test_a_running_period_is_computed_through_yesterday(county):
    snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    quarter = Snapshot.objects.get(period="quarter", scope="cadre", scope_key="C903")
    assert (quarter.period_end, quarter.data_until) == (D(2025, 12, 31), D(2025, 11, 9))
    live = metrics.compute(Period(D(2025, 10, 1), D(2025, 11, 9)), metrics.Scope("cadre", "C903"))
    assert metrics.Metrics.from_snapshot(quarter) == live


def test_nightly_run_snapshots_the_periods_containing_yesterday(county):
    counts = snapshots.compute_snapshots(today=D(2025, 10, 16))
    assert counts["periods"] == 5 and (counts["from"], counts["to"]) == ("2025-10-15", "2025-10-15")
    month = Snapshot.objects.get(period="month", scope="county")
    assert month.data_until == D(2025, 10, 15)
    assert metrics.Metrics.from_snapshot(month) == metrics.compute(Period(D(2025, 10, 1), D(2025, 10, 15)))


def test_a_partial_range_never_leaves_half_a_period_in_a_slot(county):
    snapshots.compute_snapshots(D(2025, 10, 1), D(2025, 10, 5), today=AFTER)
    month = Snapshot.objects.get(period="month", scope="county")
    assert month.data_until == P.end
    assert month.visits == EXPECTED[("county", "")]["visits"]


def test_running_twice_changes_nothing(county):
    snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    first = _table()
    stamps = sorted(Snapshot.objects.values_list("pk", "computed_at"))
    again = snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    assert again["written"] == 0
    assert _table() == first
    assert sorted(Snapshot.objects.values_list("pk", "computed_at")) == stamps  # not even touched


def test_a_new_day_rewrites_only_what_changed(county):
    snapshots.compute_snapshots(today=D(2025, 10, 24))  # periods containing 10-23
    f.VisitFactory(enterprise=county.e2, cadre=county.c2, date=D(2025, 10, 24))  # nothing else on 10-24
    counts = snapshots.compute_snapshots(today=D(2025, 10, 25))
    # Week, month, quarter and year each change in county, town TA, unit T901, cadre C902 and
    # 电子信息 (five rows); the new day 10-24 is written whole (13 rows).
    assert counts["written"] == 4 * 5 + 13
    month = Snapshot.objects.get(period="month", scope="cadre", scope_key="C902")
    assert (month.data_until, month.visits, month.enterprises_visited) == (D(2025, 10, 24), 3, 1)
    assert set(Snapshot.objects.filter(period="month").values_list("data_until", flat=True)) == {
        D(2025, 10, 24)
    }


def test_an_interrupted_run_rerun_ends_like_a_clean_run(county, monkeypatch):
    snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    clean = _table()
    Snapshot.objects.all().delete()

    real_write = snapshots.write_period
    written = []

    def dies_on_the_tenth_period(period, *args):
        if len(written) == 9:
            raise RuntimeError("worker killed")
        written.append(period)
        return real_write(period, *args)

    monkeypatch.setattr(snapshots, "write_period", dies_on_the_tenth_period)
    with pytest.raises(RuntimeError, match="worker killed"):
        snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    assert Snapshot.objects.count() == 9 * 13  # nine whole periods, nothing half written
    monkeypatch.setattr(snapshots, "write_period", real_write)

    snapshots.compute_snapshots(P.start, P.end, today=AFTER)
    assert _table() == clean


def test_a_rerun_drops_slots_it_no_longer_produces(county):
    idle = f.CadreFactory(code="C999", unit=county.u1)
    snapshots.compute_snapshots(P.start, P.start, today=AFTER)
    assert Snapshot.objects.filter(scope="cadre", scope_key="C999").count() == 5
    idle.active = False
    idle.save()
    snapshots.compute_snapshots(P.start, P.start, today=AFTER)
    assert not Snapshot.objects.filter(scope="cadre", scope_key="C999").exists()


def test_a_period_is_computed_in_the_same_number_of_queries_for_more_keys(county):
    key_maps = {kind: metrics.KeyMap(kind) for kind in metrics.SCOPE_KINDS}

    def queries():
        with CaptureQueriesContext(connection) as captured:
            snapshots.build_rows(P, P.end, key_maps, AFTER)
        return len(captured)

    before = queries()
    for _ in range(6):
        cadre = f.CadreFactory(unit=county.uta)
        enterprise = f.EnterpriseFactory(town=county.ta, industry="食品加工")
        f.AssignmentFactory(cadre=cadre, enterprise=enterprise, start=D(2025, 1, 1))
        f.VisitFactory(cadre=cadre, enterprise=enterprise, date=D(2025, 10, 3))
    key_maps = {kind: metrics.KeyMap(kind) for kind in metrics.SCOPE_KINDS}
    assert queries() == before


def test_command_runs_the_job_and_logs_it(county):
    out = StringIO()
    call_command("compute_snapshots", "--from", "2025-10-01", "--to", "2025-10-02", stdout=out)
    run = JobRun.objects.get(name="compute_snapshots")
    assert run.ok and run.trigger == "command" and run.counts["day"] == 2
    assert "指标快照已更新" in out.getvalue()


def test_command_refuses_a_start_after_yesterday(county):
    with pytest.raises(CommandError, match="--from=2999-01-01"):
        call_command("compute_snapshots", "--from", "2999-01-01", stdout=StringIO())
    with pytest.raises(CommandError, match="--from=2025-10-05 晚于 --to=2025-10-01"):
        call_command("compute_snapshots", "--from", "2025-10-05", "--to", "2025-10-01", stdout=StringIO())


@pytest.mark.parametrize(
    "period, today",
    [
        (P, AFTER),  # October, complete
        (P, D(2025, 10, 20)),  # October as of a day inside it (overdue as of today)
        (Period(D(2025, 10, 3), D(2025, 10, 3)), AFTER),  # one day
        (Period.containing("week", D(2025, 10, 15)), AFTER),
        (Period.containing("year", D(2025, 10, 15)), AFTER),
    ],
)
def test_every_scope_at_once_equals_each_kind_computed_alone(county, period, today):
    # The snapshot job's set-based computation against the metrics' own per-kind queries.
    f.CadreFactory(code="C998", unit=county.u1)  # active, no activity: a baseline row
    # Meetups make their attending enterprises visited (e3 is inactive, e4 also in a chain);
    # some assigned requests were first contacted face to face.
    chain = IndustryChain.objects.create(code="L1", name="袜业")
    chain.enterprises.add(county.e1, county.e4)
    for day in (D(2025, 10, 3), D(2025, 10, 15)):
        meetup = Meetup.objects.create(theme="亲清会", date=day, host_town=county.ta)
        meetup.enterprises.add(county.e3, county.e4)
    first = Request.objects.filter(assigned_at__isnull=False).order_by("pk").values_list("pk", flat=True)[:2]
    Request.objects.filter(pk__in=list(first)).update(
        first_contact_method="onsite", contacted_at=F("assigned_at")
    )
    at_once = metrics.compute_every_scope(period, today=today)
    for kind in metrics.SCOPE_KINDS:
        alone = metrics.compute_grouped(period, kind, today=today, with_baseline=True)
        assert at_once[kind] == alone, kind
        assert {k: m.category_counts for k, m in at_once[kind].items()} == {
            k: m.category_counts for k, m in alone.items()
        }, kind
    assert metrics.Metrics() == at_once["cadre"]["C998"]


def test_a_period_of_every_scope_kind_costs_eleven_queries(county):
    lookups = metrics.RunLookups.load()
    with CaptureQueriesContext(connection) as captured:
        snapshots.build_rows(P, P.end, lookups, AFTER)
    # Seven for county, towns, industries, units and cadres together; four for the chains.
    assert len(captured) == 11


def test_a_category_added_after_the_lookups_were_read_is_still_named(county):
    lookups = metrics.RunLookups.load()
    category = f.CategoryFactory(name="新增类别")
    f.RequestFactory(enterprise=county.e1, category=category, submitted_at=dataset.at(10, 15, 10))
    grouped = metrics.compute_every_scope(P, today=AFTER, lookups=lookups)
    assert grouped["county"][""].category_counts["新增类别"] == 1

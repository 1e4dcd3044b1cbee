"""analytics.metrics reproduces the hand-worked figures of tests/analytics/dataset.py exactly."""

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import metrics
from analytics.periods import Period
from tests import factories as f
from tests.analytics import dataset
from tests.analytics.dataset import EXPECTED, EXPECTED_CATEGORIES, P

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(db):
    return dataset.build()


def _counts(m: metrics.Metrics) -> dict:
    return {name: getattr(m, name) for name in metrics.COUNT_FIELDS}


@pytest.mark.parametrize("slot", list(EXPECTED), ids=lambda s: f"{s[0]}:{s[1]}")
def test_every_scope_matches_the_hand_worked_counts(county, slot):
    kind, key = slot
    result = metrics.compute(P, metrics.Scope(kind, key))
    assert _counts(result) == EXPECTED[slot]
    assert result.category_counts == EXPECTED_CATEGORIES[slot]


@pytest.mark.parametrize("kind", metrics.SCOPE_KINDS)
def test_grouped_computation_gives_every_key_the_same_figures_as_one_key(county, kind):
    grouped = metrics.compute_grouped(P, kind, with_baseline=True)
    expected = {key: counts for (k, key), counts in EXPECTED.items() if k == kind}
    assert {key: _counts(m) for key, m in grouped.items()} == expected


def test_county_rates_are_exact_two_place_decimals(county):
    result = metrics.compute(P)
    assert result.coverage_rate == Decimal("75.00")  # 3 / 4
    assert result.closure_rate == Decimal("28.57")  # 2 / 7
    assert result.on_time_rate == Decimal("50.00")  # 1 / 2
    assert result.feedback_rate == Decimal("50.00")  # 3 / 6
    assert result.satisfaction_rate == Decimal("66.67")  # 2 / 3


def test_issue_share_lists_every_category_including_zeros(county):
    f.CategoryFactory(name="融资信贷")
    shares = metrics.compute(P).issue_share(["招工用工", "子女就学", "融资信贷"])
    assert shares == {"招工用工": Decimal("71.43"), "子女就学": Decimal("28.57"), "融资信贷": Decimal("0.00")}


def test_an_empty_scope_has_undefined_rates_not_zero(county):
    result = metrics.compute(P, metrics.Scope("town", "330421903"))
    assert [getattr(result, name) for name in metrics.RATE_FIELDS] == [None] * 6
    assert result.issue_share(["招工用工"]) == {"招工用工": None}


def test_a_request_at_2330_on_the_last_day_belongs_to_that_day(county):
    # R2 (10-31 23:30) is October's; R3 (11-01 00:10) is November's; R4 (09-30 23:59) is September's.
    assert metrics.compute(Period(dt.date(2025, 10, 31), dt.date(2025, 10, 31))).requests == 1
    assert metrics.compute(Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))).requests == 1
    assert metrics.compute(Period(dt.date(2025, 9, 30), dt.date(2025, 9, 30))).requests == 1


def test_on_time_compares_the_local_date_of_the_response(county):
    # R1 answered 23:30 local on its due date: on time. R5 answered 00:30 local the day after its
    # due date (still the due date in UTC): late.
    assert metrics.compute(P, metrics.Scope("unit", "U901")).closed_on_time == 1
    assert metrics.compute(P, metrics.Scope("unit", "T902")).closed_on_time == 0


def test_a_request_closed_after_the_period_is_not_closed_in_it(county):
    # R6 closed 11-02: open at the end of October, closed by the end of November's range.
    assert metrics.compute(P, metrics.Scope("cadre", "C901")).closed == 1
    assert metrics.compute(Period(P.start, dt.date(2025, 11, 30)), metrics.Scope("cadre", "C901")).closed == 2


def test_category_filter_applies_to_requests_only(county):
    result = metrics.compute(P, category="子女就学")
    assert _counts(result) == {
        **EXPECTED[("county", "")],
        "requests": 2,
        "closed": 1,
        "closed_on_time": 0,
        "assigned": 2,
        "assigned_responded": 1,
        "rated": 1,
        "satisfied": 1,
        "overdue": 2,
        "reopened": 1,
    }


def test_pairing_dates_at_the_period_edges(county):
    # c3's pairing with e5 starts 11-01: in November's scope, not October's.
    assert metrics.compute(P, metrics.Scope("cadre", "C903")).enterprises_active == 1
    nov = Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    assert metrics.compute(nov, metrics.Scope("cadre", "C903")).enterprises_active == 2


def test_overdue_now_uses_the_lifecycle_rule_for_a_period_reaching_today(db):
    today = timezone.localdate()
    now = timezone.now()
    base = {
        "enterprise": f.EnterpriseFactory(),
        "lead_unit": f.UnitFactory(),
        "submitted_at": now - dt.timedelta(days=30),
        "assigned_at": now - dt.timedelta(days=20),
    }
    f.RequestFactory(status="in_progress", response_due=today - dt.timedelta(days=1), **base)  # A
    f.RequestFactory(status="reopened", response_due=today - dt.timedelta(days=3), **base)  # B
    f.RequestFactory(status="in_progress", response_due=today, **base)  # C: due today, not late yet
    f.RequestFactory(  # D: answered an hour ago, five days late
        status="responded",
        response_due=today - dt.timedelta(days=5),
        responded_at=now - dt.timedelta(hours=1),
        **base,
    )
    period = Period(today - dt.timedelta(days=30), today)
    assert metrics.compute(period).overdue == 2  # A and B, by status, as of today
    # As of the end of yesterday: B and D (unanswered then); A was due yesterday, not yet late.
    assert metrics.compute(period.until(today - dt.timedelta(days=1))).overdue == 2
    assert metrics.compute(period.until(today - dt.timedelta(days=2))).overdue == 2


def test_grouped_computation_takes_a_fixed_number_of_queries(county):
    def queries(kind):
        with CaptureQueriesContext(connection) as captured:
            metrics.compute_grouped(P, kind)
        return len(captured)

    before = {kind: queries(kind) for kind in metrics.SCOPE_KINDS}
    extra_town = f.TownFactory()
    for i in range(5):
        cadre = f.CadreFactory(unit=f.TownUnitFactory(town=extra_town))
        enterprise = f.EnterpriseFactory(town=extra_town, industry=f"新行业{i}")
        f.AssignmentFactory(cadre=cadre, enterprise=enterprise, start=dt.date(2025, 1, 1))
        f.VisitFactory(cadre=cadre, enterprise=enterprise, date=dt.date(2025, 10, 9))
        f.RequestFactory(enterprise=enterprise, cadre=cadre, submitted_at=dataset.at(10, 9))
    assert {kind: queries(kind) for kind in metrics.SCOPE_KINDS} == before
    assert max(before.values()) <= 9


@pytest.mark.parametrize(
    "numerator,denominator,expected",
    [
        (1782, 1801, "98.95"),
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 8, "12.50"),
        (1, 160, "0.63"),  # 0.625 → half up, not half even
        (5, 5, "100.00"),
        (0, 7, "0.00"),
    ],
)
def test_rate_rounds_half_up_from_counts(numerator, denominator, expected):
    assert metrics.rate(numerator, denominator) == Decimal(expected)
    assert str(metrics.rate(numerator, denominator)) == expected


def test_rate_with_zero_denominator_is_undefined():
    assert metrics.rate(0, 0) is None


# --- manage.py metrics -----------------------------------------------------------------------------


def _json(*args) -> dict:
    out = StringIO()
    call_command("metrics", "--from", "2025-10-01", "--to", "2025-10-31", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    "option,slot",
    [
        ((), ("county", "")),
        (("--town", "330421902"), ("town", "330421902")),
        (("--town", "330421903"), ("town", "330421903")),
        (("--unit", "T901"), ("unit", "T901")),
        (("--cadre", "C903"), ("cadre", "C903")),
        (("--industry", "电子信息"), ("industry", "电子信息")),
    ],
)
def test_command_json_has_the_hand_worked_counts(county, option, slot):
    data = _json(*option)
    assert {name: data[name] for name in metrics.COUNT_FIELDS} == EXPECTED[slot]
    assert (data["scope"], data["scope_key"]) == slot


def test_command_json_rates_are_strings_or_null(county):
    data = _json()
    assert [data[name] for name in metrics.RATE_FIELDS] == [
        "75.00",
        "28.57",
        "50.00",
        "50.00",
        "66.67",
        "0.00",
    ]
    # Every category is listed (the default eleven), the ones without requests at 0.00.
    assert len(data["issue_share"]) == 11
    assert data["issue_share"] | {"招工用工": "71.43", "子女就学": "28.57"} == data["issue_share"]
    assert set(data["issue_share"].values()) == {"71.43", "28.57", "0.00"}
    empty = _json("--town", "330421903")
    assert [empty[name] for name in metrics.RATE_FIELDS] == [None] * 6
    assert set(empty["issue_share"].values()) == {None}


def test_command_category_filter(county):
    data = _json("--category", "子女就学")
    assert (data["requests"], data["closure_rate"], data["issue_share"]) == (
        2,
        "50.00",
        {"子女就学": "100.00"},
    )


def test_command_table_is_chinese_and_shows_a_dash_for_undefined(county):
    out = StringIO()
    call_command("metrics", "--from", "2025-10-01", "--to", "2025-10-31", "--town", "330421903", stdout=out)
    text = out.getvalue()
    assert "统计范围：丙镇" in text
    assert "走访覆盖率" in text and "—" in text and "0.00%" not in text


@pytest.mark.parametrize(
    "args,message",
    [
        (["--from", "2025-13-01", "--to", "2025-10-31"], "--from='2025-13-01'"),
        (["--from", "2025-10-01", "--to", "31/10/2025"], "--to='31/10/2025'"),
        (["--from", "2025-11-01", "--to", "2025-10-31"], "--from=2025-11-01 晚于 --to=2025-10-31"),
        (["--from", "2025-10-01", "--to", "2025-10-31", "--town", "999"], "--town='999'：没有这个镇街编码"),
        (["--from", "2025-10-01", "--to", "2025-10-31", "--unit", "NOPE"], "--unit='NOPE'：没有这个单位编码"),
        (["--from", "2025-10-01", "--to", "2025-10-31", "--cadre", "X1"], "--cadre='X1'：没有这个干部编号"),
        (["--from", "2025-10-01", "--to", "2025-10-31", "--industry", "造船"], "--industry='造船'"),
        (["--from", "2025-10-01", "--to", "2025-10-31", "--category", "无"], "--category='无'"),
        (
            ["--from", "2025-10-01", "--to", "2025-10-31", "--town", "330421901", "--unit", "U901"],
            "--town、--unit",
        ),
    ],
)
def test_command_refuses_bad_input_naming_the_option(county, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("metrics", *args, stdout=StringIO())


def test_command_exits_non_zero_on_bad_input(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "qiqing.settings",
        "QIQING_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "metrics", "--from", "2025-10-01", "--to", "2025-13-01", "--json"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "--to='2025-13-01'：日期格式应为 YYYY-MM-DD" in done.stderr and done.stdout == ""


def test_a_request_reopened_by_an_unsatisfied_rating_counts_against_satisfaction(db):
    town = f.TownFactory()
    enterprise = f.EnterpriseFactory(town=town)
    at = dt.datetime(2025, 10, 10, 10, tzinfo=dt.UTC)
    f.RequestFactory(enterprise=enterprise, submitted_at=at, satisfaction="satisfied", rated_at=at)
    # 不满意 reopened this one: its current rating is cleared for the next round, the verdict stays.
    f.RequestFactory(
        enterprise=enterprise,
        submitted_at=at,
        status="reopened",
        reopen_count=1,
        last_rating="unsatisfied",
        last_rated_at=at,
    )
    result = metrics.compute(P)
    assert (result.rated, result.satisfied, result.satisfaction_rate) == (2, 1, Decimal("50.00"))

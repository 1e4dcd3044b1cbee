"""问题分布与季节规律: series equal the metrics module, Spring Festival alignment, the written summary
follows the data, the town heat map is scoped, exports equal the screen, constant queries."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import metrics
from analytics.dashboards import issues
from analytics.dashboards.coverage import ScopeChoice
from analytics.periods import Period, spring_festival
from tests import factories as f
from tests.analytics.helpers import assert_sheet_matches, count_queries, login_redirect, workbook

pytestmark = pytest.mark.django_db

URL = reverse("analytics:issues")
TZ = ZoneInfo("Asia/Shanghai")
FESTIVAL = spring_festival(2026)  # 17 February 2026
TODAY = timezone.localdate()


def _at(day: dt.date, hour=10):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _requests(enterprise, category, day, n):
    category = f.CategoryFactory(name=category)
    for _ in range(n):
        f.RequestFactory(enterprise=enterprise, category=category, submitted_at=_at(day))


@pytest.fixture
def seasons(world):
    """Hiring peaks after Spring Festival 2026; schooling falls from 2025 to 2026."""
    _requests(world.ent_a1, "招工用工", FESTIVAL + dt.timedelta(days=3), 12)  # 节后1周
    _requests(world.ent_a2, "招工用工", FESTIVAL + dt.timedelta(days=16), 6)  # 节后3周
    _requests(world.ent_a1, "招工用工", FESTIVAL - dt.timedelta(days=10), 2)  # 节前2周
    _requests(world.ent_b1, "招工用工", dt.date(2026, 6, 10), 4)
    _requests(world.ent_b1, "子女就学", dt.date(2025, 8, 20), 6)
    _requests(world.ent_a1, "政策咨询", dt.date(2025, 5, 6), 14)
    _requests(world.ent_b1, "子女就学", dt.date(2026, 8, 20), 1)
    _requests(world.ent_a3, "政策咨询", dt.date(2026, 4, 8), 16)
    return world


def _page(user_choice=None, **kwargs):
    return issues.issue_page(user_choice or ScopeChoice(None), today=TODAY, **kwargs)


def test_anonymous_is_sent_to_login(client):
    assert login_redirect(client.get(URL))


@pytest.mark.parametrize("persona", ["handler", "cadre", "contact", "outsider"])
def test_other_roles_are_refused(login, world, persona):
    assert login(world.users[persona]).get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["supervisor", "town_supervisor", "admin"])
def test_staff_open_the_page_with_its_charts(login, seasons, persona):
    body = login(seasons.users[persona]).get(URL).content.decode()
    for chart in ("chart-months", "chart-festival", "chart-shares", "chart-heat"):
        assert f'data-chart="{chart}"' in body
    assert "数据解读" in body


def test_monthly_counts_are_the_metrics_category_counts(seasons):
    page = _page()
    assert page.months and page.months[-1][0].end == TODAY - dt.timedelta(days=1)
    for period, counts in page.months:
        assert counts.counts == metrics.compute(period).category_counts
    march_2026 = next(c for p, c in page.months if p.start == dt.date(2026, 3, 1))
    assert march_2026.get("招工用工") == 6


def test_weeks_are_counted_from_each_years_spring_festival(seasons):
    page = _page(focus="招工用工")
    year = next(y for y in page.festivals if y.year == 2026)
    assert year.festival == dt.date(2026, 2, 17)
    assert year.weeks[0].get("招工用工") == 12  # 17–23 February
    assert year.weeks[2].get("招工用工") == 6
    assert year.weeks[-2].get("招工用工") == 2
    week = Period(FESTIVAL, FESTIVAL + dt.timedelta(days=6))
    assert year.weeks[0].counts == metrics.compute(week).category_counts
    table = next(t for t in page.tables if t.key == "festival")
    rows = {row.data["week"]: row.values for row in table.rows}
    assert rows[0]["label"] == "节后1周" and rows[0]["2026"] == 12 and rows[-1]["label"] == "节前1周"


def test_a_year_without_data_around_its_festival_has_no_line(seasons):
    # Data start in May 2025: the 2025 festival (29 January) lies before it.
    assert [y.year for y in _page().festivals] == [2026]


def test_yearly_shares_come_from_the_metrics_module(seasons):
    page = _page()
    years = {p.start.year: (p, c) for p, c in page.years}
    for year in (2025, 2026):
        period, counts = years[year]
        expected = metrics.compute(period)
        assert counts.share("子女就学") == expected.issue_share()["子女就学"]
    table = next(t for t in page.tables if t.key == "shares")
    row = next(r for r in table.rows if r.data.get("category") == "子女就学")
    assert row.values["s2025"] == metrics.rate(6, 20)  # 30.00
    assert row.values["shift"] == metrics.rate(1, 41) - metrics.rate(6, 20)


def test_the_summary_is_written_from_the_numbers(seasons):
    summary = _page(focus="招工用工").summary
    festival = next(s for s in summary if s.startswith("招工用工诉求在春节后4周"))
    # 12 + 6 of the year's 24 hiring requests: 75.00 %; 2 in the 4 weeks before.
    assert (
        "后4周收到 18 件" in festival
        and "该类诉求 24 件的 75.00%" in festival
        and "节前4周为 2 件" in festival
    )
    shift = next(s for s in summary if s.startswith("占比变化最大的是"))
    # 招工用工: none of 2025's 20 requests, 24 of 2026's 41.
    assert shift.startswith("占比变化最大的是招工用工：由2025年（5月6日起）的 0.00% 升至2026年")
    assert "的 58.54%（上升 58.54 个百分点）" in shift
    largest = next(s for s in summary if "共收到诉求" in s)
    assert "41 件" in largest


def test_the_summary_changes_with_the_data(seasons):
    before = _page(focus="招工用工").summary
    _requests(seasons.ent_a2, "招工用工", FESTIVAL + dt.timedelta(days=5), 30)
    after = _page(focus="招工用工").summary
    assert before != after
    festival = next(s for s in after if s.startswith("招工用工诉求在春节后4周"))
    assert "后4周收到 48 件" in festival and "该类诉求 54 件的 88.89%" in festival


def test_the_shift_sentence_names_the_largest_change(seasons):
    _requests(seasons.ent_b1, "子女就学", dt.date(2025, 9, 2), 30)
    shift = next(s for s in _page().summary if s.startswith("占比变化最大的是"))
    # 子女就学: 36 of 50 in 2025 (72.00 %), 1 of 41 in 2026 (2.44 %).
    assert "子女就学" in shift and "72.00%" in shift and "2.44%" in shift and "下降 69.56 个百分点" in shift


def test_heat_map_counts_towns_by_category_in_scope(login, seasons):
    page = login(seasons.users["supervisor"]).get(URL).context["page"]
    towns = dict(page.heat)
    expected = metrics.category_counts_series(
        [page.heat_period], "town", keys=[seasons.town_a.code, seasons.town_b.code]
    )
    assert towns["甲镇"].counts == expected[seasons.town_a.code][0].counts
    assert towns["乙镇"].counts == expected[seasons.town_b.code][0].counts
    scoped = login(seasons.users["town_supervisor"]).get(URL).context["page"]
    assert [name for name, _ in scoped.heat] == ["乙镇"]
    assert all(c.get("政策咨询") == 0 for _p, c in scoped.months)  # 甲镇's requests are not counted


def test_a_filter_restricts_every_series(seasons):
    page = _page(ScopeChoice(None, town=seasons.town_b))
    assert sum(c.total for _p, c in page.years) == 4 + 6 + 1


def test_export_equals_the_tables(login, seasons):
    client = login(seasons.users["supervisor"])
    page = client.get(URL).context["page"]
    sheets = workbook(client.get(URL, {"format": "xlsx"}))
    assert len(sheets) == len(page.tables)
    for table in page.tables:
        assert_sheet_matches(sheets[table.title[:31]], table)


def test_query_count_does_not_grow_with_the_data(login, seasons):
    client = login(seasons.users["supervisor"])
    client.get(URL)
    small = count_queries(client, URL)
    for i in range(8):
        enterprise = f.EnterpriseFactory(town=seasons.town_a if i % 2 else seasons.town_b)
        _requests(enterprise, "融资信贷", dt.date(2026, 3, 1) + dt.timedelta(days=i), 3)
    assert count_queries(client, URL) == small


def test_a_town_supervisor_cannot_filter_to_another_town(login, seasons):
    response = login(seasons.users["town_supervisor"]).get(URL, {"town": seasons.town_a.pk})
    assert response.status_code == 200
    assert [name for name, _ in response.context["page"].heat] == ["乙镇"]
    assert sum(c.total for _p, c in response.context["page"].years) == 4 + 6 + 1


def test_month_snapshots_give_the_same_series_as_the_raw_rows(seasons):
    from analytics import windows
    from analytics.periods import calendar_periods
    from analytics.snapshots import compute_snapshots

    months = list(calendar_periods("month", dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    live = windows.category_counts(months, "county", "", today=TODAY)
    for month in months:
        compute_snapshots(month.start, month.start)  # every kind of period containing the 1st
    assert all(windows.snapshot_slot(m, TODAY) for m in months)
    assert windows.category_counts(months, "county", "", today=TODAY) == live
    assert (
        metrics.CategoryCounts.combined(live).counts
        == metrics.compute(Period(months[0].start, months[-1].end)).category_counts
    )

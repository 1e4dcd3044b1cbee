"""走访覆盖情况 and its drill-down: access, scope, numbers equal to ``manage.py metrics``, exports
equal to the screen, snapshots used when they hold the window, constant query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import metrics, windows
from analytics.periods import Period
from analytics.snapshots import compute_snapshots
from enterprises.models import Enterprise
from tests import factories as f
from tests.analytics.helpers import (
    assert_sheet_matches,
    count_queries,
    login_redirect,
    metrics_json,
    rate_text,
    workbook,
)

pytestmark = pytest.mark.django_db

URL = reverse("analytics:coverage")
TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=20)
CUSTOM = {"period": "custom", "start": START.isoformat(), "end": TODAY.isoformat()}
WINDOW = Period(START, TODAY)
PREVIOUS = Period(START - dt.timedelta(days=21), START - dt.timedelta(days=1))


def _cards(response) -> dict:
    return {card.key: card for card in response.context["page"].cards}


def _assert_cards_match(cards, figures, previous=None):
    """Every headline card equals the metrics command's figure (and its change the difference)."""
    for key in ("coverage_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert rate_text(cards[key].value) == figures[key], key
    for key in ("visits", "enterprises_visited", "requests"):
        assert cards[key].value == figures[key], key
    if previous is not None:
        assert cards["visits"].change == figures["visits"] - previous["visits"]
        if figures["coverage_rate"] and previous["coverage_rate"]:
            expected = float(figures["coverage_rate"]) - float(previous["coverage_rate"])
            assert float(cards["coverage_rate"].change) == pytest.approx(expected)


@pytest.fixture
def busy(world):
    """Some history: an earlier visit and closed requests, a scale-above tagged enterprise."""
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=START - dt.timedelta(days=3))
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=START + dt.timedelta(days=2))
    now = timezone.now()
    f.RequestFactory(
        enterprise=world.ent_a2,
        lead_unit=world.unit_hr,
        status="closed",
        submitted_at=now - dt.timedelta(days=5),
        assigned_at=now - dt.timedelta(days=5),
        response_due=TODAY,
        responded_at=now - dt.timedelta(days=2),
        satisfaction="satisfied",
        rated_at=now - dt.timedelta(days=1),
        closed_at=now - dt.timedelta(hours=3),
    )
    f.RequestFactory(
        enterprise=world.ent_b1,
        lead_unit=world.unit_edu,
        status="in_progress",
        submitted_at=now - dt.timedelta(days=15),
        assigned_at=now - dt.timedelta(days=15),
        response_due=TODAY - dt.timedelta(days=3),
    )
    Enterprise.objects.filter(pk=world.ent_a1.pk).update(scale=Enterprise.Scale.ABOVE)
    world.ent_a1.tags.add(f.TagFactory(name="重点企业"))
    return world


# --- who may open it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["coverage", "coverage_town", "coverage_cadre"])
def test_anonymous_is_sent_to_login(client, world, name):
    args = [] if name == "coverage" else [world.town_a.pk if name == "coverage_town" else world.cadre.pk]
    assert login_redirect(client.get(reverse(f"analytics:{name}", args=args)))


@pytest.mark.parametrize("persona", ["handler", "cadre", "contact", "outsider"])
@pytest.mark.parametrize("name", ["coverage", "coverage_town", "coverage_cadre"])
def test_other_roles_are_refused(login, world, persona, name):
    args = (
        [] if name == "coverage" else [world.town_b.pk if name == "coverage_town" else world.other_cadre.pk]
    )
    assert login(world.users[persona]).get(reverse(f"analytics:{name}", args=args)).status_code == 403


def test_a_town_supervisor_cannot_drill_into_another_town(login, world):
    client = login(world.users["town_supervisor"])
    assert client.get(reverse("analytics:coverage_town", args=[world.town_a.pk])).status_code == 404
    assert client.get(reverse("analytics:coverage_cadre", args=[world.cadre.pk])).status_code == 404
    assert client.get(reverse("analytics:coverage_town", args=[world.town_b.pk])).status_code == 200
    assert client.get(reverse("analytics:coverage_cadre", args=[world.other_cadre.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_supervisors_and_admins_open_the_dashboard(login, world, persona):
    response = login(world.users[persona]).get(URL)
    body = response.content.decode()
    assert response.status_code == 200 and "走访覆盖情况" in body and 'data-chart="chart-towns"' in body


def test_it_is_the_landing_page_of_supervisors_and_admins(login, world):
    for persona in ("supervisor", "town_supervisor", "admin"):
        response = login(world.users[persona]).get("/", follow=True)
        assert response.redirect_chain[-1][0] == URL, persona
    assert login(world.users["handler"]).get("/").url == reverse("requests_tracker:inbox")


# --- the numbers ---------------------------------------------------------------------------------------


def test_headline_equals_the_metrics_command_for_the_county(login, busy):
    response = login(busy.users["supervisor"]).get(URL, CUSTOM)
    _assert_cards_match(_cards(response), metrics_json(WINDOW), metrics_json(PREVIOUS))
    assert response.context["page"].window.period == WINDOW


@pytest.mark.parametrize(
    "param,option,value",
    [
        ("town", "town", lambda w: (w.town_a.pk, w.town_a.code)),
        ("unit", "unit", lambda w: (w.unit_town_a.pk, w.unit_town_a.code)),
        ("industry", "industry", lambda w: ("装备制造", "装备制造")),
    ],
)
def test_a_filter_gives_the_metrics_of_that_scope(login, busy, param, option, value):
    form_value, scope_key = value(busy)
    response = login(busy.users["supervisor"]).get(URL, {**CUSTOM, param: form_value})
    _assert_cards_match(_cards(response), metrics_json(WINDOW, **{option: scope_key}))


def test_scale_and_tag_filters_restrict_inside_the_metrics_module(login, busy):
    tag = busy.ent_a1.tags.get()
    response = login(busy.users["supervisor"]).get(URL, {**CUSTOM, "scale": "above", "tag": tag.pk})
    expected = metrics.compute(WINDOW, restriction=metrics.Restriction(scale="above", tag_ids={tag.pk}))
    cards = _cards(response)
    assert cards["enterprises_visited"].value == expected.enterprises_visited == 1
    assert cards["coverage_rate"].value == expected.coverage_rate
    assert response.context["page"].current == expected


def test_overdue_card_is_the_overdue_stock_now(login, busy):
    response = login(busy.users["supervisor"]).get(URL, CUSTOM)
    overdue = _cards(response)["overdue"]
    # req_b1 of the busy fixture is past its deadline; the world's requests have none.
    assert overdue.value == metrics_json(Period(START, TODAY))["overdue"] == 1
    assert overdue.value == metrics.overdue_now()[""]


def test_a_town_supervisor_sees_only_their_town(login, busy):
    response = login(busy.users["town_supervisor"]).get(URL, CUSTOM)
    page = response.context["page"]
    _assert_cards_match(_cards(response), metrics_json(WINDOW, town=busy.town_b.code))
    assert [row.data["town"] for row in page.by_town.rows] == [busy.town_b.code]
    body = response.content.decode()
    assert "甲镇" not in body and "乙镇" in body
    assert "town" not in response.context["filter"].filters  # one town: nothing to choose


def test_a_town_supervisor_cannot_filter_to_another_town(login, busy):
    response = login(busy.users["town_supervisor"]).get(URL, {**CUSTOM, "town": busy.town_a.pk})
    assert response.status_code == 200
    _assert_cards_match(_cards(response), metrics_json(WINDOW, town=busy.town_b.code))


def test_town_and_unit_tables_equal_their_scopes(login, busy):
    page = login(busy.users["supervisor"]).get(URL, CUSTOM).context["page"]
    for row in page.by_town.rows:
        expected = metrics_json(WINDOW, town=row.data["town"])
        assert row.values["enterprises_visited"] == expected["enterprises_visited"]
        assert rate_text(row.values["coverage_rate"]) == expected["coverage_rate"]
    units = {row.data["unit"]: row for row in page.by_unit.rows}
    expected = metrics_json(WINDOW, unit=busy.unit_hr.code)
    assert units[busy.unit_hr.code].values["requests"] == expected["requests"]


def test_a_unit_filter_splits_the_units_work_by_town(login, busy):
    response = login(busy.users["supervisor"]).get(URL, {**CUSTOM, "unit": busy.unit_town_a.pk})
    rows = {row.data["town"]: row.values for row in response.context["page"].by_town.rows}
    # 甲镇人民政府's cadre 张三 holds ent_a1, ent_a2 (both in 甲镇) and visited both in the window.
    assert (rows[busy.town_a.code]["enterprises_active"], rows[busy.town_a.code]["enterprises_visited"]) == (
        2,
        2,
    )
    assert rows[busy.town_b.code]["enterprises_active"] == 0


def test_invalid_custom_range_explains_and_falls_back(login, world):
    response = login(world.users["supervisor"]).get(
        URL,
        {"period": "custom", "start": TODAY.isoformat(), "end": (TODAY - dt.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    assert "早于开始日期" in response.content.decode()
    assert response.context["page"].window.choice == windows.default_period() == "quarter"


def test_future_end_is_refused(login, world):
    response = login(world.users["supervisor"]).get(
        URL,
        {"period": "custom", "start": TODAY.isoformat(), "end": (TODAY + dt.timedelta(days=1)).isoformat()},
    )
    assert "截止日期不能晚于今天" in response.content.decode()


# --- snapshots -------------------------------------------------------------------------------------------


def test_the_default_month_reads_snapshots_and_agrees_with_the_command(login, busy):
    compute_snapshots()  # the nightly run: the periods containing yesterday
    response = login(busy.users["supervisor"]).get(URL)
    page = response.context["page"]
    if page.window.live:
        pytest.skip("the first day of a month has no complete day to snapshot")
    assert page.from_snapshot
    _assert_cards_match(_cards(response), metrics_json(page.window.period))


def test_snapshot_and_live_figures_are_the_same(busy):
    month = Period.containing("month", TODAY - dt.timedelta(days=40))
    compute_snapshots(month.start, month.end)
    assert windows.snapshot_slot(month, TODAY) == ("month", month.start)
    towns = [busy.town_a.code, busy.town_b.code]
    stored = windows.figures(month, metrics.TOWN, keys=towns, today=TODAY)
    live = metrics.compute_grouped(month, metrics.TOWN, keys=towns, today=TODAY)
    assert stored == live


def test_a_stale_snapshot_is_not_used(busy):
    month = Period.containing("month", TODAY - dt.timedelta(days=40))
    compute_snapshots(month.start, month.end)
    f.VisitFactory(enterprise=busy.ent_a3, cadre=busy.cadre, date=month.start)
    from analytics.models import Snapshot

    Snapshot.objects.filter(period="month", period_start=month.start).update(data_until=month.start)
    figures = windows.figures(month, metrics.COUNTY, keys=[""], today=TODAY)[""]
    assert figures == metrics.compute(month, today=TODAY)


# --- exports -----------------------------------------------------------------------------------------------


def test_export_has_every_table_with_the_numbers_on_screen(login, busy):
    client = login(busy.users["supervisor"])
    page = client.get(URL, CUSTOM).context["page"]
    sheets = workbook(client.get(URL, {**CUSTOM, "format": "xlsx"}))
    assert list(sheets) == [t.title for t in page.tables]
    for table in page.tables:
        assert_sheet_matches(sheets[table.title], table)
    assert sheets["各镇街走访覆盖"][0][:5] == ["镇街", "企业数", "已走访", "未走访", "覆盖率(%)"]


def test_export_link_keeps_the_filters(login, busy):
    body = login(busy.users["supervisor"]).get(URL, {**CUSTOM, "scale": "above"}).content.decode()
    assert "scale=above" in body and "format=xlsx" in body


# --- drill-down -------------------------------------------------------------------------------------------


def test_town_page_lists_cadres_and_the_not_visited_red_list(login, busy):
    busy.ent_a3.tags.clear()
    response = login(busy.users["supervisor"]).get(
        reverse("analytics:coverage_town", args=[busy.town_a.pk]), CUSTOM
    )
    page = response.context["page"]
    cadres = {row.data["cadre"]: row.values for row in page.cadres.rows}
    expected = metrics.compute(WINDOW, metrics.Scope("cadre", busy.cadre.code))
    assert cadres[busy.cadre.code]["enterprises_visited"] == expected.enterprises_visited == 2
    red = [row.data["enterprise"] for row in page.red_list.rows]
    assert red == [busy.ent_a3.pk]  # a1 and a2 were visited in the window
    assert all(row.tone == "danger" for row in page.red_list.rows)
    assert page.red_list.rows[0].values["liaison"] == "（未结对）"
    assert len(red) == page.current.enterprises_active - page.current.enterprises_visited


def test_town_page_export_has_all_rows(login, busy):
    client = login(busy.users["supervisor"])
    url = reverse("analytics:coverage_town", args=[busy.town_a.pk])
    page = client.get(url, CUSTOM).context["page"]
    sheets = workbook(client.get(url, {**CUSTOM, "format": "xlsx"}))
    assert_sheet_matches(sheets[page.red_list.title], page.red_list)
    assert_sheet_matches(sheets[page.cadres.title], page.cadres)


def test_cadre_page_highlights_enterprises_not_visited(login, busy):
    f.AssignmentFactory(cadre=busy.cadre, enterprise=busy.ent_a3)
    response = login(busy.users["supervisor"]).get(
        reverse("analytics:coverage_cadre", args=[busy.cadre.pk]), CUSTOM
    )
    page = response.context["page"]
    rows = {row.data["enterprise"]: row for row in page.enterprises.rows}
    assert rows[busy.ent_a3.pk].values["status"] == "未走访" and rows[busy.ent_a3.pk].tone == "danger"
    assert rows[busy.ent_a2.pk].values["visits"] == 1  # the visit before the window does not count
    visited = sum(1 for row in page.enterprises.rows if row.values["visits"])
    assert (
        visited
        == page.current.enterprises_visited
        == metrics_json(WINDOW, cadre=busy.cadre.code)["enterprises_visited"]
    )
    assert page.enterprises.rows[0].data["enterprise"] == busy.ent_a3.pk  # not visited first


# --- query counts -----------------------------------------------------------------------------------------


def _grow(world, n=6):
    today = timezone.localdate()
    for i in range(n):
        for town, unit in ((world.town_a, world.unit_town_a), (world.town_b, world.unit_town_b)):
            cadre = f.CadreFactory(unit=unit, name=f"新干部{town.pk}-{i}")
            enterprise = f.EnterpriseFactory(town=town)
            f.AssignmentFactory(cadre=cadre, enterprise=enterprise)
            f.VisitFactory(cadre=cadre, enterprise=enterprise, date=today)
            f.RequestFactory(enterprise=enterprise, cadre=cadre, lead_unit=world.unit_hr, status="assigned")
            f.EnterpriseFactory(town=town)  # never visited: on the red list


@pytest.mark.parametrize(
    "name,persona,params",
    [
        ("coverage", "supervisor", {}),
        ("coverage", "supervisor", CUSTOM),
        ("coverage", "town_supervisor", CUSTOM),
        ("coverage", "supervisor", {**CUSTOM, "unit": "UNIT", "scale": "below"}),
        ("coverage_town", "supervisor", CUSTOM),
        ("coverage_cadre", "supervisor", CUSTOM),
    ],
)
def test_query_count_does_not_grow_with_the_data(login, world, name, persona, params):
    client = login(world.users[persona])
    args = {"coverage": [], "coverage_town": [world.town_a.pk], "coverage_cadre": [world.cadre.pk]}[name]
    url = reverse(f"analytics:{name}", args=args)
    params = {k: (world.unit_town_a.pk if v == "UNIT" else v) for k, v in params.items()}
    client.get(url, params)  # warm the session
    small = count_queries(client, url, params)
    _grow(world)
    assert count_queries(client, url, params) == small


def test_industry_choices_come_from_the_snapshots_once_there_are_some(busy):
    from analytics.filters import industry_choices

    assert industry_choices() == [("装备制造", "装备制造")]
    f.EnterpriseFactory(town=busy.town_a, industry="新材料")
    compute_snapshots()
    assert industry_choices() == [("新材料", "新材料"), ("装备制造", "装备制造")]


def test_running_month_is_compared_with_the_same_days_and_the_cards_say_so(login, world):
    """5 December is compared with 1–4 November, not the whole of November (issue 19)."""
    today = dt.date(2026, 12, 5)
    window = windows.resolve("month", today)
    assert (window.period.start, window.period.end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 4))
    assert (window.previous.start, window.previous.end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 4))
    assert window.compare_note == "较上月同期"
    assert windows.resolve("last_month", today).compare_note == "较上月"
    body = login(world.users["supervisor"]).get(URL, {"period": "month"}).content.decode()
    assert "较上月同期" in body and "（全期）" not in body


def test_dashboards_open_on_the_visit_rhythms_period(login, world, settings):
    assert login(world.users["supervisor"]).get(URL).context["page"].window.choice == "quarter"
    settings.QIQING_VISIT_RHYTHM = "month"
    assert login(world.users["supervisor"]).get(URL).context["page"].window.choice == "month"

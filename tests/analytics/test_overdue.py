"""超期督办: the overdue set equals the metric, working days late, notices, filters, exports."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import metrics
from analytics.dashboards.overdue import working_days_late
from requests_tracker.models import SupervisionNotice
from requests_tracker.workdays import WorkCalendar
from tests import factories as f
from tests.analytics.helpers import assert_sheet_matches, count_queries, login_redirect, workbook

pytestmark = pytest.mark.django_db

URL = reverse("analytics:overdue")
TODAY = timezone.localdate()


def _overdue(enterprise, unit, days_ago):
    return f.RequestFactory(
        enterprise=enterprise,
        lead_unit=unit,
        status="in_progress",
        assigned_at=timezone.now() - dt.timedelta(days=days_ago + 10),
        response_due=TODAY - dt.timedelta(days=days_ago),
    )


def _notice(request, level, number):
    return SupervisionNotice.objects.create(
        request=request,
        unit=request.lead_unit,
        town=request.enterprise.town,
        level=level,
        year=TODAY.year,
        number=number,
        due=request.response_due,
        days_overdue=3,
    )


@pytest.fixture
def late(world):
    a = _overdue(world.ent_a1, world.unit_hr, 20)
    b = _overdue(world.ent_a2, world.unit_hr, 6)
    c = _overdue(world.ent_b1, world.unit_edu, 2)
    _overdue(world.ent_a3, world.unit_edu, -3)  # not yet due
    f.RequestFactory(
        enterprise=world.ent_a3,
        lead_unit=world.unit_hr,
        status="responded",
        response_due=TODAY - dt.timedelta(days=9),
    )
    for level, number in (("reminder", 1), ("yellow", 2), ("red", 3)):
        _notice(a, level, number)
    _notice(b, "reminder", 4)
    world.late = {"a": a, "b": b, "c": c}
    return world


def _rows(response):
    return {row.data["request"]: row.values for row in response.context["page"].board.rows}


def test_anonymous_is_sent_to_login(client):
    assert login_redirect(client.get(URL))


@pytest.mark.parametrize("persona", ["handler", "cadre", "contact", "outsider"])
def test_other_roles_are_refused(login, world, persona):
    assert login(world.users[persona]).get(URL).status_code == 403


def test_the_board_is_the_overdue_metric_most_overdue_first(login, late):
    response = login(late.users["supervisor"]).get(URL)
    refs = [row.data["request"] for row in response.context["page"].board.rows]
    assert refs == [late.late["a"].ref, late.late["b"].ref, late.late["c"].ref]
    assert response.context["page"].total == metrics.overdue_now()[""] == 3


def test_days_late_are_working_days_as_on_the_notices(login, late):
    rows = _rows(login(late.users["supervisor"]).get(URL))
    calendar = WorkCalendar.load()
    for key in ("a", "b", "c"):
        request = late.late[key]
        assert rows[request.ref]["days"] == calendar.workdays_between(request.response_due, TODAY)


def test_working_days_late_walks_the_calendar_once_for_many_dates():
    calendar = WorkCalendar.load()
    dues = [TODAY - dt.timedelta(days=n) for n in (1, 4, 11, 30, 45)]
    assert working_days_late(calendar, dues, TODAY) == {d: calendar.workdays_between(d, TODAY) for d in dues}


def test_notices_and_their_highest_rung_are_shown(login, late):
    rows = _rows(login(late.users["supervisor"]).get(URL))
    a, b, c = (late.late[k].ref for k in "abc")
    assert rows[a]["level"] == "红牌" and rows[a]["notices"].count("、") == 2
    assert rows[b]["level"] == "催办" and rows[c]["level"] == "未督办" and rows[c]["notices"] == "—"


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"level": "red"}, ["a"]),
        ({"level": "reminder"}, ["b"]),
        ({"level": "none"}, ["c"]),
        ({"unit": "hr"}, ["a", "b"]),
    ],
)
def test_filters_by_level_and_unit(login, late, params, expected):
    params = {k: (late.unit_hr.pk if v == "hr" else v) for k, v in params.items()}
    refs = list(_rows(login(late.users["supervisor"]).get(URL, params)))
    assert refs == [late.late[k].ref for k in expected]


def test_summary_by_unit(login, late):
    units = {
        row.values["unit"]: row.values
        for row in login(late.users["supervisor"]).get(URL).context["page"].by_unit.rows
    }
    assert units["人力社保局"] == {
        "unit": "人力社保局", "total": 2, "red": 1, "yellow": 0, "reminder": 1, "none": 0,
        "longest": WorkCalendar.load().workdays_between(late.late["a"].response_due, TODAY),
    }  # fmt: skip
    assert units["教育局"]["total"] == 1


def test_a_town_supervisor_sees_only_their_town(login, late):
    response = login(late.users["town_supervisor"]).get(URL)
    assert list(_rows(response)) == [late.late["c"].ref]
    assert (
        response.context["page"].total
        == metrics.overdue_now("town", keys=[late.town_b.code])[late.town_b.code]
    )


def test_export_equals_the_tables(login, late):
    client = login(late.users["supervisor"])
    page = client.get(URL).context["page"]
    sheets = workbook(client.get(URL, {"format": "xlsx"}))
    for table in page.tables:
        assert_sheet_matches(sheets[table.title], table)
    assert sheets["超期诉求"][0][6] == "超期(工作日)"


def test_query_count_does_not_grow_with_the_data(login, late):
    client = login(late.users["supervisor"])
    client.get(URL)
    small = count_queries(client, URL)
    for i in range(10):
        request = _overdue(late.ent_a1 if i % 2 else late.ent_b1, late.unit_edu, 3 + i)
        _notice(request, "reminder", 100 + i)
    assert count_queries(client, URL) == small


def test_a_town_supervisor_cannot_filter_to_another_town(login, late):
    response = login(late.users["town_supervisor"]).get(URL, {"town": late.town_a.pk})
    assert response.status_code == 200 and list(_rows(response)) == [late.late["c"].ref]

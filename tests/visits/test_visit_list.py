"""走访记录: filtered, paginated, and exported to Excel with the same rows and numbers."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories as f
from visits.rhythm import period_start
from visits.selectors import EXPORT_HEADERS

pytestmark = pytest.mark.django_db
URL = reverse("visits:list")
EXPORT = reverse("visits:export")


def _rows(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    # The streamed writer leaves empty trailing cells out; read every row to the header's width.
    width = len(rows[0]) if rows else 0
    return [tuple(row) + (None,) * (width - len(row)) for row in rows]


@pytest.fixture
def spread(world, today):
    """Visits in town A this month and last year, one by phone, one with a raised request."""
    month_start = period_start(today, "month")
    this_month = f.VisitFactory(
        enterprise=world.ent_a2, cadre=world.cadre, date=month_start, mode="phone", summary="=HYPERLINK(1)"
    )
    last_year = f.VisitFactory(
        enterprise=world.ent_a2, cadre=world.cadre, date=dt.date(today.year - 1, today.month, 1)
    )
    f.RequestFactory(enterprise=world.ent_a2, visit=this_month)
    f.RequestFactory(enterprise=world.ent_a2, visit=this_month)
    return {"this_month": this_month, "last_year": last_year}


def test_anonymous_is_sent_to_login(client):
    for url in (URL, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["contact", "handler", "outsider"])
def test_roles_without_visits_get_403(login, world, persona):
    assert login(world.users[persona]).get(URL).status_code == 403


def test_cadre_may_list_but_not_export(login, world):
    client = login(world.users["cadre"])
    assert client.get(URL).status_code == 200
    assert client.get(EXPORT).status_code == 403


def test_town_supervisor_lists_only_their_town(login, world):
    visits = list(login(world.users["town_supervisor"]).get(URL).context["page_obj"])
    assert visits == [world.visit_b1]


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"period": "month"}, {"visit_a1", "visit_b1", "this_month"}),
        ({"period": "year"}, {"visit_a1", "visit_b1", "this_month"}),
        ({"mode": "phone"}, {"this_month"}),
        ({"town": "town_b"}, {"visit_b1"}),
        ({"unit": "unit_town_b"}, {"visit_b1"}),
        ({"cadre": "李四"}, {"visit_b1"}),
        ({"enterprise": "甲二"}, {"this_month", "last_year"}),
        ({"date_after": "last_year", "date_before": "last_year"}, {"last_year"}),
    ],
)
def test_filters(login, world, spread, params, expected):
    objects = {"visit_a1": world.visit_a1, "visit_b1": world.visit_b1, **spread}
    query = {}
    for key, value in params.items():
        if key in ("town", "unit"):
            value = getattr(world, value).pk
        elif value == "last_year":
            value = spread["last_year"].date.isoformat()
        query[key] = value
    page = login(world.users["supervisor"]).get(URL, query).context["page_obj"]
    assert {v.pk for v in page} == {objects[k].pk for k in expected}


def test_quick_period_links_keep_other_filters(login, world):
    body = login(world.users["supervisor"]).get(URL, {"mode": "phone"}).content.decode()
    assert "mode=phone&amp;period=quarter" in body or "period=quarter&amp;mode=phone" in body


def test_list_shows_raised_request_count_and_links_to_visit_and_file(login, world, spread):
    response = login(world.users["supervisor"]).get(URL, {"mode": "phone"})
    row = list(response.context["page_obj"])[0]
    body = response.content.decode()
    assert row.problem_count == 2
    assert reverse("visits:detail", args=[row.pk]) in body
    assert reverse("visits:enterprise_file", args=[world.ent_a2.pk]) in body


def test_export_has_chinese_headers_and_every_filtered_row(login, world, spread):
    client = login(world.users["supervisor"])
    response = client.get(EXPORT, {"enterprise": "甲二"})
    rows = _rows(response)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert list(rows[0]) == EXPORT_HEADERS
    listed = list(client.get(URL, {"enterprise": "甲二"}).context["page_obj"])
    assert [(r[0].date(), r[1], r[14]) for r in rows[1:]] == [
        (v.date, v.enterprise.name, v.problem_count) for v in listed
    ]


def test_export_neutralises_formulas_in_summaries(login, world, spread):
    rows = _rows(login(world.users["supervisor"]).get(EXPORT, {"mode": "phone"}))
    assert rows[1][8] == "'=HYPERLINK(1)"


def test_export_is_not_cut_at_the_page_size(login, world, today):
    for i in range(60):
        f.VisitFactory(enterprise=world.ent_a3, cadre=world.cadre, date=today - dt.timedelta(days=i))
    client = login(world.users["supervisor"])
    assert client.get(URL, {"enterprise": "甲三"}).context["page_obj"].paginator.count == 60
    assert len(_rows(client.get(EXPORT, {"enterprise": "甲三"}))) == 61


def test_an_export_over_the_limit_asks_to_narrow_the_filter(login, world, monkeypatch):
    monkeypatch.setattr("visits.selectors.EXPORT_MAX_ROWS", 1)
    response = login(world.users["supervisor"]).get(EXPORT, {"mode": "onsite"}, follow=True)
    assert response.redirect_chain[0][0] == f"{URL}?mode=onsite"
    assert "超过单次导出上限 1 条" in response.content.decode()


def test_export_respects_scope(login, world):
    rows = _rows(login(world.users["town_supervisor"]).get(EXPORT))
    assert [r[1] for r in rows[1:]] == [world.ent_b1.name]


def test_query_count_does_not_grow_with_rows(login, world, today, count_queries):
    client = login(world.users["supervisor"])
    small = count_queries(client, URL)
    for i in range(30):
        visit = f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=today - dt.timedelta(days=i))
        f.RequestFactory(enterprise=world.ent_a2, visit=visit)
    assert count_queries(client, URL) == small


# --- photos, check-in and offline marks (issue 17) ----------------------------------------
@pytest.fixture
def marked(log_visit, world):
    from decimal import Decimal

    from qiqing import programme
    from tests.visits.photo_helpers import photo
    from visits.checkin import Position

    programme.settings_update(actor=world.users["admin"], values={"checkin_enabled": True})
    world.ent_a2.latitude, world.ent_a2.longitude = Decimal("30.84"), Decimal("120.92")
    world.ent_a2.save()
    far = Position(latitude=Decimal("30.83"), longitude=Decimal("120.92"), accuracy=20)
    return {
        "photo": log_visit(summary="有照片", photos=[photo(), photo()]),
        "far": log_visit(summary="远处签到", position=far, confirm_duplicate=True),
        "offline": log_visit(summary="离线补登", offline=True, confirm_duplicate=True),
    }


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"photos": "yes"}, {"有照片"}),
        ({"checkin": "mismatch"}, {"远处签到"}),
        ({"checkin": "yes"}, {"远处签到"}),
        ({"origin": "offline"}, {"离线补登"}),
        ({"photos": "no", "enterprise": "甲二"}, {"远处签到", "离线补登"}),
    ],
)
def test_supervisor_filters_on_photos_check_in_and_offline(login, world, marked, params, expected):
    page = login(world.users["supervisor"]).get(URL, params).context["page_obj"]
    assert {v.summary for v in page} == expected


def test_list_shows_the_marks(login, world, marked):
    html = login(world.users["supervisor"]).get(URL, {"enterprise": "甲二"}).content.decode()
    assert "2 张照片" in html and 'data-mark="mismatch"' in html and 'data-mark="offline"' in html


def test_export_carries_photo_check_in_and_offline_columns(login, world, marked):
    rows = _rows(login(world.users["supervisor"]).get(EXPORT, {"enterprise": "甲二"}))
    by_summary = {row[8]: row[-5:] for row in rows[1:]}
    assert by_summary["有照片"] == (2, None, None, None, None)
    assert by_summary["远处签到"] == (0, "位置不符", 20, 1112, None)
    assert by_summary["离线补登"][-1] == "是"


def test_query_count_with_marks_does_not_grow(login, world, marked, log_visit, count_queries):
    from tests.visits.photo_helpers import photo

    client = login(world.users["supervisor"])
    small = count_queries(client, URL)
    for n in range(3):
        log_visit(summary=f"再来 {n}", photos=[photo()], confirm_duplicate=True)
    assert count_queries(client, URL) == small

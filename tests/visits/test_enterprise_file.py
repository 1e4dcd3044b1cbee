"""一企一档: one page per enterprise, cut to who is reading it, at constant query cost per page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cadres.services import assignment_end
from tests import factories as f
from visits.selectors import CONTACT, FULL, HANDLER, survey_series

pytestmark = pytest.mark.django_db


def _url(enterprise):
    return reverse("visits:enterprise_file", args=[enterprise.pk])


@pytest.fixture
def rich_a1(world, today):
    """ent_a1 with a tag, a past liaison, a surveyed visit with a participant and a visit-raised request."""
    world.ent_a1.tags.add(f.TagFactory(name="重点企业"))
    former = f.CadreFactory(name="王前任", phone="13911112222")
    old = f.AssignmentFactory(cadre=former, enterprise=world.ent_a1, start=today - dt.timedelta(days=900))
    assignment_end(actor=None, assignment=old, end=today - dt.timedelta(days=400))
    companion = f.CadreFactory(name="同行赵", phone="13933334444")
    visit = f.VisitFactory(
        enterprise=world.ent_a1,
        cadre=world.cadre,
        date=today - dt.timedelta(days=10),
        summary="内部判断：该企业资金链偏紧",
        headcount=230,
        vacancies=17,
        output_yoy=Decimal("-6.50"),
    )
    visit.participants.add(companion)
    raised = f.RequestFactory(
        enterprise=world.ent_a1, visit=visit, source="visit", ref="QQ2026000777", description="贷款续贷困难"
    )
    return {"visit": visit, "raised": raised, "former": former, "companion": companion}


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(_url(world.ent_a1))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_user_without_a_role_gets_403(login, world):
    assert login(world.users["outsider"]).get(_url(world.ent_a1)).status_code == 403


@pytest.mark.parametrize("persona", ["cadre", "town_supervisor", "handler", "contact"])
def test_an_enterprise_out_of_scope_is_404(login, world, persona):
    target = world.ent_b1 if persona != "town_supervisor" else world.ent_a1
    assert login(world.users[persona]).get(_url(target)).status_code == 404


def test_old_enterprise_address_redirects_to_the_file(login, world):
    response = login(world.users["cadre"]).get(reverse("enterprises:detail", args=[world.ent_a1.pk]))
    assert response.status_code == 302 and response.url == _url(world.ent_a1)


def test_enterprise_links_point_at_the_file(login, world):
    body = login(world.users["supervisor"]).get(reverse("enterprises:list")).content.decode()
    assert _url(world.ent_a1) in body


@pytest.mark.parametrize(
    "persona,audience",
    [
        ("cadre", FULL),
        ("supervisor", FULL),
        ("admin", FULL),
        ("contact", CONTACT),
        ("handler", HANDLER),
    ],
)
def test_each_reader_gets_their_version(login, world, persona, audience):
    response = login(world.users[persona]).get(_url(world.ent_a1))
    assert response.status_code == 200 and response.context["audience"] == audience


def test_liaison_cadre_sees_the_whole_file(login, world, rich_a1):
    body = login(world.users["cadre"]).get(_url(world.ent_a1)).content.decode()
    assert "内部判断：该企业资金链偏紧" in body  # visit summary
    assert "重点企业" in body  # tags
    assert "王前任" in body  # past liaison with dates
    assert "QQ2026000777" in body and "贷款续贷困难" in body
    assert 'data-chart="chart-headcount"' in body and "data-survey-table" in body
    assert reverse("visits:detail", args=[rich_a1["visit"].pk]) in body


def test_contact_sees_visits_and_requests_but_no_internals(login, world, rich_a1):
    body = login(world.users["contact"]).get(_url(world.ent_a1)).content.decode()
    visit_day = rich_a1["visit"].date.strftime("%Y-%m-%d")
    assert visit_day in body and "QQ2026000777" in body and world.req_a1.ref in body
    assert world.cadre.phone in body  # their current liaison may be called
    for internal in ("内部判断", "重点企业", "王前任", "13911112222", "13933334444", "data-survey"):
        assert internal not in body, internal
    assert reverse("visits:detail", args=[rich_a1["visit"].pk]) not in body


def test_handler_sees_the_profile_and_their_units_request_only(login, world, rich_a1):
    body = login(world.users["handler"]).get(_url(world.ent_a1)).content.decode()
    assert world.ent_a1.uscc in body and world.req_a1.ref in body
    assert "QQ2026000777" not in body  # not led by the handler's unit
    assert "内部判断" not in body and rich_a1["visit"].date.strftime("%Y-%m-%d") not in body
    assert "data-liaisons" not in body and "data-survey" not in body


def test_timeline_merges_visits_and_requests_newest_first(login, world, today):
    world.visit_a1.delete()
    world.req_a1.delete()
    older_visit = f.VisitFactory(
        enterprise=world.ent_a1, cadre=world.cadre, date=today - dt.timedelta(days=20)
    )
    request = f.RequestFactory(
        enterprise=world.ent_a1, submitted_at=timezone.now() - dt.timedelta(days=10), ref="QQ-MID"
    )
    newer_visit = f.VisitFactory(
        enterprise=world.ent_a1, cadre=world.cadre, date=today - dt.timedelta(days=2)
    )
    items = login(world.users["cadre"]).get(_url(world.ent_a1)).context["items"]
    assert [(item.kind, item.obj.pk) for item in items] == [
        ("visit", newer_visit.pk),
        ("request", request.pk),
        ("visit", older_visit.pk),
    ]


def test_timeline_is_paginated_over_both_streams(login, world, today):
    for i in range(15):
        f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre, date=today - dt.timedelta(days=i + 1))
        f.RequestFactory(enterprise=world.ent_a1, submitted_at=timezone.now() - dt.timedelta(days=i + 1))
    client = login(world.users["cadre"])
    first = client.get(_url(world.ent_a1))
    second = client.get(_url(world.ent_a1), {"page": 2})
    assert first.context["page_obj"].paginator.count == 32  # 16 visits + 16 requests
    assert len(first.context["items"]) == 20 and len(second.context["items"]) == 12
    seen = {(i.kind, i.obj.pk) for i in first.context["items"]} | {
        (i.kind, i.obj.pk) for i in second.context["items"]
    }
    assert len(seen) == 32
    # The page and its total come from one statement; past the end and nonsense, Django's answers.
    assert client.get(_url(world.ent_a1), {"page": 9}).context["page_obj"].number == 2
    assert client.get(_url(world.ent_a1), {"page": "x"}).context["page_obj"].number == 1
    days = [item.day for item in first.context["items"]]
    assert all(isinstance(day, dt.date) for day in days) and days == sorted(days, reverse=True)
    assert today - dt.timedelta(days=15) <= days[-1] < days[0] <= today
    assert second.context["page_obj"].has_previous() and not second.context["page_obj"].has_next()


def test_open_requests_show_deadlines_and_overdue(login, world, today):
    f.RequestFactory(
        enterprise=world.ent_a1,
        status="in_progress",
        ref="QQ-LATE",
        response_due=today - dt.timedelta(days=1),
    )
    f.RequestFactory(enterprise=world.ent_a1, status="closed", ref="QQ-DONE")
    response = login(world.users["cadre"]).get(_url(world.ent_a1))
    open_refs = {r.ref: r.late for r in response.context["open_requests"]}
    assert open_refs == {world.req_a1.ref: False, "QQ-LATE": True}


def test_survey_series_keeps_the_latest_reading_per_month(world):
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=dt.date(2026, 3, 2), headcount=100)
    f.VisitFactory(
        enterprise=world.ent_a2, cadre=world.cadre, date=dt.date(2026, 3, 20), headcount=104, vacancies=6
    )
    f.VisitFactory(
        enterprise=world.ent_a2, cadre=world.cadre, date=dt.date(2026, 5, 1), output_yoy=Decimal("3.20")
    )
    series = survey_series(world.ent_a2)
    assert [(p.label, p.headcount, p.vacancies, p.output_yoy) for p in series] == [
        ("2026年3月", 104, 6, None),
        ("2026年5月", None, None, Decimal("3.20")),
    ]


def test_file_without_survey_data_says_so_and_loads_no_chart_script(login, world):
    body = login(world.users["cadre"]).get(_url(world.ent_a2)).content.decode()
    assert "尚无走访调查数据" in body and "plotly" not in body


def test_contact_menu_leads_to_their_file(login, world):
    response = login(world.users["contact"]).get(reverse("visits:my_file"))
    assert response.status_code == 302 and response.url == _url(world.ent_a1)
    assert login(world.users["cadre"]).get(reverse("visits:my_file")).status_code == 403


@pytest.mark.parametrize("persona", ["cadre", "contact", "handler"])
def test_query_count_per_page_does_not_grow_with_history(login, world, today, persona, count_queries):
    client = login(world.users[persona])
    url = _url(world.ent_a1)
    # One visit with a co-participant already: a panel costs its query only once it has rows
    # (the file asks which panels have any in the queries it runs anyway), then never more.
    f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre, date=today).participants.add(world.other_cadre)
    small = count_queries(client, url)
    for i in range(25):
        visit = f.VisitFactory(
            enterprise=world.ent_a1,
            cadre=world.cadre,
            date=today - dt.timedelta(days=i + 1),
            headcount=100 + i,
        )
        visit.participants.add(world.other_cadre)
        f.RequestFactory(
            enterprise=world.ent_a1,
            visit=visit,
            lead_unit=world.unit_hr,
            status="in_progress",
            submitted_at=timezone.now() - dt.timedelta(days=i + 1),
        )
        f.AssignmentFactory(cadre=f.CadreFactory(), enterprise=world.ent_a1)
    assert count_queries(client, url) == small


def test_timeline_rows_carry_marks_participants_survey_and_raised_requests(login, world, rich_a1, today):
    # The timeline is drawn by the file_timeline simple tag (visits_rows), not template nodes.
    f.VisitFactory(
        enterprise=world.ent_a1, cadre=world.cadre, date=today - dt.timedelta(days=3), offline=True,
        checkin_latitude=Decimal("30.8"), checkin_longitude=Decimal("120.9"), location_mismatch=True,
        checkin_distance=1250, summary="<script>x</script>",
    )  # fmt: skip
    body = login(world.users["cadre"]).get(_url(world.ent_a1)).content.decode()
    assert (
        '<span class="badge text-bg-warning" data-mark="mismatch" title="签到位置距企业 1250 米">'
        '<i class="bi bi-geo-alt"></i> 位置不符</span>'
    ) in body
    assert 'data-mark="offline"><i class="bi bi-cloud-arrow-up"></i> 离线同步</span>' in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x</script>" not in body
    assert ' <span class="text-body-secondary small">同行：同行赵</span>' in body
    assert '<span class="badge text-bg-light border">在岗 230 人</span>' in body
    assert '<span class="badge text-bg-light border">同比 -6.50%</span>' in body
    raised = world.ent_a1.requests.get(ref="QQ2026000777")
    link = f'<a href="{reverse("requests_tracker:detail", args=[raised.pk])}">QQ2026000777</a>（'
    assert f"提出诉求：{link}" in body

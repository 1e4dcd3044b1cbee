"""The visit page: read-only for everyone who may read it, a correct form while correction is allowed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from visits.models import Visit, VisitRevision
from visits.services import visit_correct

pytestmark = pytest.mark.django_db


def _url(visit):
    return reverse("visits:detail", args=[visit.pk])


def _correct_url(visit):
    return reverse("visits:correct", args=[visit.pk])


def _own_visit(world, days_old=0, **extra):
    visit = f.VisitFactory(
        enterprise=world.ent_a1, cadre=world.cadre, created_by=world.users["cadre"], **extra
    )
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    visit.refresh_from_db()
    return visit


def _form(visit, **changes):
    data = {
        "date": visit.date.isoformat(),
        "mode": visit.mode,
        "summary": visit.summary,
        "orders": visit.orders,
        "headcount": "" if visit.headcount is None else str(visit.headcount),
        "vacancies": "" if visit.vacancies is None else str(visit.vacancies),
        "output_yoy": "" if visit.output_yoy is None else str(visit.output_yoy),
        "profit_trend": visit.profit_trend,
        "reason": "",
    }
    data.update(changes)
    return data


def test_anonymous_is_sent_to_login(client, world):
    for url in (_url(world.visit_a1), _correct_url(world.visit_a1)):
        response = client.get(url) if url == _url(world.visit_a1) else client.post(url, {})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["contact", "handler", "outsider"])
def test_roles_outside_the_workbench_get_403_even_for_a_visit_of_their_enterprise(login, world, persona):
    assert login(world.users[persona]).get(_url(world.visit_a1)).status_code == 403


@pytest.mark.parametrize("persona", ["other_cadre", "town_supervisor"])
def test_a_visit_out_of_scope_is_404(login, world, persona):
    client = login(world.users[persona])
    assert client.get(_url(world.visit_a1)).status_code == 404
    assert client.post(_correct_url(world.visit_a1), _form(world.visit_a1)).status_code == 404


@pytest.mark.parametrize("persona", ["cadre", "supervisor", "admin"])
def test_permitted_users_read_the_visit(login, world, persona):
    response = login(world.users[persona]).get(_url(world.visit_a1))
    assert response.status_code == 200 and "甲一走访" in response.content.decode()


def test_raised_requests_and_participants_are_listed(login, world, hiring):
    visit = _own_visit(world)
    visit.participants.add(world.other_cadre)
    f.RequestFactory(enterprise=world.ent_a1, visit=visit, category=hiring, ref="QQ2026999001")
    body = login(world.users["cadre"]).get(_url(visit)).content.decode()
    assert "QQ2026999001" in body and "李四" in body


def test_author_sees_the_correct_form_within_the_window(login, world):
    response = login(world.users["cadre"]).get(_url(_own_visit(world, days_old=6)))
    assert response.context["form"] is not None and _correct_url(response.context["visit"]) in (
        response.content.decode()
    )


def test_after_seven_days_the_author_reads_only(login, world):
    visit = _own_visit(world, days_old=8)
    client = login(world.users["cadre"])
    response = client.get(_url(visit))
    assert response.context["form"] is None and "不能再由本人更正" in response.content.decode()
    assert client.post(_correct_url(visit), _form(visit, summary="改写")).status_code == 403
    visit.refresh_from_db()
    assert visit.summary != "改写"


def test_supervisor_corrects_an_old_visit_and_the_history_shows(login, world):
    visit = _own_visit(world, days_old=40, headcount=50)
    client = login(world.users["supervisor"])
    response = client.post(_correct_url(visit), _form(visit, headcount="55", reason="核实后更正"))
    assert response.status_code == 302 and response.url == _url(visit)
    revision = VisitRevision.objects.get(visit=visit)
    assert revision.changes["headcount"]["before"] == "50" and revision.changes["headcount"]["after"] == "55"
    body = client.get(_url(visit)).content.decode()
    assert "核实后更正" in body and "在岗职工数" in body and "data-revision" in body


def test_a_bad_correction_shows_the_field_message_and_changes_nothing(login, world, today):
    visit = _own_visit(world)
    response = login(world.users["cadre"]).post(
        _correct_url(visit), _form(visit, date=(today + dt.timedelta(days=2)).isoformat())
    )
    assert response.status_code == 200
    assert "走访日期不能晚于今天" in response.context["form"].errors["date"][0]
    assert not VisitRevision.objects.exists()


def test_correcting_needs_post(login, world):
    assert login(world.users["cadre"]).get(_correct_url(_own_visit(world))).status_code == 405


def test_an_unchanged_correction_says_so(login, world):
    visit = _own_visit(world)
    response = login(world.users["cadre"]).post(_correct_url(visit), _form(visit), follow=True)
    assert "内容没有变化" in response.content.decode() and not VisitRevision.objects.exists()


def test_query_count_does_not_grow_with_history(login, world, count_queries):
    visit = _own_visit(world)
    client = login(world.users["supervisor"])
    url = _url(visit)
    small = count_queries(client, url)
    for i in range(5):
        visit_correct(actor=world.users["supervisor"], visit=visit, summary=f"第 {i} 次更正")
        visit.participants.add(f.CadreFactory())
        f.RequestFactory(enterprise=world.ent_a1, visit=visit)
    assert count_queries(client, url) == small

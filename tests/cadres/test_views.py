"""Pair management pages: anonymous, wrong role, out of scope, permitted; query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadres.models import Assignment, AssignmentChange
from cadres.services import assignment_create
from tests.factories import AssignmentFactory, CadreFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def _login_redirect(response):
    return response.status_code == 302 and response.url.startswith(reverse("login"))


# --- the cadre's pairs page -------------------------------------------------------------------
def test_cadre_pairs_anonymous_goes_to_login(client, world):
    assert _login_redirect(client.get(reverse("cadres:pairs", args=[world.cadre.pk])))


def test_cadre_pairs_is_not_for_cadres(login, world):
    assert login(world.users["cadre"]).get(reverse("cadres:pairs", args=[world.cadre.pk])).status_code == 403


def test_cadre_pairs_out_of_town_is_404(login, world):
    response = login(world.users["town_supervisor"]).get(reverse("cadres:pairs", args=[world.cadre.pk]))
    assert response.status_code == 404


def test_cadre_pairs_supervisor_reads_without_forms(login, world):
    response = login(world.users["supervisor"]).get(reverse("cadres:pairs", args=[world.cadre.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "甲一精密机械有限公司" in body
    assert "结束联系" not in body and "新增联系企业" not in body


def test_cadre_pairs_admin_sees_candidates_from_the_cadre_town_and_the_live_badge(login, world):
    body = login(world.users["admin"]).get(reverse("cadres:pairs", args=[world.cadre.pk])).content.decode()
    assert "甲三电子有限公司" in body and "乙一新材料有限公司" not in body
    assert 'data-qq-count="add" data-base="2"' in body and "js/cadres.js" in body


def test_admin_adds_enterprises_and_the_change_is_logged(login, world):
    client = login(world.users["admin"])
    response = client.post(
        reverse("cadres:pairs_add", args=[world.cadre.pk]), {"enterprises": [world.ent_a3.pk], "start": TODAY}
    )
    assert response.status_code == 302
    pair = Assignment.objects.get(cadre=world.cadre, enterprise=world.ent_a3)
    assert AssignmentChange.objects.get(assignment=pair).actor == world.users["admin"]
    body = client.get(reverse("cadres:pairs", args=[world.cadre.pk])).content.decode()
    assert "新增联系" in body and "甲三电子有限公司" in body


def test_eleventh_enterprise_is_refused_with_numbers(login, world):
    for _ in range(8):
        AssignmentFactory(cadre=world.cadre)
    client = login(world.users["admin"])
    response = client.post(
        reverse("cadres:pairs_add", args=[world.cadre.pk]),
        {"enterprises": [world.ent_a3.pk], "start": TODAY},
        follow=True,
    )
    assert "现联系 10 家企业，新增 1 家后将达 11 家，超过上限 10 家" in response.content.decode()
    assert not Assignment.objects.filter(enterprise=world.ent_a3).exists()


def test_supervisor_cannot_add(login, world):
    response = login(world.users["supervisor"]).post(
        reverse("cadres:pairs_add", args=[world.cadre.pk]), {"enterprises": [world.ent_a3.pk], "start": TODAY}
    )
    assert response.status_code == 403


def test_add_out_of_scope_is_404_and_get_is_405(login, world):
    url = reverse("cadres:pairs_add", args=[world.cadre.pk])
    assert login(world.users["town_supervisor"]).post(url, {}).status_code == 404
    assert login(world.users["admin"]).get(url).status_code == 405


# --- the enterprise's pairs page ----------------------------------------------------------------
def test_enterprise_pairs_matrix(client, login, world):
    url = reverse("cadres:enterprise_pairs", args=[world.ent_a1.pk])
    assert _login_redirect(client.get(url))
    assert login(world.users["handler"]).get(url).status_code == 403
    assert login(world.users["town_supervisor"]).get(url).status_code == 404
    assert (
        login(world.users["town_supervisor"])
        .get(reverse("cadres:enterprise_pairs", args=[world.ent_b1.pk]))
        .status_code
        == 200
    )


def test_admin_assigns_a_cadre_to_an_enterprise_as_second_liaison(login, world):
    response = login(world.users["admin"]).post(
        reverse("cadres:enterprise_pairs_add", args=[world.ent_a1.pk]),
        {"cadre": world.other_cadre.pk, "start": TODAY},
    )
    assert response.status_code == 302
    assert not Assignment.objects.get(cadre=world.other_cadre, enterprise=world.ent_a1).is_lead


def test_full_cadre_shows_as_full_and_cannot_be_chosen(login, world):
    for _ in range(9):
        AssignmentFactory(cadre=world.other_cadre)
    client = login(world.users["admin"])
    body = client.get(reverse("cadres:enterprise_pairs", args=[world.ent_a3.pk]) + "?q=李四").content.decode()
    assert "10 / 10" in body and "已满" in body
    response = client.post(
        reverse("cadres:enterprise_pairs_add", args=[world.ent_a3.pk]),
        {"cadre": world.other_cadre.pk, "start": TODAY},
        follow=True,
    )
    assert "达到上限" in response.content.decode()


def test_enterprise_page_shows_the_change_log(login, world):
    assignment_create(
        actor=world.users["admin"],
        cadre=world.other_cadre,
        enterprise=world.ent_a3,
        start=dt.date(2026, 1, 5),
    )
    body = (
        login(world.users["supervisor"])
        .get(reverse("cadres:enterprise_pairs", args=[world.ent_a3.pk]))
        .content.decode()
    )
    assert "变更记录" in body and "李四" in body and "2026-01-05 至 今" in body


# --- ending a pair ------------------------------------------------------------------------------
def test_end_assignment_matrix_and_effect(client, login, world):
    pair = world.cadre.assignments.get(enterprise=world.ent_a1)
    url = reverse("cadres:assignment_end", args=[pair.pk])
    assert _login_redirect(client.post(url, {"end": TODAY}))
    assert login(world.users["cadre"]).post(url, {"end": TODAY}).status_code == 403
    assert login(world.users["town_supervisor"]).post(url, {"end": TODAY}).status_code == 404
    assert login(world.users["supervisor"]).post(url, {"end": TODAY}).status_code == 403
    back = reverse("cadres:enterprise_pairs", args=[world.ent_a1.pk])
    response = login(world.users["admin"]).post(url, {"end": TODAY, "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    pair.refresh_from_db()
    assert pair.end == timezone.localdate()
    assert "少于 2 家" in response.content.decode()


def test_end_ignores_a_foreign_next_url(login, world):
    pair = world.cadre.assignments.get(enterprise=world.ent_a1)
    response = login(world.users["admin"]).post(
        reverse("cadres:assignment_end", args=[pair.pk]), {"end": TODAY, "next": "https://evil.example/"}
    )
    assert response.url == reverse("cadres:pairs", args=[world.cadre.pk])


# --- transfer -----------------------------------------------------------------------------------
def test_transfer_matrix(client, login, world):
    url = reverse("cadres:transfer")
    assert _login_redirect(client.get(url))
    assert login(world.users["supervisor"]).get(url).status_code == 403
    assert login(world.users["admin"]).get(url + "?from=999999").status_code == 404
    assert login(world.users["admin"]).get(url).status_code == 200


def test_transfer_page_lists_the_source_enterprises_with_live_badges(login, world):
    target = CadreFactory(name="王五")
    url = reverse("cadres:transfer") + f"?from={world.cadre.pk}&to={target.pk}"
    body = login(world.users["admin"]).get(url).content.decode()
    assert 'data-qq-count="move" data-base="2" data-step="-1"' in body
    assert 'data-qq-count="move" data-base="0" data-step="1"' in body
    assert body.count('data-qq-tick="move"') == 2


def test_admin_transfers_in_one_step(login, world):
    target = CadreFactory(name="王五")
    url = reverse("cadres:transfer") + f"?from={world.cadre.pk}&to={target.pk}"
    response = login(world.users["admin"]).post(
        url,
        {
            "from": world.cadre.pk,
            "to_cadre": target.pk,
            "enterprises": [world.ent_a1.pk, world.ent_a2.pk],
            "on": TODAY,
        },
    )
    assert response.status_code == 302 and response.url == reverse("cadres:pairs", args=[target.pk])
    assert target.assignments.active().count() == 2 and world.cadre.assignments.active().count() == 0


def test_transfer_over_ten_shows_the_numbers_and_moves_nothing(login, world):
    target = CadreFactory(name="王五")
    for _ in range(9):
        AssignmentFactory(cadre=target)
    url = reverse("cadres:transfer") + f"?from={world.cadre.pk}&to={target.pk}"
    response = login(world.users["admin"]).post(
        url,
        {
            "from": world.cadre.pk,
            "to_cadre": target.pk,
            "enterprises": [world.ent_a1.pk, world.ent_a2.pk],
            "on": TODAY,
        },
    )
    assert response.status_code == 200
    assert "现联系 9 家企业，移入 2 家后将达 11 家，超过上限 10 家" in response.content.decode()
    assert world.cadre.assignments.active().count() == 2


# --- suggestions --------------------------------------------------------------------------------
def test_suggestions_matrix(client, login, world):
    url = reverse("cadres:suggestions")
    assert _login_redirect(client.get(url))
    assert login(world.users["supervisor"]).get(url).status_code == 403
    body = login(world.users["admin"]).get(url).content.decode()
    assert f'value="{world.ent_a3.pk}:{world.cadre.pk}"' in body


def test_accepting_part_of_the_suggestions(login, world):
    extra = EnterpriseFactory(town=world.town_a, name="甲四")
    response = login(world.users["admin"]).post(
        reverse("cadres:suggestions_accept"),
        {"pairs": [f"{extra.pk}:{world.cadre.pk}"], "start": TODAY},
        follow=True,
    )
    assert "已采纳 1 条建议" in response.content.decode()
    assert Assignment.objects.filter(enterprise=extra, cadre=world.cadre).exists()
    assert not Assignment.objects.filter(enterprise=world.ent_a3).exists()


def test_accepting_an_unknown_enterprise_is_404_and_supervisors_403(login, world):
    url = reverse("cadres:suggestions_accept")
    data = {"pairs": [f"999999:{world.cadre.pk}"], "start": TODAY}
    assert login(world.users["supervisor"]).post(url, data).status_code == 403
    assert login(world.users["admin"]).post(url, data).status_code == 404


# --- attention and the cadre page ------------------------------------------------------------------
def test_attention_links_to_the_pair_pages_and_filters_by_unit(login, world):
    lonely = CadreFactory(name="孤单", unit=world.unit_town_b)
    client = login(world.users["admin"])
    body = client.get(reverse("cadres:attention")).content.decode()
    assert reverse("cadres:pairs", args=[lonely.pk]) in body
    assert reverse("cadres:enterprise_pairs", args=[world.ent_a3.pk]) in body
    filtered = client.get(reverse("cadres:attention"), {"unit": world.unit_town_b.pk}).content.decode()
    assert "孤单" in filtered and "甲三电子有限公司" not in filtered


def test_cadre_page_shows_the_log_to_staff_but_not_to_the_cadre(login, world):
    assignment_create(actor=None, cadre=world.cadre, enterprise=world.ent_a3, start=dt.date(2026, 1, 5))
    url = reverse("cadres:detail", args=[world.cadre.pk])
    assert "变更记录" in login(world.users["supervisor"]).get(url).content.decode()
    assert "变更记录" not in login(world.users["cadre"]).get(url).content.decode()


# --- query counts ---------------------------------------------------------------------------------
def _grow(world, n):
    """n more enterprises for the world's cadre (logged), n paired cadres, n enterprises without one."""
    for _ in range(n):
        assignment_create(
            actor=world.users["admin"],
            cadre=world.cadre,
            enterprise=EnterpriseFactory(town=world.town_a),
            start=dt.date(2026, 1, 1),
        )
        AssignmentFactory(
            cadre=CadreFactory(unit=world.unit_town_a), enterprise=EnterpriseFactory(town=world.town_a)
        )
        EnterpriseFactory(town=world.town_a)


@pytest.mark.parametrize(
    "url_name,arg",
    [
        ("cadres:pairs", "cadre"),
        ("cadres:enterprise_pairs", "ent_a1"),
        ("cadres:attention", None),
        ("cadres:suggestions", None),
        ("cadres:transfer", None),
        ("cadres:detail", "cadre"),
    ],
)
def test_pages_use_the_same_number_of_queries_at_two_sizes(
    login, world, django_assert_num_queries, url_name, arg
):
    client = login(world.users["admin"])
    url = reverse(url_name, args=[getattr(world, arg).pk] if arg else [])
    client.get(url)  # warm caches (session, content types)
    _grow(world, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(world, 5)  # the cadre now holds 9: one short of full, so the picker is still offered
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_change_log_is_read_only_in_the_django_admin(login, world):
    assignment_create(actor=None, cadre=world.cadre, enterprise=world.ent_a3, start=dt.date(2026, 1, 5))
    client = login(world.users["admin"])
    assert client.get("/sysadmin/cadres/assignmentchange/").status_code == 200
    assert client.get("/sysadmin/cadres/assignmentchange/add/").status_code == 403


def test_pairs_are_read_only_in_the_django_admin_so_every_change_is_logged(login, world):
    """The admin would bypass the 2–10 rule and the change log: it shows pairs, never edits them."""
    from cadres.models import Assignment, AssignmentChange

    pair = assignment_create(
        actor=None, cadre=world.cadre, enterprise=world.ent_a3, start=dt.date(2026, 1, 5)
    )
    logged = AssignmentChange.objects.count()
    client = login(world.users["admin"])
    assert client.get("/sysadmin/cadres/assignment/").status_code == 200
    assert client.get(f"/sysadmin/cadres/assignment/{pair.pk}/change/").status_code == 200  # view only
    assert client.get("/sysadmin/cadres/assignment/add/").status_code == 403
    response = client.post(
        f"/sysadmin/cadres/assignment/{pair.pk}/change/",
        {"cadre": world.cadre.pk, "enterprise": world.ent_a3.pk, "start": "2026-01-05", "end": "2026-02-01"},
    )
    assert response.status_code == 403
    assert client.post(f"/sysadmin/cadres/assignment/{pair.pk}/delete/", {"post": "yes"}).status_code == 403
    pair.refresh_from_db()
    assert pair.end is None and Assignment.objects.filter(pk=pair.pk).exists()
    assert AssignmentChange.objects.count() == logged
    # The cadre's admin page lists the pairs without form fields for them.
    page = client.get(f"/sysadmin/cadres/cadre/{world.cadre.pk}/change/").content.decode()
    assert "assignments-0-enterprise" not in page and world.ent_a3.name in page

"""我的企业: the cadre's landing page, ordered by urgency, at constant query cost."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from tests import factories as f
from visits.selectors import my_enterprises

pytestmark = pytest.mark.django_db
URL = reverse("visits:my_enterprises")


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["supervisor", "handler", "contact", "outsider"])
def test_roles_without_enterprises_of_their_own_get_403(login, world, persona):
    assert login(world.users[persona]).get(URL).status_code == 403


def test_cadre_sees_only_their_current_enterprises(login, world):
    body = login(world.users["cadre"]).get(URL).content.decode()
    assert world.ent_a1.name in body and world.ent_a2.name in body
    assert world.ent_a3.name not in body and world.ent_b1.name not in body


def test_cadre_lands_here_and_sees_the_workbench_menu(login, world):
    client = login(world.users["cadre"])
    assert client.get(reverse("home")).url == URL
    body = client.get(URL).content.decode()
    for url_name in ("visits:my_enterprises", "visits:log", "visits:list"):
        assert f'href="{reverse(url_name)}"' in body


def test_supervisors_menu_has_no_cadre_workbench_entries(login, world):
    body = login(world.users["supervisor"]).get(reverse("visits:list")).content.decode()
    assert f'href="{URL}"' not in body and f'href="{reverse("visits:list")}"' in body


def test_one_tap_opens_the_log_form_for_that_enterprise(login, world):
    body = login(world.users["cadre"]).get(URL).content.decode()
    assert f"{reverse('visits:log')}?enterprise={world.ent_a2.pk}" in body


def test_rows_carry_last_visit_days_and_request_counts(world, today):
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.other_cadre, date=today - dt.timedelta(days=40))
    f.RequestFactory(enterprise=world.ent_a2, status="in_progress", response_due=today - dt.timedelta(days=1))
    f.RequestFactory(enterprise=world.ent_a2, status="submitted")
    f.RequestFactory(enterprise=world.ent_a2, status="closed")
    row = next(r for r in my_enterprises(world.users["cadre"]) if r.enterprise == world.ent_a2)
    assert (row.last_visit, row.days_since) == (today - dt.timedelta(days=40), 40)
    assert (row.open_requests, row.overdue_requests) == (2, 1)


def test_order_is_overdue_then_due_longest_gap_then_open_requests(world, today):
    cadre = world.cadre
    quarter_start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    never = f.EnterpriseFactory(name="从未走访企业")
    long_ago = f.EnterpriseFactory(name="久未走访企业")
    recent_busy = f.EnterpriseFactory(name="本季已访有诉求企业")
    late = f.EnterpriseFactory(name="有超期诉求企业")
    for enterprise in (never, long_ago, recent_busy, late):
        f.AssignmentFactory(cadre=cadre, enterprise=enterprise)
    f.VisitFactory(enterprise=long_ago, cadre=cadre, date=quarter_start - dt.timedelta(days=200))
    f.VisitFactory(enterprise=world.ent_a2, cadre=cadre, date=quarter_start - dt.timedelta(days=1))
    f.VisitFactory(enterprise=recent_busy, cadre=cadre, date=today)
    f.VisitFactory(enterprise=late, cadre=cadre, date=today)
    f.RequestFactory(enterprise=recent_busy, status="in_progress")
    f.RequestFactory(enterprise=late, status="assigned", response_due=today - dt.timedelta(days=2))
    names = [r.enterprise.name for r in my_enterprises(world.users["cadre"])]
    # ent_a1 was visited today (the world's visit) and has one open request, ent_a2 is due.
    assert names == [
        late.name,
        never.name,
        long_ago.name,
        world.ent_a2.name,
        recent_busy.name,
        world.ent_a1.name,
    ]


def test_due_marker_follows_the_visit_rhythm(world, today):
    last_year = dt.date(today.year - 1, 6, 1)
    world.ent_a1.visits.all().delete()
    f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre, date=last_year)
    with override_settings(QIQING_VISIT_RHYTHM="quarter"):
        assert next(r for r in my_enterprises(world.users["cadre"]) if r.enterprise == world.ent_a1).due
    f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre, date=dt.date(today.year, 1, 1))
    with override_settings(QIQING_VISIT_RHYTHM="year"):
        assert not next(r for r in my_enterprises(world.users["cadre"]) if r.enterprise == world.ent_a1).due


def test_phone_cards_and_desktop_table_are_both_rendered(login, world):
    body = login(world.users["cadre"]).get(URL).content.decode()
    assert 'data-layout="cards"' in body and 'data-layout="table"' in body
    assert "待走访" in body  # ent_a2 has never been visited


def test_query_count_does_not_grow_with_enterprises(login, world, today, count_queries):
    client = login(world.users["cadre"])
    small = count_queries(client, URL)
    for i in range(6):
        enterprise = f.EnterpriseFactory()
        f.AssignmentFactory(cadre=world.cadre, enterprise=enterprise)
        f.VisitFactory(enterprise=enterprise, cadre=world.cadre, date=today - dt.timedelta(days=i * 30))
        f.RequestFactory(enterprise=enterprise, status="assigned", response_due=today - dt.timedelta(days=i))
    assert count_queries(client, URL) == small


def test_rows_show_last_visit_overdue_and_never_visited_in_both_layouts(login, world, today):
    # The rows are drawn by simple tags (visits_rows), not per-row includes: the same markup.
    f.VisitFactory(enterprise=world.ent_a1, cadre=world.cadre, date=today)
    f.RequestFactory(enterprise=world.ent_a1, status="in_progress", response_due=today - dt.timedelta(days=1))
    body = login(world.users["cadre"]).get(URL).content.decode()
    a1, a2 = world.ent_a1, world.ent_a2
    assert f'<div class="card border-danger" data-enterprise="{a1.pk}">' in body
    assert body.count(f'{today.isoformat()} <span class="text-body-secondary">（今天）</span>') == 2
    assert ' · <span class="qq-overdue">超期 1 件</span>' in body
    assert '<td class="text-end qq-overdue">1</td>' in body
    assert f'<div class="card border-warning" data-enterprise="{a2.pk}">' in body
    assert body.count('<span class="text-danger">从未走访</span>') == 2
    assert body.count(f'href="{reverse("visits:enterprise_file", args=[a2.pk])}"') == 2
    assert f"<td>{a2.town.name}</td>" in body


def test_rows_are_escaped(login, world):
    world.ent_a2.name = '<b>"甲二"</b>'
    world.ent_a2.save()
    body = login(world.users["cadre"]).get(URL).content.decode()
    assert "<b>" not in body and "&lt;b&gt;&quot;甲二&quot;&lt;/b&gt;" in body

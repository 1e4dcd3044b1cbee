"""Each role sees exactly its slice of the county; ids outside it answer 404."""

import pytest
from django.urls import reverse

from cadres.models import Cadre
from enterprises.models import Enterprise
from requests_tracker.models import Request
from visits.models import Visit

pytestmark = pytest.mark.django_db

ENTERPRISES = {
    "admin": {"ent_a1", "ent_a2", "ent_a3", "ent_b1"},
    "supervisor": {"ent_a1", "ent_a2", "ent_a3", "ent_b1"},
    "town_supervisor": {"ent_b1"},
    "handler": {"ent_a1"},
    "cadre": {"ent_a1", "ent_a2"},
    "other_cadre": {"ent_b1"},
    "contact": {"ent_a1"},
    "other_contact": {"ent_b1"},
    "outsider": set(),
}
REQUESTS = {
    "admin": {"req_a1", "req_b1"},
    "supervisor": {"req_a1", "req_b1"},
    "town_supervisor": {"req_b1"},
    "handler": {"req_a1"},
    "cadre": {"req_a1"},
    "other_cadre": {"req_b1"},
    "contact": {"req_a1"},
    "other_contact": {"req_b1"},
    "outsider": set(),
}
VISITS = {
    "admin": {"visit_a1", "visit_b1"},
    "supervisor": {"visit_a1", "visit_b1"},
    "town_supervisor": {"visit_b1"},
    "handler": set(),
    "cadre": {"visit_a1"},
    "other_cadre": {"visit_b1"},
    "contact": {"visit_a1"},
    "other_contact": {"visit_b1"},
    "outsider": set(),
}
CADRES = {
    "admin": {"cadre", "other_cadre"},
    "supervisor": {"cadre", "other_cadre"},
    "town_supervisor": {"other_cadre"},
    "handler": set(),
    "cadre": {"cadre"},
    "other_cadre": {"other_cadre"},
    "contact": set(),
    "other_contact": set(),
    "outsider": set(),
}


def _names(world, model, expected_keys):
    return {getattr(world, key).pk for key in expected_keys}


@pytest.mark.parametrize("persona", sorted(ENTERPRISES))
def test_enterprise_scope(world, persona):
    visible = set(Enterprise.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
    assert visible == _names(world, Enterprise, ENTERPRISES[persona])


@pytest.mark.parametrize("persona", sorted(REQUESTS))
def test_request_scope(world, persona):
    visible = set(Request.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
    assert visible == _names(world, Request, REQUESTS[persona])


@pytest.mark.parametrize("persona", sorted(VISITS))
def test_visit_scope(world, persona):
    visible = set(Visit.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
    assert visible == _names(world, Visit, VISITS[persona])


@pytest.mark.parametrize("persona", sorted(CADRES))
def test_cadre_scope(world, persona):
    visible = set(Cadre.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
    assert visible == _names(world, Cadre, CADRES[persona])


def test_cadre_loses_sight_of_an_enterprise_when_the_pair_ends(world):
    import datetime as dt

    from cadres.services import assignment_end

    assignment_end(
        actor=None, assignment=world.cadre.assignments.get(enterprise=world.ent_a2), end=dt.date.today()
    )
    user = world.users["cadre"]
    user.__dict__.pop("_qiqing_access", None)
    assert not Enterprise.objects.visible_to(user).filter(pk=world.ent_a2.pk).exists()


def test_inactive_user_sees_nothing(world):
    user = world.users["supervisor"]
    user.is_active = False
    user.save()
    user.__dict__.pop("_qiqing_access", None)
    assert not Enterprise.objects.visible_to(user).exists()


DETAIL_PAGES = [
    ("visits:enterprise_file", ENTERPRISES, ["ent_a1", "ent_b1"]),
    ("requests_tracker:detail", REQUESTS, ["req_a1", "req_b1"]),
    ("cadres:detail", CADRES, ["cadre", "other_cadre"]),
]


@pytest.mark.parametrize("url_name,scope,keys", DETAIL_PAGES)
def test_anonymous_is_sent_to_login(client, world, url_name, scope, keys):
    response = client.get(reverse(url_name, args=[getattr(world, keys[0]).pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona", ["supervisor", "town_supervisor", "handler", "cadre", "contact", "other_contact"]
)
@pytest.mark.parametrize("url_name,scope,keys", DETAIL_PAGES)
def test_detail_pages_answer_404_outside_scope_and_200_inside(login, world, persona, url_name, scope, keys):
    client = login(world.users[persona])
    for key in keys:
        response = client.get(reverse(url_name, args=[getattr(world, key).pk]))
        if key in scope[persona]:
            assert response.status_code == 200, (persona, url_name, key)
        else:
            assert response.status_code in (403, 404), (persona, url_name, key)
            # A role that may open this kind of page never learns whether an id exists.
            if response.status_code == 403:
                assert not scope[persona]


def test_contact_never_sees_another_enterprise_name_in_their_request_list(login, world):
    body = login(world.users["contact"]).get(reverse("requests_tracker:list")).content.decode()
    assert "甲一精密机械有限公司" in body
    assert "乙一新材料有限公司" not in body and world.ent_b1.uscc not in body


@pytest.mark.parametrize(
    "url_name", ["enterprises:list", "cadres:list", "cadres:attention", "visits:list", "analytics:overview"]
)
def test_contact_may_not_open_staff_lists(login, world, url_name):
    assert login(world.users["contact"]).get(reverse(url_name)).status_code == 403


def test_user_without_role_gets_an_explanation_on_home(login, world):
    response = login(world.users["outsider"]).get(reverse("home"))
    assert response.status_code == 200 and "尚未分配角色" in response.content.decode()


def test_outsider_may_not_open_request_list(login, world):
    assert login(world.users["outsider"]).get(reverse("requests_tracker:list")).status_code == 403


def test_internal_notes_are_hidden_from_the_contact(login, world):
    from tests.factories import RequestEventFactory

    RequestEventFactory(request=world.req_a1, action="note", note="内部研判：需县领导协调", public=False)
    RequestEventFactory(request=world.req_a1, action="note", note="已联系企业了解情况", public=True)
    contact_body = (
        login(world.users["contact"])
        .get(reverse("requests_tracker:detail", args=[world.req_a1.pk]))
        .content.decode()
    )
    assert "已联系企业了解情况" in contact_body and "内部研判" not in contact_body


def test_staff_see_internal_notes(login, world):
    from tests.factories import RequestEventFactory

    RequestEventFactory(request=world.req_a1, action="note", note="内部研判：需县领导协调", public=False)
    body = (
        login(world.users["handler"])
        .get(reverse("requests_tracker:detail", args=[world.req_a1.pk]))
        .content.decode()
    )
    assert "内部研判" in body


def test_django_admin_is_for_admins_only(login, world):
    assert login(world.users["admin"]).get("/sysadmin/").status_code == 200
    response = login(world.users["supervisor"]).get("/sysadmin/")
    assert response.status_code == 302 and "/sysadmin/login/" in response.url

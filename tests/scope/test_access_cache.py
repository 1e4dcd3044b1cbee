"""``access_for`` is computed once and cached across requests; every change of the user's staff
roles, cadre record or contact record (or a ledger import) invalidates it. The signed-in shell
(layout + navigation + unread count) costs at most one query: the session's (none with
``cached_db`` sessions); the user row and the unread count are cached too (``test_signed_in_cache``)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres.models import Cadre, StaffRole
from enterprises.models import EnterpriseContact
from qiqing.access import access_for, forget_everyone
from tests import factories as f

pytestmark = pytest.mark.django_db
PERSONAS = ("admin", "supervisor", "town_supervisor", "handler", "cadre", "contact")


def _fresh(user):
    """The same login as a new request would load it (no per-object memo)."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_signed_in_shell_costs_at_most_one_query(login, world, persona):
    client = login(world.users[persona])
    url = reverse("password_change")
    assert client.get(url).status_code == 200  # the first request computes and caches the scope
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert "qq-nav" in body or "navbar" in body  # the full layout rendered, bell included
    assert len(queries) <= 1, "\n".join(q["sql"][:150] for q in queries)


def test_scope_is_read_from_the_cache_after_the_first_time(world):
    user = world.users["handler"]
    first = access_for(_fresh(user))
    loaded = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        again = access_for(loaded)
    assert again == first and again.is_handler
    assert len(queries) == 0


def test_a_new_staff_role_is_seen_at_once(world):
    user = world.users["cadre"]
    assert not access_for(_fresh(user)).is_handler
    StaffRole.objects.create(user=user, role="handler", unit=world.unit_hr)
    assert access_for(_fresh(user)).handler_unit_ids == frozenset({world.unit_hr.pk})


def test_a_removed_staff_role_is_dropped_at_once(world):
    user = world.users["handler"]
    assert access_for(_fresh(user)).is_handler
    StaffRole.objects.filter(user=user).get().delete()
    assert not access_for(_fresh(user)).is_handler


def test_a_cadre_leaving_office_loses_the_cadre_role(world):
    user = world.users["cadre"]
    assert access_for(_fresh(user)).is_cadre
    cadre = Cadre.objects.get(user=user)
    cadre.active = False
    cadre.save()
    assert not access_for(_fresh(user)).is_cadre


def test_a_cadre_record_moved_to_another_login_updates_both(world):
    old = world.users["cadre"]
    new = get_user_model().objects.create_user("p_new_cadre_login", password="x")
    assert access_for(_fresh(old)).is_cadre and not access_for(_fresh(new)).is_cadre
    cadre = Cadre.objects.get(user=old)
    cadre.user = new
    cadre.save()
    assert not access_for(_fresh(old)).is_cadre
    assert access_for(_fresh(new)).cadre_id == cadre.pk


def test_a_contact_of_an_enterprise_leaving_the_register_loses_the_portal(world):
    user = world.users["contact"]
    contact = EnterpriseContact.objects.get(user=user)
    assert access_for(_fresh(user)).is_contact
    enterprise = contact.enterprise
    enterprise.active = False
    enterprise.save()
    assert not access_for(_fresh(user)).is_contact


def test_a_new_contact_record_is_seen_at_once(world):
    user = f.UserFactory(username="p_new_contact")
    assert not access_for(_fresh(user)).is_contact
    EnterpriseContact.objects.create(enterprise=world.ent_b1, user=user, name="新联络人", phone="13800000000")
    assert access_for(_fresh(user)).contact_enterprise_id == world.ent_b1.pk


def test_bulk_writes_forget_every_cached_scope(world):
    user = world.users["cadre"]
    assert access_for(_fresh(user)).is_cadre
    Cadre.objects.filter(user=user).update(active=False)  # no signal
    assert access_for(_fresh(user)).is_cadre  # still cached: signals never saw it
    forget_everyone()
    assert not access_for(_fresh(user)).is_cadre

"""The signed-in shell reads the user row and the bell's unread count from the cache (issue 18):
no query for either after the first page, and every write that changes them is seen on the next
page — a deactivated login is signed out, a changed password ends other sessions, a new or read
notice moves the bell. The menu is drawn in Python with the markup the template had."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import counting_cache_calls
from qiqing import notifications
from qiqing.models import Notification
from qiqing.navigation import menu_html, nav_for

pytestmark = pytest.mark.django_db
SHELL = "password_change"  # the shell and a form, no list of its own


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries]


def _bell(body: str) -> str:
    return body.split("</nav>")[0]


def test_the_user_row_and_the_unread_count_are_read_once(login, world):
    client = login(world.users["cadre"])
    url = reverse(SHELL)
    first, first_queries = _queries(client, url)
    assert first.status_code == 200
    assert any("auth_user" in sql for sql in first_queries)
    assert any("qiqing_notification" in sql for sql in first_queries)
    again, queries = _queries(client, url)
    assert again.status_code == 200 and again.context["user"] == world.users["cadre"]
    assert not [sql for sql in queries if '"auth_user"' in sql.split("WHERE")[0]], queries
    assert not [sql for sql in queries if "qiqing_notification" in sql], queries


def test_a_deactivated_login_is_signed_out_on_its_next_page(login, world):
    user = world.users["handler"]
    client = login(user)
    assert client.get(reverse(SHELL)).status_code == 200  # cached now
    user.is_active = False
    user.save()
    response = client.get(reverse(SHELL))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_changed_password_ends_the_other_sessions(client, world):
    user = world.users["supervisor"]
    client.force_login(user)
    assert client.get(reverse(SHELL)).status_code == 200
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.set_password("An-0ther-passw0rd")
    fresh.save()
    response = client.get(reverse(SHELL))
    assert response.status_code == 302


def test_a_renamed_user_shows_the_new_name(login, world):
    user = world.users["cadre"]
    client = login(user)
    client.get(reverse(SHELL))
    get_user_model().objects.filter(pk=user.pk).update(first_name="旧名")  # bypasses signals
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.first_name, fresh.last_name = "新名", ""
    fresh.save()
    assert "新名" in _bell(client.get(reverse(SHELL)).content.decode())


def test_a_session_for_another_hash_is_not_served_from_the_cache(client, world):
    """A tampered session hash gets Django's answer (signed out), not the cached user."""
    user = world.users["cadre"]
    client.force_login(user)
    assert client.get(reverse(SHELL)).status_code == 200
    session = client.session
    session["_auth_user_hash"] = "0" * 64
    session.save()
    assert client.get(reverse(SHELL)).status_code == 302


def test_the_bell_follows_every_kind_of_write(login, world):
    user = world.users["cadre"]
    client = login(user)
    url = reverse(SHELL)
    assert "qq-unread" not in _bell(client.get(url).content.decode())

    notifications.notify(user, kind="assigned", title="一", body="", url="")
    assert 'qq-unread">1<' in _bell(client.get(url).content.decode())

    notifications.notify_many(
        [
            {"recipient_id": user.pk, "kind": "reminder", "title": "二", "dedupe_key": "k2", "email": ""},
            {"recipient_id": user.pk, "kind": "reminder", "title": "三", "dedupe_key": "k3", "email": ""},
        ]
    )
    assert 'qq-unread">3<' in _bell(client.get(url).content.decode())

    notifications.mark_read(user, [Notification.objects.filter(recipient=user).first().pk])
    assert 'qq-unread">2<' in _bell(client.get(url).content.decode())

    row = Notification.objects.filter(recipient=user, read_at__isnull=True).first()
    row.delete()  # the Django admin
    assert 'qq-unread">1<' in _bell(client.get(url).content.decode())

    notifications.mark_read(user)
    assert "qq-unread" not in _bell(client.get(url).content.decode())


def test_one_users_count_is_never_anothers(login, world):
    cadre, handler = world.users["cadre"], world.users["handler"]
    notifications.notify(cadre, kind="assigned", title="给干部", body="", url="")
    assert 'qq-unread">1<' in _bell(login(cadre).get(reverse(SHELL)).content.decode())
    assert "qq-unread" not in _bell(login(handler).get(reverse(SHELL)).content.decode())


def test_the_menu_markup(world, settings):
    """Links, the active page (aria-current, only the most specific), dropdowns, escaping."""
    entries = nav_for(world.users["supervisor"], reverse("analytics:issues"))
    html = str(menu_html(entries))
    assert html.count('<li class="nav-item dropdown">') == sum(1 for e in entries if "children" in e)
    assert html.count('aria-current="page"') == 1
    assert (
        f'<a class="dropdown-item active" href="{reverse("analytics:issues")}" aria-current="page">' in html
    )
    plain = next(e for e in entries if "children" not in e)
    assert (
        f'<li class="nav-item"><a class="nav-link" href="{plain["url"]}"><i class="bi bi-{plain["icon"]}"></i> {plain["label"]}</a></li>'
        in html
    )
    hostile = [{"label": "<b>x</b>", "url": "/a?b=1&c=2", "icon": "x", "active": False}]
    assert str(menu_html(hostile)) == (
        '<li class="nav-item"><a class="nav-link" href="/a?b=1&amp;c=2"><i class="bi bi-x"></i> &lt;b&gt;x&lt;/b&gt;</a></li>'
    )


def test_the_shell_reads_the_cache_in_one_round_trip(login, world):
    """User row, roles and scope, scope generation and unread count: one ``get_many`` after the
    first page (it was four ``get``s: a Redis round trip each)."""
    client = login(world.users["supervisor"])
    assert client.get(reverse(SHELL)).status_code == 200  # fills the cache
    with counting_cache_calls() as calls:  # the benchmark's spy: every call reaches the cache
        response, queries = _queries(client, reverse(SHELL))
    assert response.status_code == 200 and response.context["user"] == world.users["supervisor"]
    assert calls == ["get_many"], calls
    assert not [sql for sql in queries if "cadres_staffrole" in sql or "qiqing_notification" in sql]


def test_a_write_during_the_request_is_not_answered_from_what_was_read_ahead(world, rf):
    """Inside one request: what was read with the user is used once, and every invalidation drops
    it — marking notices read, a role change, a bulk import's ``forget_everyone``."""
    from django.contrib.sessions.backends.db import SessionStore

    from qiqing import access, readahead
    from qiqing.signed_in import signed_in_user

    user = world.users["cadre"]
    notifications.notify(user, kind="assigned", title="一", body="", url="")
    request = rf.get("/")
    request.session = SessionStore()
    request.session.update(
        {"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"}
    )
    request.session["_auth_user_hash"] = user.get_session_auth_hash()
    for _ in range(2):  # the second time, everything is in the cache
        with readahead.request_scope():
            loaded = signed_in_user(request)
            assert notifications.unread_count(loaded) == 1
            del request._cached_user
    with readahead.request_scope():
        loaded = signed_in_user(request)
        notifications.mark_read(loaded)
        assert notifications.unread_count(loaded) == 0  # not the 1 read ahead
    with readahead.request_scope():
        loaded = signed_in_user(request)
        assert access.access_for(loaded).cadre_id == world.cadre.pk
        del loaded._qiqing_access
        world.cadre.active = False
        world.cadre.save()  # the cadre record's signal forgets the user's scope
        assert access.access_for(loaded).cadre_id is None
        del request._cached_user
    with readahead.request_scope():
        loaded = signed_in_user(request)
        type(world.cadre).objects.filter(pk=world.cadre.pk).update(active=True)  # no signal
        access.forget_everyone()  # what a bulk import calls
        assert access.access_for(loaded).cadre_id == world.cadre.pk


def test_the_menu_markup_kept_per_process_follows_the_page_and_the_language(world):
    """The drawn menu is kept per (visible items, active link, language): another page moves the
    active link, another language the labels, and a page the menu has no link for has none."""
    from django.utils import translation

    user = world.users["supervisor"]
    issues, coverage = reverse("analytics:issues"), reverse("analytics:coverage")

    with translation.override("zh-hans"):
        first = str(menu_html(nav_for(user, issues)))
        assert str(menu_html(nav_for(user, issues))) == first
        other = str(menu_html(nav_for(user, coverage)))
        none = str(menu_html(nav_for(user, "/accounts/password_change/")))
    assert (
        f'href="{issues}" aria-current="page"' in first
        and f'href="{coverage}" aria-current="page"' not in first
    )
    assert (
        f'href="{coverage}" aria-current="page"' in other
        and f'href="{issues}" aria-current="page"' not in other
    )
    assert 'aria-current="page"' not in none
    with translation.override("en"):
        english = str(menu_html(nav_for(user, issues)))
    assert english != first and "问题分布" in first and "问题分布" not in english

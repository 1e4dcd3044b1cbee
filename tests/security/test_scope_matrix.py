"""Every URL the project defines, requested by every role with ids of objects outside its scope.

The URL list comes from the resolver, so a new page is covered the day it is added. Objects of
a "foreign" town (丙镇) — enterprise, request, visit, cadre, assignment, contact … — are created
with the same primary key, FOREIGN_PK, so whatever model a URL's id refers to, substituting
FOREIGN_PK points at an object only the admin and county-wide supervisors may see. For everyone
else the answer must be 404 (or 403 for a page the role may not open at all, 405 for a POST-only
URL), never 200 and never a 500; no response may contain the foreign enterprise's name or credit
code; a POST must change nothing.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories as f

pytestmark = pytest.mark.django_db

FOREIGN_PK = 900_001
FOREIGN_NAME = "丙一保密科技有限公司"
# visits:service_worker is a static script (asset URLs only), fetched by the browser itself.
ANONYMOUS_OK = {
    "visits:service_worker",
    "login",
    "healthz",
    "readyz",
    "set_language",
    "password_reset",
    "api:schema",
    "api:docs",
    "api:redoc",
}
# The exchange API (api:…) authenticates by bearer token, not by session: without one it answers
# 401, never a login redirect, and a session cookie (or its CSRF token) opens nothing there.
TOKEN_API = "api:"
# Not pages: the Django admin (its own login), language switch, static error views.
SKIP_NAMESPACES = {"admin"}
LIMITED = ["town_supervisor", "handler", "cadre", "other_cadre", "contact", "other_contact", "outsider"]


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), f"{ns}" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


def _fill(route: str, pk: int) -> str | None:
    """A concrete path for a route, every parameter set to ``pk`` (or a plausible bad token)."""
    path = route.lstrip("^").rstrip("$")

    def value(match):
        converter = match.group(1) or "str"
        if converter == "int":
            return str(pk)
        if converter == "path":
            return "no/such/file"
        return "x" * 24 if converter in ("str", "slug") else str(pk)

    path = re.sub(r"<(?:(\w+):)?\w+>", value, path)
    if re.search(r"[()\\[\]^$?*+]", path):  # a regex route we cannot fill
        return None
    return "/" + path


def all_routes():
    return sorted(set(_walk(get_resolver().url_patterns)))


ROUTES = all_routes()
ROUTES_WITH_IDS = [(name, route) for name, route in ROUTES if "<" in route]


@pytest.fixture
def foreign(world):
    town = f.TownFactory(pk=FOREIGN_PK, name="丙镇")
    unit = f.TownUnitFactory(pk=FOREIGN_PK, town=town)
    enterprise = f.EnterpriseFactory(pk=FOREIGN_PK, town=town, name=FOREIGN_NAME)
    user = f.UserFactory(pk=FOREIGN_PK, username="foreign_cadre_user")
    cadre = f.CadreFactory(pk=FOREIGN_PK, unit=unit, user=user, name="王保密")
    f.AssignmentFactory(pk=FOREIGN_PK, cadre=cadre, enterprise=enterprise)
    f.ContactFactory(pk=FOREIGN_PK, enterprise=enterprise, user=f.UserFactory(username="foreign_contact"))
    request = f.RequestFactory(
        pk=FOREIGN_PK, enterprise=enterprise, lead_unit=unit, status="assigned", description="丙一机密诉求"
    )
    f.RequestEventFactory(pk=FOREIGN_PK, request=request, note="丙一内部记录", public=False)
    f.VisitFactory(pk=FOREIGN_PK, enterprise=enterprise, cadre=cadre, summary="丙一走访秘密")
    for factory in _extra_foreign_factories():
        factory(FOREIGN_PK, enterprise=enterprise, request=request, cadre=cadre, unit=unit, user=user)
    return enterprise


def _extra_foreign_factories():
    """Foreign objects of models added by later features (attachments, notices, notifications …)."""
    from django.apps import apps

    makers = []
    if apps.is_installed("qiqing"):
        from qiqing.models import BackgroundJob, Notification

        def notification(pk, user, **_):
            Notification.objects.create(pk=pk, recipient=user, kind="test", title=FOREIGN_NAME)

        def job(pk, user, **_):
            BackgroundJob.objects.create(pk=pk, kind="test", title=FOREIGN_NAME, created_by=user)

        makers += [notification, job]
    return makers


def _assert_no_leak(response, persona, url):
    if response.get("Content-Type", "").startswith(("text/", "application/json")):
        body = response.content.decode(errors="ignore")
        assert FOREIGN_NAME not in body, (persona, url)
        assert "丙一机密诉求" not in body and "丙一走访秘密" not in body, (persona, url)


def test_the_matrix_sees_the_project_urls():
    names = {name for name, _ in ROUTES}
    assert {"home", "enterprises:detail", "requests_tracker:detail", "cadres:detail"} <= names


@pytest.mark.parametrize("name,route", ROUTES, ids=[n for n, _ in ROUTES])
def test_anonymous_is_sent_to_login(client, foreign, name, route):
    url = _fill(route, FOREIGN_PK)
    if url is None or name in ANONYMOUS_OK:
        return
    response = client.get(url, follow=True)
    if response.redirect_chain:
        assert response.redirect_chain[-1][0].startswith("/accounts/login/"), (name, response.redirect_chain)
    elif name.startswith(TOKEN_API):
        assert response.status_code == 401, (name, response.status_code)
    else:
        # Public token pages (signed rating links) refuse a bad token without revealing anything.
        assert response.status_code in (400, 403, 404, 405, 410), (name, response.status_code)
    _assert_no_leak(response, "anonymous", url)


@pytest.mark.parametrize("persona", LIMITED)
def test_limited_roles_never_reach_a_foreign_object(login, world, foreign, persona):
    client = login(world.users[persona])
    failures = []
    for name, route in ROUTES:
        url = _fill(route, FOREIGN_PK)
        if url is None or name in ("logout",):
            continue
        response = client.get(url)
        if "<" in route and response.status_code == 200:
            failures.append((name, url, 200))
        if response.status_code >= 500:
            failures.append((name, url, response.status_code))
        _assert_no_leak(response, persona, url)
    assert failures == []


@pytest.mark.parametrize("persona", LIMITED)
def test_posts_with_foreign_ids_change_nothing(login, world, foreign, persona):
    from requests_tracker.models import Request

    client = login(world.users[persona])
    before = Request.objects.filter(pk=FOREIGN_PK).values().get()
    for name, route in ROUTES_WITH_IDS:
        url = _fill(route, FOREIGN_PK)
        if url is None:
            continue
        response = client.post(url, {"version": before["version"], "note": "越权", "reason": "越权"})
        # Never a success redirect: a POST naming a foreign object is refused outright.
        refused = (401,) if name.startswith(TOKEN_API) else (400, 403, 404, 405, 410)
        assert response.status_code in refused, (persona, name, response.status_code)
    assert Request.objects.filter(pk=FOREIGN_PK).values().get() == before


@pytest.mark.parametrize("persona", ["admin", "supervisor"])
def test_county_wide_roles_open_every_page_without_errors(login, world, foreign, persona):
    client = login(world.users[persona])
    errors = []
    for name, route in ROUTES:
        url = _fill(route, FOREIGN_PK)
        if url is None or name == "logout":
            continue
        response = client.get(url)
        if response.status_code >= 500:
            errors.append((name, url, response.status_code))
    assert errors == []

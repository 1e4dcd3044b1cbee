"""CSRF on every POST, escaping of stored text everywhere, spreadsheet formula injection, cookie
and header settings in production."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests import factories as f
from tests.security.test_scope_matrix import ROUTES, TOKEN_API, _fill
from tests.test_settings import PRODUCTION, ROOT, _environment

pytestmark = pytest.mark.django_db

XSS = '<script>alert("qq")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","点我")'


@pytest.mark.parametrize("persona", ["supervisor", "handler", "cadre", "contact", "admin"])
def test_every_post_without_a_csrf_token_is_refused(world, persona):
    """A forged cross-site form post never reaches a view, whichever URL it targets."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[persona])
    for name, route in ROUTES:
        own_ids = {  # ids the persona may see, so the view itself would act if CSRF let it through
            "requests_tracker": world.req_a1.pk,
            "visits": world.visit_a1.pk,
            "cadres": world.cadre.pk,
            "enterprises": world.ent_a1.pk,
        }
        pk = own_ids.get(name.split(":")[0], world.req_a1.pk)
        url = _fill(route, pk)
        if url is None:
            continue
        response = client.post(url, {"note": "伪造的请求"})
        # The token API ignores the session a forged form would ride on: 401 without a bearer token.
        refused = (401, 405) if name.startswith(TOKEN_API) else (403, 405)
        assert response.status_code in refused, (persona, name, response.status_code)


def test_logout_and_language_switch_need_the_token_too(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["cadre"])
    assert client.post("/accounts/logout/").status_code == 403
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 403


@pytest.fixture
def hostile(world):
    """Stored text from users that tries to run script or formulas."""
    world.req_a1.description = XSS
    world.req_a1.save()
    world.visit_a1.summary = FORMULA + XSS
    world.visit_a1.save()
    world.ent_a1.name = "甲一" + XSS
    world.ent_a1.save()
    f.RequestEventFactory(request=world.req_a1, action="note", note=XSS, public=True)
    return world


PAGES = [
    ("supervisor", "/requests/"),
    ("supervisor", "/visits/records/"),
    ("supervisor", "/enterprises/"),
    ("cadre", "/visits/mine/"),
    ("contact", "/requests/portal/"),
    ("handler", "/requests/inbox/"),
]


@pytest.mark.parametrize("persona,url", PAGES)
def test_stored_text_is_escaped_on_lists(login, hostile, persona, url):
    body = login(hostile.users[persona]).get(url).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body


@pytest.mark.parametrize("persona", ["supervisor", "cadre", "contact", "handler"])
def test_stored_text_is_escaped_on_detail_pages(login, hostile, persona):
    client = login(hostile.users[persona])
    for url in (
        f"/requests/{hostile.req_a1.pk}/",
        f"/visits/enterprises/{hostile.ent_a1.pk}/",
        f"/visits/{hostile.visit_a1.pk}/",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
        if response.status_code == 200 and url.startswith("/requests/"):
            assert "&lt;script&gt;alert" in body  # shown, as text


def test_visit_export_neutralises_formulas(login, hostile):
    response = login(hostile.users["supervisor"]).get("/visits/records/export/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    summary = next(cell for cell in cells if "HYPERLINK" in cell)
    assert summary.startswith("'=") and not any(cell.startswith("=") for cell in cells)


def test_ledger_export_neutralises_formulas_and_round_trips(login, world):
    world.ent_a1.legal_rep = "=1+1"
    world.ent_a1.address = "@SUM(A1)"
    world.ent_a1.save()
    response = login(world.users["admin"]).get("/cadres/ledger/export/enterprises.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "'=1+1" in cells and "'@SUM(A1)" in cells
    assert not any(cell.startswith(("=", "@", "+")) for cell in cells)


def test_production_cookies_and_headers():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS, s.SESSION_COOKIE_SAMESITE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "DENY", "Lax"]


def test_csp_allows_only_the_apps_own_scripts_and_frames_nothing(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "http" not in policy  # no outside origin anywhere


def test_password_validators_refuse_weak_passwords(login, world):
    client = login(world.users["cadre"])
    for weak, reason in (("password", "太常见"), ("Ab3$xy", "太短"), ("2026112120", "只包含数字")):
        response = client.post(
            "/accounts/password/",
            {"old_password": "Test-password-2026", "new_password1": weak, "new_password2": weak},
        )
        errors = " ".join(response.context["form"].errors["new_password2"])
        assert reason in errors, (weak, errors)

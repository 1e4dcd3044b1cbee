"""The shell of the application: login, role landing pages, language, offline assets."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def test_login_page_is_chinese_by_default(client):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in body and "登录" in body and "用户名" in body


def test_login_page_loads_no_asset_from_outside(client):
    body = client.get(reverse("login")).content.decode()
    assert not EXTERNAL.search(body)
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body


def test_static_vendor_assets_reference_nothing_external():
    for path in (settings.BASE_DIR / "static").rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="ignore")
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text), path


@pytest.mark.parametrize(
    "persona,landing",
    [
        ("admin", "analytics:coverage"),
        ("supervisor", "analytics:coverage"),
        ("handler", "requests_tracker:inbox"),
        ("cadre", "visits:my_enterprises"),
        ("contact", "requests_tracker:portal"),
    ],
)
def test_each_role_lands_on_its_home_page(login, world, persona, landing):
    response = login(world.users[persona]).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse(landing)


def test_login_form_signs_in_and_redirects_home(client, world):
    user = world.users["cadre"]
    user.set_password("Secret-pass-2026")
    user.save()
    response = client.post(reverse("login"), {"username": "p_cadre", "password": "Secret-pass-2026"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_wrong_password_names_the_problem_in_chinese(client, world):
    response = client.post(reverse("login"), {"username": "p_cadre", "password": "wrong"})
    assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()


def test_logout_requires_post(login, world):
    client = login(world.users["cadre"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_navigation_shows_only_the_roles_pages(login, world):
    body = login(world.users["contact"]).get(reverse("requests_tracker:list")).content.decode()
    assert reverse("requests_tracker:list") in body
    assert reverse("cadres:list") not in body and reverse("analytics:overview") not in body


def test_english_is_available(login, world):
    client = login(world.users["supervisor"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("analytics:overview")).content.decode()
    assert '<html lang="en">' in body and "Overview" in body


def test_password_change_page_validates(login, world):
    client = login(world.users["cadre"])
    response = client.post(
        reverse("password_change"),
        {"old_password": "Test-password-2026", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200 and "密码" in response.content.decode()
    assert "new_password2" in response.context["form"].errors


def test_health_endpoints(client):
    assert client.get("/healthz").content == b"ok"
    assert client.get("/readyz").json() == {"database": "ok"}


def test_unknown_page_is_a_chinese_404(login, world):
    response = login(world.users["cadre"]).get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_security_headers_are_sent(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_lockout_after_repeated_failures(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "p_cadre", "password": "wrong"})
    user = world.users["cadre"]
    user.set_password("Secret-pass-2026")
    user.save()
    response = client.post(reverse("login"), {"username": "p_cadre", "password": "Secret-pass-2026"})
    assert response.status_code == 429 and "锁定" in response.content.decode()


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body and "登录" in body


@pytest.mark.parametrize(
    "url_name",
    ["enterprises:list", "cadres:list", "cadres:attention", "visits:list", "requests_tracker:list"],
)
def test_supervisor_opens_every_list_with_its_filters(login, world, url_name):
    response = login(world.users["supervisor"]).get(reverse(url_name), {"page": 1})
    assert response.status_code == 200 and "筛选" in response.content.decode()

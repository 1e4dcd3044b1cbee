"""The embedded run (DEBUG on, ``make run``) shows the Chinese 404/403/500 pages, not Django's
English debug pages; QIQING_TECHNICAL_ERRORS brings the debug pages back for developers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import include, path, reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug in a view")


def _missing(request):
    raise Http404("no such thing")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("missing/", _missing),
    path("forbidden/", _forbidden),
    path("", include("qiqing.urls")),
]


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.QIQING_TECHNICAL_ERRORS = False
    return settings


@pytest.fixture
def supervisor_client(client, db):
    user = f.StaffRoleFactory(user__username="sup19", role="supervisor").user
    client.force_login(user)
    return client


def test_out_of_scope_request_answers_the_chinese_404_with_debug_on(debug, supervisor_client, world):
    contact = world.users["contact"]
    supervisor_client.force_login(contact)
    response = supervisor_client.get(reverse("requests_tracker:detail", args=[world.req_b1.pk]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "不在您的查看范围内" in body
    assert "Page not found" not in body and "URLconf" not in body


def test_unknown_path_answers_the_chinese_404_with_debug_on(debug, supervisor_client):
    response = supervisor_client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in body
    assert "Using the URLconf" not in body


@pytest.mark.urls("tests.ux.test_error_pages")
def test_view_error_answers_the_chinese_500_and_is_logged(debug, supervisor_client, caplog):
    response = supervisor_client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统暂时繁忙" in body and "Traceback" not in body and "RuntimeError" not in body
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert logged and logged[0].exc_info[0] is RuntimeError


@pytest.mark.urls("tests.ux.test_error_pages")
def test_http404_and_403_raised_in_views_are_chinese(debug, supervisor_client):
    missing = supervisor_client.get("/missing/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    forbidden = supervisor_client.get("/forbidden/")
    assert forbidden.status_code == 403 and "Forbidden" not in forbidden.content.decode()
    assert "无权访问" in forbidden.content.decode()


def test_developers_can_ask_for_the_debug_pages(debug, supervisor_client):
    debug.QIQING_TECHNICAL_ERRORS = True
    response = supervisor_client.get("/no-such-page/")
    assert response.status_code == 404 and "Using the URLconf" in response.content.decode()


def test_admin_names_the_login_lockout_in_chinese(world, login):
    body = login(world.users["admin"]).get("/sysadmin/").content.decode()
    assert "登录安全（防暴力破解）" in body and "登录尝试" in body and "登录失败记录" in body
    assert "Access attempts" not in body and ">Axes<" not in body
    page = login(world.users["admin"]).get("/sysadmin/axes/accessattempt/").content.decode()
    assert "选择 登录尝试 来修改" in page and "access attempt" not in page

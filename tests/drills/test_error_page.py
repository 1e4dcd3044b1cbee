"""When the database is unreachable a page answers 503 in Chinese with what to do, never a stack
trace; any other failure is the plain 500 page. The handler renders without touching the
database (the navigation would). The drills in test_database_restart.py run it for real."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

from qiqing.views import server_error


def _handled(error, rf):
    try:
        raise error
    except Exception:  # noqa: BLE001 - the handler reads the exception being handled
        return server_error(rf.get("/visits/mine/"))


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
)
def test_database_errors_get_the_503_page_in_chinese(error, rf):
    # No database for this test: a query from the handler would raise instead of rendering.
    response = _handled(error, rf)
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "数据库暂时无法连接" in body and "请重新提交" in body
    assert "Traceback" not in body and "closed" not in body


def test_other_errors_get_the_500_page(rf):
    response = _handled(ValueError("a bug"), rf)
    assert response.status_code == 500
    assert "系统暂时繁忙" in response.content.decode() and "a bug" not in response.content.decode()


def test_the_urlconf_uses_the_handler():
    from qiqing import urls

    assert urls.handler500 == "qiqing.views.server_error"

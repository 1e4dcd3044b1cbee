"""Links opened outside the server (QR code, e-mail) point where the app actually runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _qr_url(client, request_pk) -> str:
    response = client.get(
        reverse("requests_tracker:rating_link", args=[request_pk]), HTTP_HOST="10.0.0.7:8119"
    )
    assert response.status_code == 200
    return response.context["url"]


@pytest.mark.parametrize(
    ("site_url_set", "site_url", "expected"),
    [
        # Unset (embedded run): the address the browser reached the app on.
        (False, "http://127.0.0.1:8000", "http://10.0.0.7:8119/requests/rate/"),
        # Production: SITE_URL, whatever host the page was opened on.
        (True, "https://qiqing.example.gov.cn", "https://qiqing.example.gov.cn/requests/rate/"),
    ],
)
def test_rating_link_points_where_the_app_runs(cast, login, settings, site_url_set, site_url, expected):
    settings.SITE_URL_SET = site_url_set
    settings.SITE_URL = site_url
    settings.ALLOWED_HOSTS = ["10.0.0.7"]
    request = cast.build_request("responded")
    assert _qr_url(login(cast.users["lead"]), request.pk).startswith(expected)

"""Bad input and bad credentials: one JSON error naming the field and reason, nothing written."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from api import services
from api.models import ApiCall, ApiSubmission, ApiToken
from requests_tracker.models import Request

pytestmark = pytest.mark.django_db


def _nothing_written(before: int) -> bool:
    return Request.objects.count() == before and not ApiSubmission.objects.exists()


def _field(response) -> str:
    return response.json()["errors"][0]["field"]


def test_wrong_check_character_names_uscc(hotline, world, submit_body):
    before = Request.objects.count()
    good = world.ent_a1.uscc
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = hotline.post("/api/v1/requests/", {**submit_body, "uscc": bad})
    assert response.status_code == 400
    assert _field(response) == "uscc" and "校验位错误" in response.json()["errors"][0]["message"]
    assert _nothing_written(before)


def test_wrong_check_character_on_lookup_is_400(hotline, world):
    good = world.ent_a1.uscc
    response = hotline.get(f"/api/v1/enterprises/{good[:17]}{'0' if good[17] != '0' else '1'}/")
    assert response.status_code == 400 and _field(response) == "uscc"


def test_unknown_category_names_service_code(hotline, submit_body):
    before = Request.objects.count()
    response = hotline.post("/api/v1/requests/", {**submit_body, "service_code": "99999"})
    assert response.status_code == 400 and _field(response) == "service_code"
    assert "未知的问题类别" in response.json()["message"]
    assert _nothing_written(before)


def test_missing_fields_are_each_named(hotline):
    response = hotline.post("/api/v1/requests/", {})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "uscc",
        "service_code",
        "description",
        "external_ref",
    }


def test_enterprise_outside_scope_on_submit_is_404(hotline, world, submit_body):
    before = Request.objects.count()
    response = hotline.post("/api/v1/requests/", {**submit_body, "uscc": world.ent_b1.uscc})
    assert response.status_code == 404 and _field(response) == "uscc"
    assert _nothing_written(before)


def test_missing_token_is_401(hotline):
    response = hotline.get("/api/v1/categories/", token="")
    assert response.status_code == 401 and _field(response) == "Authorization"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(hotline):
    assert hotline.get("/api/v1/categories/", token="qq_deadbeef_nope").status_code == 401


def test_expired_token_is_401(hotline):
    ApiToken.objects.filter(client=hotline.client).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = hotline.get("/api/v1/categories/")
    assert response.status_code == 401 and "过期" in response.json()["message"]


def test_revoked_token_is_401_and_other_tokens_still_work(hotline, world):
    second, plain = services.token_issue(actor=world.users["admin"], client=hotline.client)
    first = ApiToken.objects.exclude(pk=second.pk).get(client=hotline.client)
    assert services.token_revoke(actor=world.users["admin"], token=first)
    assert hotline.get("/api/v1/categories/").status_code == 401
    assert hotline.get("/api/v1/categories/", token=plain).status_code == 200


def test_disabled_client_is_401(hotline):
    hotline.client.active = False
    hotline.client.save()
    assert hotline.get("/api/v1/categories/").status_code == 401


def test_token_is_stored_only_as_digest(hotline):
    row = ApiToken.objects.get(client=hotline.client)
    secret = hotline.token.split("_", 2)[2]
    assert secret not in (row.digest, row.prefix) and len(row.digest) == 64


def test_missing_permission_is_403(hotline, world):
    hotline.client.can_submit = False
    hotline.client.save()
    response = hotline.post("/api/v1/requests/", {})
    assert response.status_code == 403 and "提交诉求" in response.json()["message"]


def test_over_rate_limit_is_429(hotline):
    hotline.client.rate_per_minute = 3
    hotline.client.save()
    codes = [hotline.get("/api/v1/categories/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = hotline.get("/api/v1/categories/")
    assert last.json()["code"] == "throttled" and int(last["Retry-After"]) >= 1


def test_rate_limit_is_per_client(hotline, world):
    hotline.client.rate_per_minute = 1
    hotline.client.save()
    _other, other_token = services.client_create(
        actor=world.users["admin"], name="浙里办", code="zlb", towns=[world.town_a]
    )
    assert hotline.get("/api/v1/categories/").status_code == 200
    assert hotline.get("/api/v1/categories/").status_code == 429
    assert hotline.get("/api/v1/categories/", token=other_token).status_code == 200


def test_oversized_body_is_413(hotline, submit_body):
    before = Request.objects.count()
    response = hotline.post("/api/v1/requests/", {**submit_body, "description": "很" * 40_000})
    assert response.status_code == 413 and _field(response) == "body"
    assert _nothing_written(before)


def test_malformed_json_is_400_naming_body(hotline):
    response = hotline.post("/api/v1/requests/", '{"uscc": "91', raw=True)
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"
    assert _field(response) == "body"


def test_non_json_body_is_415(hotline):
    response = hotline.post("/api/v1/requests/", "uscc=1", raw=True, content_type="text/plain")
    assert response.status_code == 415 and _field(response) == "Content-Type"


@pytest.mark.parametrize("name, value", [("cursor", "abc"), ("cursor", ""), ("limit", ""), ("limit", "0")])
def test_bad_cursor_or_limit_names_the_parameter(hotline, name, value):
    """An empty value ("?cursor=") is not the default: the schema says integer (schemathesis sends it)."""
    response = hotline.get("/api/v1/changes/", **{name: value})
    assert response.status_code == 400 and _field(response) == name


def test_every_call_is_logged_without_the_token(hotline, caplog):
    with caplog.at_level(logging.DEBUG):
        hotline.get("/api/v1/categories/")
        hotline.get("/api/v1/categories/", token="qq_deadbeef_wrongsecret")
    calls = list(ApiCall.objects.order_by("pk").values_list("client_id", "path", "status"))
    assert calls == [(hotline.client.pk, "/api/v1/categories/", 200), (None, "/api/v1/categories/", 401)]
    secret = hotline.token.split("_", 2)[2]
    assert secret not in caplog.text and "wrongsecret" not in caplog.text

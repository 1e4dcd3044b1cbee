"""Registering a client in the system admin shows its token once; the demo's loopback client works."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from api.management.commands.api_demo_client import DEMO_TOKEN
from api.models import ApiClient, ApiToken

pytestmark = pytest.mark.django_db


def test_admin_registers_client_and_shows_token_once(login, world):
    http = login(world.users["admin"])
    response = http.post(
        "/sysadmin/api/apiclient/add/",
        {
            "name": "企业码平台",
            "code": "qiyema",
            "towns": [world.town_a.pk],
            "can_submit": "on",
            "can_read_status": "on",
            "source": "online",
            "rate_per_minute": "60",
            "webhook_url": "",
            "active": "on",
            "tokens-TOTAL_FORMS": "0",
            "tokens-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200, response.content[:500]
    client = ApiClient.objects.get(code="qiyema")
    token = response.context["token"]
    assert token.startswith("qq_") and token.encode() in response.content
    assert ApiToken.objects.filter(client=client).count() == 1
    assert token.encode() not in http.get(f"/sysadmin/api/apiclient/{client.pk}/change/").content
    assert client.user.username == "api-qiyema" and not client.user.is_active


def test_admin_issue_token_action_renders_new_token(login, world, hotline):
    http = login(world.users["admin"])
    response = http.post(
        "/sysadmin/api/apiclient/",
        {"action": "issue_token", "_selected_action": [hotline.client.pk]},
    )
    token = response.context["token"]
    assert response.status_code == 200 and token != hotline.token
    assert hotline.get("/api/v1/categories/", token=token).status_code == 200


def test_non_admin_cannot_reach_client_admin(login, world):
    assert login(world.users["supervisor"]).get("/sysadmin/api/apiclient/").status_code == 302


def test_demo_loopback_client_answers_with_published_token(client, world):
    call_command("api_demo_client", force=True)
    call_command("api_demo_client", force=True)  # idempotent
    assert ApiClient.objects.filter(code="demo-loopback").count() == 1
    response = client.get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Bearer {DEMO_TOKEN}")
    assert response.status_code == 200
    assert ApiClient.objects.get(code="demo-loopback").webhook_url.startswith("http://127.0.0.1:")


def test_schema_and_docs_are_served_without_a_token(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/requests/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()

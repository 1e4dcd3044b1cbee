"""An API client (the 12345 hotline) scoped to town A of the ``world`` county, with its token."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from api import services
from requests_tracker.models import Category


@dataclass
class Caller:
    """The Django test client speaking as one API client."""

    http: object
    token: str
    client: object

    def headers(self, token=None):
        token = self.token if token is None else token
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path, token=None, **params):
        return self.http.get(path, params, **self.headers(token))

    def post(self, path, body, token=None, raw=False, content_type="application/json"):
        data = body if raw else json.dumps(body, ensure_ascii=False)
        return self.http.post(path, data, content_type=content_type, **self.headers(token))


@pytest.fixture
def hotline(world, client):
    api_client, token = services.client_create(
        actor=world.users["admin"],
        name="12345热线",
        code="hotline12345",
        towns=[world.town_a],
        can_read_enterprises=True,
        webhook_url="",
    )
    return Caller(http=client, token=token, client=api_client)


@pytest.fixture
def category(db):
    return Category.objects.filter(active=True).order_by("order").first()


@pytest.fixture
def submit_body(world, category):
    return {
        "uscc": world.ent_a1.uscc,
        "service_code": str(category.pk),
        "description": "企业反映用工缺口 30 人，希望协助招聘。",
        "external_ref": "12345-2026-000001",
        "contact_name": "王经理",
        "contact_phone": "13800000000",
    }

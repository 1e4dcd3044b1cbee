"""Helpers for the cadre workbench tests (visits, the enterprise file, corrections)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories as f
from visits.services import visit_log


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def hiring(db):
    return f.CategoryFactory(name="招工用工")


@pytest.fixture
def schooling(db):
    return f.CategoryFactory(name="子女就学")


@pytest.fixture
def log_visit(world):
    """``log_visit(**overrides)``: the world's cadre logs a visit to ent_a2 yesterday by default."""

    def _log(**overrides):
        values = {
            "actor": world.users["cadre"],
            "enterprise": world.ent_a2,
            "date": timezone.localdate() - dt.timedelta(days=1),
            "mode": "onsite",
            "summary": "了解企业订单情况。",
        }
        values.update(overrides)
        return visit_log(**values)

    return _log


@pytest.fixture
def count_queries():
    """``count_queries(client, url)`` → how many queries one GET of ``url`` ran (after a warm-up)."""

    def _count(client, url):
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries)

    return _count

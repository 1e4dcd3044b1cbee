"""Personas for every role plus outsiders, on a small two-town county.

Town A: enterprises ent_a1, ent_a2 (paired with ``cadre``), ent_a3 (no liaison).
Town B: enterprise ent_b1 (paired with ``other_cadre``).
Unit ``unit_hr`` leads request req_a1 (ent_a1); unit ``unit_edu`` leads req_b1 (ent_b1).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass

import pytest
from django.apps import apps as global_apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests import factories as f


def _service_gaps() -> dict[str, str]:
    """Marker → why the service it needs is missing here (empty when all are present)."""
    gaps = {}
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        gaps["postgres"] = "needs PostgreSQL (set DATABASE_URL=postgres://…)"
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        gaps["redis"] = "needs Redis (set CELERY_BROKER_URL=redis://…)"
    if not shutil.which("chromium"):
        gaps["browser"] = "needs Debian's chromium (apt-get install chromium fonts-wqy-microhei)"
    return gaps


def pytest_collection_modifyitems(config, items):
    """Service-marked tests skip on a laptop without the service, but fail in CI where it must exist.

    CI sets QIQING_REQUIRE_SERVICES=1 for the PostgreSQL + Redis run and QIQING_REQUIRE_BROWSER=1
    for both runs, so a missing service can never turn into a quietly skipped test there.
    """
    gaps = _service_gaps()
    required = set()
    if os.environ.get("QIQING_REQUIRE_SERVICES") == "1":
        required |= {"postgres", "redis"}
    if os.environ.get("QIQING_REQUIRE_BROWSER") == "1":
        required.add("browser")
    for item in items:
        for marker, reason in gaps.items():
            if item.get_closest_marker(marker):
                if marker in required:
                    item.add_marker(pytest.mark.usefixtures("_required_service_missing"))
                    item.user_properties.append(("missing_service", reason))
                else:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Nothing a page cached in one test (per-process memory) may answer in the next."""
    from qiqing import fieldmemo, refdata

    cache.clear()
    fieldmemo.clear()
    refdata.clear()


def broker_lock_path() -> str:
    """The lock file of this run's shared broker (one per broker URL on this machine)."""
    url = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return os.path.join(tempfile.gettempdir(), f"qiqing-test-broker-{digest}.lock")


@pytest.fixture
def shared_broker():
    """Held while a test runs a real worker on the run's shared broker and its default queue.

    pytest-xdist runs test files in parallel against one broker but a database each: a worker
    started by one process would take the other's task and run it on the wrong database (the
    job stays pending), and a purge would drop the other's message. The lock makes those tests
    take turns across the run's processes; tests on a private redis-server or a queue of their
    own do not need it.
    """
    with open(broker_lock_path(), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def _required_service_missing(request):
    reasons = [value for key, value in request.node.user_properties if key == "missing_service"]
    pytest.fail(f"required service missing in this run: {'; '.join(reasons)}")


def _restore_reference_data():
    """Rows installed by data migrations (categories, ranking weights), put back when a
    transactional test on the same worker flushed them."""
    from analytics.models import RankingIndicator
    from requests_tracker.models import Category

    for model, modules in (
        (Category, ["requests_tracker.migrations.0002_default_categories"]),
        (
            RankingIndicator,
            [
                "analytics.migrations.0003_default_ranking_indicators",
                "analytics.migrations.0006_false_closure_indicator",
                "analytics.migrations.0008_ranking_meetups_indicator",
            ],
        ),
    ):
        if model.objects.exists():
            continue
        for module in modules:
            migration = importlib.import_module(module)
            installer = getattr(migration, "create_categories", None) or migration.install
            installer(global_apps, None)


@pytest.fixture(autouse=True)
def _chinese_unless_switched():
    """The locale middleware activates a language per request and leaves it active on the
    thread; a test that browsed in English must not leave services called directly by the next
    test speaking English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _broker_not_paused():
    """A test that saw the broker fail must not leave the publisher paused for the next test."""
    from qiqing import broker

    broker.resume()


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    _restore_reference_data()


@dataclass
class World:
    town_a: object
    town_b: object
    unit_hr: object
    unit_edu: object
    unit_town_a: object
    unit_town_b: object
    ent_a1: object
    ent_a2: object
    ent_a3: object
    ent_b1: object
    cadre: object
    other_cadre: object
    req_a1: object
    req_b1: object
    visit_a1: object
    visit_b1: object
    users: dict


@pytest.fixture
def world(db) -> World:
    town_a = f.TownFactory(name="甲镇")
    town_b = f.TownFactory(name="乙镇")
    unit_hr = f.UnitFactory(name="人力社保局")
    unit_edu = f.UnitFactory(name="教育局")
    unit_town_a = f.TownUnitFactory(town=town_a)
    unit_town_b = f.TownUnitFactory(town=town_b)
    ent_a1 = f.EnterpriseFactory(town=town_a, name="甲一精密机械有限公司")
    ent_a2 = f.EnterpriseFactory(town=town_a, name="甲二纺织有限公司")
    ent_a3 = f.EnterpriseFactory(town=town_a, name="甲三电子有限公司")
    ent_b1 = f.EnterpriseFactory(town=town_b, name="乙一新材料有限公司")

    users = {}
    users["admin"] = f.UserFactory(username="p_admin", is_superuser=True, is_staff=True)
    users["supervisor"] = f.StaffRoleFactory(user__username="p_supervisor", role="supervisor").user
    users["town_supervisor"] = f.StaffRoleFactory(
        user__username="p_town_sup", role="supervisor", town=town_b
    ).user
    users["handler"] = f.StaffRoleFactory(user__username="p_handler", role="handler", unit=unit_hr).user
    users["cadre"] = f.UserFactory(username="p_cadre")
    users["other_cadre"] = f.UserFactory(username="p_other_cadre")
    users["contact"] = f.ContactFactory(user__username="p_contact", enterprise=ent_a1).user
    users["other_contact"] = f.ContactFactory(user__username="p_other_contact", enterprise=ent_b1).user
    users["outsider"] = f.UserFactory(username="p_outsider")

    cadre = f.CadreFactory(user=users["cadre"], unit=unit_town_a, name="张三")
    other_cadre = f.CadreFactory(user=users["other_cadre"], unit=unit_town_b, name="李四")
    f.AssignmentFactory(cadre=cadre, enterprise=ent_a1)
    f.AssignmentFactory(cadre=cadre, enterprise=ent_a2)
    f.AssignmentFactory(cadre=other_cadre, enterprise=ent_b1)

    req_a1 = f.RequestFactory(
        enterprise=ent_a1, lead_unit=unit_hr, status="assigned", description="甲一招工诉求"
    )
    req_b1 = f.RequestFactory(
        enterprise=ent_b1, lead_unit=unit_edu, status="assigned", description="乙一入学诉求"
    )
    visit_a1 = f.VisitFactory(enterprise=ent_a1, cadre=cadre, summary="甲一走访")
    visit_b1 = f.VisitFactory(enterprise=ent_b1, cadre=other_cadre, summary="乙一走访")
    return World(
        town_a=town_a,
        town_b=town_b,
        unit_hr=unit_hr,
        unit_edu=unit_edu,
        unit_town_a=unit_town_a,
        unit_town_b=unit_town_b,
        ent_a1=ent_a1,
        ent_a2=ent_a2,
        ent_a3=ent_a3,
        ent_b1=ent_b1,
        cadre=cadre,
        other_cadre=other_cadre,
        req_a1=req_a1,
        req_b1=req_b1,
        visit_a1=visit_a1,
        visit_b1=visit_b1,
        users=users,
    )


@pytest.fixture
def login(client):
    """``login(user)`` → the test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"

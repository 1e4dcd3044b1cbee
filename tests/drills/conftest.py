"""A small county for the drills: one town, a cadre with two enterprises, a department whose
handler answers requests, a county supervisor, the enterprise's contact and an admin — every one
with an e-mail address, so each notice is also an e-mail in the outbox."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection

from requests_tracker.models import Category
from tests import factories as f
from tests.drills import support


@dataclass
class Scene:
    town: object
    unit: object
    enterprise: object
    other_enterprise: object
    category: object
    cadre: object
    users: dict


@pytest.fixture
def scene(transactional_db) -> Scene:
    support.restore_reference_rows()
    town = f.TownFactory(name="罗星街道")
    unit = f.UnitFactory(name="县人力社保局")
    enterprise = f.EnterpriseFactory(town=town, name="罗星精密机械有限公司")
    other = f.EnterpriseFactory(town=town, name="罗星纺织有限公司")
    users = {
        "cadre": f.UserFactory(username="d_cadre", email="cadre@example.cn"),
        "supervisor": f.StaffRoleFactory(user__username="d_supervisor", user__email="sup@example.cn").user,
        "handler": f.StaffRoleFactory(
            user__username="d_handler", user__email="handler@example.cn", role="handler", unit=unit
        ).user,
        "contact": f.ContactFactory(
            user__username="d_contact", user__email="contact@example.cn", enterprise=enterprise
        ).user,
        "admin": f.UserFactory(
            username="d_admin", email="admin@example.cn", is_superuser=True, is_staff=True
        ),
    }
    cadre = f.CadreFactory(user=users["cadre"], unit=f.TownUnitFactory(town=town), name="王芳")
    f.AssignmentFactory(cadre=cadre, enterprise=enterprise)
    f.AssignmentFactory(cadre=cadre, enterprise=other)
    return Scene(town, unit, enterprise, other, Category.objects.get(name="招工用工"), cadre, users)


@pytest.fixture
def test_database_url(transactional_db) -> str:
    return support.database_url(connection)

"""A small cast for lifecycle tests and a helper that puts a request straight into any state.

``build_request(state)`` writes the fields a request has in that state (deadlines counted
with the real calendar) without going through the services, so the table-driven tests can
start every (state × action × party) combination cheaply and independently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from requests_tracker import workdays
from requests_tracker.models import Escalation, ExtensionRequest, Request, RequestAssist
from requests_tracker.workdays import WorkCalendar
from tests import factories as f

STATES = [
    "submitted",
    "assigned",
    "in_progress",
    "escalated",
    "reopened",
    "responded",
    "responded_rated",
    "closed",
    "rejected",
]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Override rows written by one test must not linger in the process cache for the next."""
    workdays.invalidate()
    yield
    workdays.invalidate()


@dataclass
class Cast:
    town: object
    other_town: object
    lead_unit: object
    assist_unit: object
    spare_unit: object
    enterprise: object
    category: object
    users: dict

    def build_request(self, state: str, **extra) -> Request:
        return build_request(self, state, **extra)


@pytest.fixture
def cast(db) -> Cast:
    town = f.TownFactory(name="西塘镇")
    other_town = f.TownFactory(name="姚庄镇")
    lead_unit = f.UnitFactory(name="县人力社保局")
    assist_unit = f.UnitFactory(name="县教育局")
    spare_unit = f.UnitFactory(name="县经信局")
    enterprise = f.EnterpriseFactory(town=town, name="西塘精密机械有限公司")
    category = f.CategoryFactory(name="招工用工", time_limit_days=10)
    users = {
        "supervisor": f.StaffRoleFactory(user__username="t_supervisor", user__email="sup@example.cn").user,
        "town_supervisor": f.StaffRoleFactory(user__username="t_town_sup", town=town).user,
        "other_town_supervisor": f.StaffRoleFactory(user__username="t_other_sup", town=other_town).user,
        "lead": f.StaffRoleFactory(
            user__username="t_lead", user__email="lead@example.cn", role="handler", unit=lead_unit
        ).user,
        "assist": f.StaffRoleFactory(user__username="t_assist", role="handler", unit=assist_unit).user,
        "spare": f.StaffRoleFactory(user__username="t_spare", role="handler", unit=spare_unit).user,
        "contact": f.ContactFactory(
            user__username="t_contact", user__email="contact@example.cn", enterprise=enterprise
        ).user,
        "cadre": f.UserFactory(username="t_cadre"),
        "admin": f.UserFactory(username="t_admin", is_superuser=True, is_staff=True),
    }
    cadre = f.CadreFactory(user=users["cadre"], unit=f.TownUnitFactory(town=town))
    f.AssignmentFactory(cadre=cadre, enterprise=enterprise)
    return Cast(town, other_town, lead_unit, assist_unit, spare_unit, enterprise, category, users)


def _at(days_ago: int = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def build_request(cast: Cast, state: str, *, pending_extension: bool = False, **extra) -> Request:
    """A request of ``cast.enterprise`` in ``state`` with the rows that state implies."""
    calendar = WorkCalendar.load()
    today = timezone.localdate()
    fields = {"status": state if state in Request.Status.values else "responded"}
    if state == "rejected":
        fields.update(reject_kind="out_of_scope", reject_reason="民事纠纷，不属于受理范围。")
    if state not in ("submitted", "rejected"):
        sign_due, _ = calendar.add_workdays(today, 1)
        contact_due, _ = calendar.add_workdays(today, 3)
        response_due, _ = calendar.add_workdays(today, 10)
        fields.update(
            lead_unit=cast.lead_unit,
            assigned_at=_at(),
            clock_start=today,
            sign_days=1,
            contact_days=3,
            response_days=10,
            sign_due=sign_due,
            contact_due=contact_due,
            response_due=response_due,
        )
    if state not in ("submitted", "rejected", "assigned"):
        fields["signed_at"] = _at()
    if state in ("responded", "responded_rated", "closed", "reopened"):
        fields.update(
            responded_at=_at(),
            outcome="solved",
            response="已协调人社部门于2026年12月15日前组织专场招聘会。",
            rating_due=calendar.add_workdays(today, 5)[0],
        )
    if state == "reopened":
        fields.update(reopen_count=1, outcome="", rating_due=None)
    if state in ("responded_rated", "closed"):
        fields.update(satisfaction="satisfied", rated_at=_at(), rating_due=None)
    if state == "closed":
        fields["closed_at"] = _at()
    fields.update(extra)
    request = f.RequestFactory(
        enterprise=cast.enterprise, category=cast.category, submitted_at=_at(1), **fields
    )
    if state not in ("submitted", "rejected"):
        RequestAssist.objects.create(request=request, unit=cast.assist_unit, due=request.contact_due)
    if state == "escalated":
        Escalation.objects.create(
            request=request,
            level="county",
            reason="涉及跨部门用地指标。",
            escalated_by=cast.users["supervisor"],
        )
    if pending_extension:
        ExtensionRequest.objects.create(
            request=request,
            unit=cast.lead_unit,
            asked_by=cast.users["lead"],
            reason="需等待省厅批复。",
            previous_due=request.response_due,
            proposed_due=calendar.add_workdays(request.response_due, 5)[0],
        )
    return request


@pytest.fixture
def freeze(monkeypatch):
    """``freeze(datetime)`` pins Django's clock (timezone.now / localdate) to that moment."""
    from django.utils import timezone as django_timezone

    def _freeze(moment: dt.datetime):
        if django_timezone.is_naive(moment):
            moment = django_timezone.make_aware(moment)
        monkeypatch.setattr(django_timezone, "now", lambda: moment)
        return moment

    return _freeze

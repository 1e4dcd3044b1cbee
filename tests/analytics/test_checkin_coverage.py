"""Coverage with check-in only (走访覆盖率·仅签到): a second figure beside coverage (issue 17)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import metrics
from analytics.periods import Period
from qiqing import programme
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
WINDOW = Period(TODAY - dt.timedelta(days=20), TODAY)


@pytest.fixture
def checked(world):
    """ent_a1 visited (world) without check-in; ent_a2 checked in; ent_a3 checked in far away."""
    yesterday = TODAY - dt.timedelta(days=1)
    f.VisitFactory(
        enterprise=world.ent_a2,
        cadre=world.cadre,
        date=yesterday,
        checkin_latitude=Decimal("30.8"),
        checkin_longitude=Decimal("120.9"),
        checkin_accuracy=15,
    )
    f.VisitFactory(
        enterprise=world.ent_a3,
        cadre=world.cadre,
        date=yesterday,
        checkin_latitude=Decimal("30.8"),
        checkin_longitude=Decimal("120.9"),
        checkin_accuracy=15,
        location_mismatch=True,
    )
    return world


def test_only_check_ins_at_the_enterprise_count(checked):
    checked_in, active, rate = metrics.checkin_coverage(WINDOW)
    assert (checked_in, active, rate) == (1, 4, Decimal("25.00"))


def test_town_scope_and_cadre_scope(checked):
    town = metrics.checkin_coverage(WINDOW, metrics.Scope("town", checked.town_a.code))
    cadre = metrics.checkin_coverage(WINDOW, metrics.Scope("cadre", checked.cadre.code))
    # The cadre holds ent_a1 and ent_a2 only; ent_a3 (checked in far away) is no one's pair.
    assert town[:2] == (1, 3) and cadre[:2] == (1, 2)


def test_dashboard_shows_the_second_figure_only_when_check_in_is_on(checked, login):
    client = login(checked.users["supervisor"])
    params = {"period": "custom", "start": WINDOW.start.isoformat(), "end": WINDOW.end.isoformat()}
    cards = {c.key for c in client.get(reverse("analytics:coverage"), params).context["page"].cards}
    assert "checkin_coverage_rate" not in cards
    programme.settings_update(actor=checked.users["admin"], values={"checkin_enabled": True})
    page = client.get(reverse("analytics:coverage"), params).context["page"]
    card = next(c for c in page.cards if c.key == "checkin_coverage_rate")
    assert card.value == Decimal("25.00") and card.detail == "1 / 4"

"""Trusted-rating figures (analytics.metrics.TrustMetrics) from raw records, exactly from counts:
satisfaction from real ratings and callback verdicts only, before and after appeals; unrated
automatic closes apart; callback and false-closure rates; by town and unit; ``metrics --json``."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from analytics import metrics
from analytics.periods import Period
from requests_tracker.models import Callback, RatingAppeal, RequestEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def _at(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


class World:
    """Town A (unit A) and town B (unit B), requests received on 5 November 2026."""

    def __init__(self):
        self.town_a, self.town_b = f.TownFactory(code="330421101"), f.TownFactory(code="330421102")
        self.unit_a, self.unit_b = f.UnitFactory(code="UA"), f.UnitFactory(code="UB")
        self.ent_a, self.ent_b = f.EnterpriseFactory(town=self.town_a), f.EnterpriseFactory(town=self.town_b)
        self.category = f.CategoryFactory()

    def request(self, town="a", **fields):
        enterprise, unit = (self.ent_a, self.unit_a) if town == "a" else (self.ent_b, self.unit_b)
        fields.setdefault("submitted_at", _at(5))
        return f.RequestFactory(enterprise=enterprise, lead_unit=unit, category=self.category, **fields)

    def rated(self, rating, town="a", status="closed", day=10):
        return self.request(
            town, status=status, satisfaction=rating, rated_at=_at(day), closed_at=_at(day, 12)
        )

    def callback(self, request, reason, *, result="", verdict="", false_closure=False, done=True):
        return Callback.objects.create(
            request=request,
            reason=reason,
            unit=request.lead_unit,
            town=request.enterprise.town,
            created_at=_at(12),
            due=dt.date(2026, 11, 16),
            status="done" if done else "pending",
            result=result,
            verdict=verdict,
            note="企业反映仍未解决。" if verdict == "not_solved" else "",
            false_closure=false_closure,
            done_at=_at(14) if done else None,
        )

    def appeal(self, request, status):
        rating = f.RequestEventFactory(request=request, action="rate", at=request.last_rated_at)
        return RatingAppeal.objects.create(
            request=request,
            rating_event=rating,
            rated_at=request.last_rated_at,
            unit=request.lead_unit,
            reason="企业要求超出政策范围。",
            status=status,
            decided_at=_at(20) if status != "pending" else None,
        )


@pytest.fixture
def world():
    w = World()
    w.rated("satisfied")
    w.rated("basic")
    w.overturned = w.rated("unsatisfied", status="reopened")
    w.appeal(w.overturned, "overturned")
    w.appeal(w.rated("unsatisfied", status="reopened"), "upheld")
    solved = w.request(status="closed", closed_at=_at(11))  # automatic close, then 已解决
    w.callback(solved, "auto_closed", result="reached", verdict="solved")
    unreached = w.request(status="closed", closed_at=_at(11))  # automatic close, never reached
    w.callback(unreached, "auto_closed", result="unreached")
    false = w.request(status="reopened", reopen_count=1)  # automatic close found false, reopened
    w.callback(false, "auto_closed", result="reached", verdict="not_solved", false_closure=True)
    spot = w.rated("satisfied")
    w.callback(spot, "spot_check", result="reached", verdict="solved")
    w.callback(w.rated("unsatisfied", town="b", status="reopened"), "unsatisfied", done=False)
    w.rated("satisfied", town="b")
    w.request(  # received in December: outside November
        "b",
        submitted_at=_at(2, month=12),
        status="closed",
        satisfaction="satisfied",
        rated_at=_at(3, month=12),
        closed_at=_at(3, 12, month=12),
    )
    return w


def test_county_counts_and_rates_exactly(world):
    m = metrics.trust(NOVEMBER)
    assert (m.rated, m.satisfied, m.overturned, m.unrated_closed) == (7, 4, 1, 2)
    assert (m.callback_confirmed, m.callback_solved) == (2, 1)
    # (4 satisfied + 1 confirmed solved) ÷ (7 rated + 2 confirmed) = 5/9; after appeals 5/8.
    assert m.satisfaction_rate == Decimal("55.56")
    assert m.satisfaction_after_appeals_rate == Decimal("62.50")
    # 5 tasks, 3 reached; 3 closures checked, 1 false.
    assert (m.callbacks, m.callbacks_reached, m.callback_rate) == (5, 3, Decimal("60.00"))
    assert (m.closures_checked, m.false_closures, m.false_closure_rate) == (3, 1, Decimal("33.33"))


def test_auto_closed_unrated_never_counts_as_satisfied(world):
    # The plain satisfaction metric counts real ratings only: 4 of 7.
    assert metrics.compute(NOVEMBER).satisfaction_rate == Decimal("57.14")
    assert metrics.trust(NOVEMBER).unrated_closed == 2


def test_by_town_and_by_unit(world):
    towns = metrics.trust_grouped(NOVEMBER, metrics.TOWN, keys=["330421101", "330421102"])
    a, b = towns["330421101"], towns["330421102"]
    # Town A: (3 + 1) ÷ (5 + 2) = 57.14; after appeals 4 ÷ 6 = 66.67.
    assert (a.satisfaction_rate, a.satisfaction_after_appeals_rate) == (Decimal("57.14"), Decimal("66.67"))
    # Town B: one 不满意 rating, its callback still pending; the December request is outside P.
    assert (b.rated, b.satisfied, b.callbacks, b.callback_rate) == (2, 1, 1, Decimal("0.00"))
    units = metrics.trust_grouped(NOVEMBER, metrics.UNIT)
    assert units["UA"] == a and units["UB"] == b


def test_overturning_an_appeal_changes_only_the_after_appeal_figure(world):
    appeal = RatingAppeal.objects.get(status="upheld")
    before = metrics.trust(NOVEMBER)
    RatingAppeal.objects.filter(pk=appeal.pk).update(status="overturned")
    after = metrics.trust(NOVEMBER)
    assert after.satisfaction_rate == before.satisfaction_rate
    assert (before.satisfaction_after_appeals_rate, after.satisfaction_after_appeals_rate) == (
        Decimal("62.50"),
        Decimal("71.43"),  # 5 ÷ 7
    )


def test_an_appeal_decided_after_the_period_does_not_count_in_it(world):
    RatingAppeal.objects.filter(status="overturned").update(decided_at=_at(2, month=12))
    assert metrics.trust(NOVEMBER).overturned == 0


def test_metrics_json_gives_the_trust_figures(world):
    out = io.StringIO()
    call_command("metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--json", stdout=out)
    trust = json.loads(out.getvalue())["trust"]
    assert trust["satisfaction_rate"] == "55.56" and trust["satisfaction_after_appeals_rate"] == "62.50"
    assert (trust["callback_rate"], trust["false_closure_rate"]) == ("60.00", "33.33")
    assert (trust["unrated_closed"], trust["false_closures"], trust["closures_checked"]) == (2, 1, 3)


def test_metrics_table_shows_the_formula_of_each_trust_rate(world):
    out = io.StringIO()
    call_command("metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--town", "330421101", stdout=out)
    text = out.getvalue()
    assert "满意率（申诉后）" in text and "66.67%" in text and "（4 / 6）" in text


def test_a_rating_event_is_needed_once_per_appeal(world):
    # One appeal per rating: the schema refuses a second appeal of the same rating event.
    appeal = RatingAppeal.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingAppeal.objects.create(
            request=appeal.request,
            rating_event=appeal.rating_event,
            rated_at=appeal.rated_at,
            unit=appeal.unit,
            reason="再次申诉。",
        )
    assert RequestEvent.objects.filter(action="rate").count() == 2


# --- the dashboard --------------------------------------------------------------------------------
def test_trust_dashboard_shows_the_same_figures_and_exports_them(world, client):
    supervisor = f.StaffRoleFactory(user__username="t_sup").user
    client.force_login(supervisor)
    query = {"period": "custom", "start": "2026-11-01", "end": "2026-11-30"}
    page = client.get("/analytics/trust/", query)
    assert page.status_code == 200
    cards = {card.key: card for card in page.context["page"].cards}
    assert (
        cards["satisfaction_rate"].value == Decimal("55.56") and cards["satisfaction_rate"].detail == "5 / 9"
    )
    assert cards["satisfaction_after_appeals_rate"].detail == "5 / 8" and cards["unrated_closed"].value == 2
    export = client.get("/analytics/trust/", {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows[world.town_a.name][2] == pytest.approx(66.67)


def test_town_supervisor_sees_only_the_town(world, client):
    client.force_login(f.StaffRoleFactory(user__username="t_town", town=world.town_b).user)
    page = client.get("/analytics/trust/", {"period": "custom", "start": "2026-11-01", "end": "2026-11-30"})
    rows = page.context["page"].by_town.rows
    assert [row.data["key"] for row in rows] == [world.town_b.code]
    assert {row.data["key"] for row in page.context["page"].by_unit.rows} == {"UB"}


def test_trust_dashboard_query_count_does_not_grow_with_towns(world, client):
    client.force_login(f.StaffRoleFactory(user__username="t_sup").user)
    query = {"period": "custom", "start": "2026-11-01", "end": "2026-11-30"}
    client.get("/analytics/trust/", query)
    counts = []
    for _ in range(2):
        for _ in range(3):
            f.RequestFactory(
                enterprise=f.EnterpriseFactory(town=f.TownFactory()),
                lead_unit=f.UnitFactory(),
                category=world.category,
                submitted_at=_at(6),
            )
        with CaptureQueriesContext(connection) as ctx:
            client.get("/analytics/trust/", query)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts

"""Dispatch in the demo county: a catalogue entry for every category, six assignment batches over
the period, a few merged cases, and how each contacted request was first contacted (so the
three 100 % have figures). Written with a handful of bulk statements: it adds well under a
second to the seed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from requests_tracker.models import Batch, BatchSequence, Category, DispatchRule, Request, RequestEvent

# How units first reached the enterprise, by request id modulo 10: mostly face to face.
FIRST_CONTACT = [
    (range(0, 6), "onsite"),
    (range(6, 8), "meeting"),
    (range(8, 9), "phone"),
    (range(9, 10), "online"),
]
BATCHES = 6
MERGED = 3


@transaction.atomic
def seed_dispatch(county) -> None:
    _catalogue()
    _first_contacts()
    _batches(county)
    _merged(county)


def _catalogue() -> None:
    """Each category's usual lead unit (the one that led most of its requests) becomes its entry."""
    leads: dict[int, int] = {}
    rows = (
        Request.objects.filter(lead_unit__isnull=False, lead_unit__active=True)
        .values("category_id", "lead_unit_id")
        .annotate(n=Count("pk"))
        .order_by("category_id", "-n", "lead_unit_id")
    )
    for row in rows:
        leads.setdefault(row["category_id"], row["lead_unit_id"])
    for category in Category.objects.filter(pk__in=leads):
        DispatchRule.objects.update_or_create(
            category=category,
            town=None,
            defaults={"lead_unit_id": leads[category.pk], "time_limit_days": category.time_limit_days},
        )


def _first_contacts() -> None:
    contacted = Request.objects.filter(contacted_at__isnull=False, first_contact_method="").annotate(
        m=F("pk") % 10
    )
    for values, method in FIRST_CONTACT:
        contacted.filter(m__gte=values.start, m__lt=values.stop).update(first_contact_method=method)


def _batches(county) -> None:
    """Six batches, evenly over the period: each takes the requests assigned in its week."""
    span = (county.until - county.start).days
    for i in range(BATCHES):
        monday = county.start + dt.timedelta(days=span * (i + 1) // (BATCHES + 1))
        monday -= dt.timedelta(days=monday.weekday())
        start = dt.datetime.combine(monday, dt.time(0, 0), tzinfo=timezone.get_current_timezone())
        week = Request.objects.filter(
            assigned_at__gte=start, assigned_at__lt=start + dt.timedelta(days=7), batch__isnull=True
        )
        if not week.exists():
            continue
        year = monday.year
        batch = Batch.objects.create(
            year=year,
            number=BatchSequence.next_number(year),
            note=f"{monday:%Y年%m月%d日}当周新收诉求，按派单目录交办。",
            created_by=county.supervisor,
            created_at=start + dt.timedelta(hours=9),
        )
        week.update(batch=batch)


def _merged(county) -> None:
    """A few duplicates merged into a parent: closed pairs of one category and town, one week apart
    at most, each still rated by its own enterprise."""
    closed = list(
        Request.objects.filter(status=Request.Status.CLOSED, parent__isnull=True)
        .values("pk", "category_id", "enterprise__town_id", "enterprise_id", "submitted_at", "lead_unit_id")
        .order_by("submitted_at", "pk")[:400]
    )
    used: set[int] = set()
    events = []
    merged = 0
    for i, parent in enumerate(closed):
        if merged >= MERGED or parent["pk"] in used:
            continue
        for child in closed[i + 1 :]:
            if (
                child["pk"] not in used
                and child["category_id"] == parent["category_id"]
                and child["enterprise__town_id"] == parent["enterprise__town_id"]
                and child["enterprise_id"] != parent["enterprise_id"]
                and child["lead_unit_id"] == parent["lead_unit_id"]
                and child["submitted_at"] - parent["submitted_at"] <= dt.timedelta(days=7)
            ):
                Request.objects.filter(pk=child["pk"]).update(parent_id=parent["pk"])
                events.append(
                    RequestEvent(
                        request_id=child["pk"],
                        actor=county.supervisor,
                        at=child["submitted_at"] + dt.timedelta(hours=2),
                        action=RequestEvent.Action.MERGE,
                        from_status=Request.Status.SUBMITTED,
                        to_status=Request.Status.SUBMITTED,
                        note="并入同类诉求合并办理，办结后单独评价。",
                        data={"parent": parent["pk"]},
                    )
                )
                used.update({parent["pk"], child["pk"]})
                merged += 1
                break
    RequestEvent.objects.bulk_create(events)

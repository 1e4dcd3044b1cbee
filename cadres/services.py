"""Writes for units, cadres and their enterprise pairings."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from cadres.models import Assignment, Cadre
from enterprises.models import Enterprise


@transaction.atomic
def assignment_create(
    *, actor, cadre: Cadre, enterprise: Enterprise, start: dt.date, is_lead: bool = True
) -> Assignment:
    """Pair a cadre with an enterprise, refusing an 11th active pair with a clear message."""
    # Lock the cadre row so two admins adding pairs at once cannot both pass the 10 check.
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if not cadre.active:
        raise ValidationError({"cadre": f"干部“{cadre.name}”已不在岗，不能新增联系企业。"})
    if not enterprise.active:
        raise ValidationError({"enterprise": f"企业“{enterprise.name}”已不在册，不能新增联系干部。"})
    assignment = Assignment(
        cadre=cadre, enterprise=enterprise, start=start, is_lead=is_lead, created_by=actor
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment, end: dt.date) -> Assignment:
    """End a pairing; the row stays as history with its last day."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.end is not None:
        raise ValidationError({"end": f"该联系关系已于 {assignment.end:%Y-%m-%d} 结束。"})
    assignment.end = end
    assignment.full_clean()
    assignment.save(update_fields=["end"])
    return assignment

"""Reads about cadres and pairings."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cadres import rules
from cadres.models import Assignment, AssignmentChange, Cadre
from enterprises.models import Enterprise


def cadres_needing_attention(user):
    """Active cadres in the user's scope holding fewer than two enterprises."""
    return (
        Cadre.objects.visible_to(user)
        .needing_attention()
        .select_related("unit__town")
        .order_by("active_count", "code")
    )


def cadres_over_limit(user):
    """Active cadres holding more than ten enterprises (only old or hand-edited data can do this)."""
    return (
        Cadre.objects.visible_to(user)
        .active()
        .with_active_count()
        .filter(active_count__gt=rules.limit())
        .select_related("unit__town")
        .order_by("-active_count", "code")
    )


def enterprises_without_liaison(user):
    """Active enterprises in the user's scope with no active liaison cadre."""
    has_liaison = Assignment.objects.filter(enterprise=OuterRef("pk"), end__isnull=True)
    return (
        Enterprise.objects.visible_to(user)
        .active()
        .filter(~Exists(has_liaison))
        .select_related("town")
        .order_by("town__order", "name")
    )


def _liaison_count():
    active = (
        Assignment.objects.filter(enterprise=OuterRef("pk"), end__isnull=True)
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), 0)


def enterprise_candidates(user, cadre: Cadre):
    """Active enterprises the cadre could take on, each with its number of active liaison cadres."""
    held = Assignment.objects.filter(cadre=cadre, enterprise=OuterRef("pk"), end__isnull=True)
    return (
        Enterprise.objects.visible_to(user)
        .active()
        .filter(~Exists(held))
        .annotate(liaison_count=_liaison_count())
        .select_related("town")
        .order_by("liaison_count", "town__order", "name")
    )


def cadre_candidates(user, enterprise: Enterprise):
    """Active cadres who could take on the enterprise, with how many enterprises each holds now."""
    holds = Assignment.objects.filter(enterprise=enterprise, cadre=OuterRef("pk"), end__isnull=True)
    return (
        Cadre.objects.visible_to(user)
        .active()
        .filter(~Exists(holds))
        .with_active_count()
        .select_related("unit__town")
        .order_by("active_count", "code")
    )


def cadre_assignments(cadre: Cadre):
    """The cadre's pairs: active first, then history, newest first."""
    return cadre.assignments.select_related("enterprise__town").order_by(
        F("end").desc(nulls_first=True), "-start", "pk"
    )


def enterprise_assignments(enterprise: Enterprise):
    return (
        enterprise.assignments.select_related("cadre__unit")
        .annotate(cadre_count=Count("cadre__assignments", filter=Q(cadre__assignments__end__isnull=True)))
        .order_by(F("end").desc(nulls_first=True), "-start", "pk")
    )


def changes_for_cadre(cadre: Cadre):
    return AssignmentChange.objects.filter(cadre=cadre).select_related("actor", "enterprise")


def changes_for_enterprise(enterprise: Enterprise):
    return AssignmentChange.objects.filter(enterprise=enterprise).select_related("actor", "cadre")


@dataclass
class Suggestion:
    enterprise: Enterprise
    cadre: Cadre
    same_town: bool
    count_before: int  # the cadre's active enterprises before any suggestion is accepted


@dataclass
class SuggestionRun:
    suggestions: list[Suggestion]  # the first ``limit`` proposals, for the review page
    matched: int  # enterprises that got a proposal
    unmatched: int  # enterprises no cadre had room for


def suggest_pairs(user, *, town=None, unit=None, limit: int = 500) -> SuggestionRun:
    """Proposed cadres for enterprises with no liaison: a cadre of the same town first, otherwise
    the cadre with the fewest enterprises county-wide; ties go to the lower cadre code. Nobody is
    proposed past ten, counting the proposals already made."""
    limit_per_cadre = rules.limit()
    enterprises = enterprises_without_liaison(user)
    if town is not None:
        enterprises = enterprises.filter(town=town)
    cadres = (
        Cadre.objects.visible_to(user)
        .active()
        .with_active_count()
        .filter(active_count__lt=limit_per_cadre)
        .select_related("unit__town")
        .order_by("code")
    )
    if unit is not None:
        cadres = cadres.filter(unit=unit)
    cadres = list(cadres)
    counts = {c.pk: c.active_count for c in cadres}
    by_pk = {c.pk: c for c in cadres}
    everyone: list[tuple[int, str, int]] = []
    by_town: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for cadre in cadres:
        entry = (counts[cadre.pk], cadre.code, cadre.pk)
        everyone.append(entry)
        if cadre.unit.town_id:
            by_town[cadre.unit.town_id].append(entry)
    heapq.heapify(everyone)
    for heap in by_town.values():
        heapq.heapify(heap)

    def take(heap):
        # Entries go stale when a cadre gains a proposal: skip them (lazy deletion).
        while heap:
            count, code, pk = heap[0]
            if count != counts[pk] or count >= limit_per_cadre:
                heapq.heappop(heap)
                continue
            return pk
        return None

    suggestions: list[Suggestion] = []
    matched = unmatched = 0
    for enterprise in enterprises.iterator(chunk_size=2000):
        pk = take(by_town.get(enterprise.town_id, []))
        same_town = pk is not None
        if pk is None:
            pk = take(everyone)
        if pk is None:
            unmatched += 1
            continue
        matched += 1
        if len(suggestions) < limit:
            cadre = by_pk[pk]
            suggestions.append(Suggestion(enterprise, cadre, same_town, cadre.active_count))
        counts[pk] += 1
        entry = (counts[pk], by_pk[pk].code, pk)
        heapq.heappush(everyone, entry)
        if by_pk[pk].unit.town_id:
            heapq.heappush(by_town[by_pk[pk].unit.town_id], entry)
    return SuggestionRun(suggestions, matched, unmatched)

"""Reads for the trust pages, all through the scoped querysets."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from requests_tracker import lifecycle
from requests_tracker.models import Request
from requests_tracker.trust import spotcheck
from requests_tracker.trust.models import Callback, RatingAppeal, SpotCheckDraw

CALLBACK_RELATED = ("request__enterprise", "unit", "town", "done_by", "draw")


def callbacks_for(user):
    # Open tasks first ("pending" sorts after "done"), the most urgent at the top.
    return (
        Callback.objects.visible_to(user).select_related(*CALLBACK_RELATED).order_by("-status", "due", "pk")
    )


def appeals_for(user):
    return (
        RatingAppeal.objects.visible_to(user)
        .select_related("request__enterprise", "unit", "asked_by", "decided_by")
        .prefetch_related("request__assists")
        .order_by("status", "-asked_at", "-pk")
    )


def false_closures(user, year: int):
    """Closures a callback found false (不实办结) this year, for the supervision board."""
    return (
        Callback.objects.visible_to(user)
        .filter(false_closure=True, done_at__year=year)
        .select_related("request__enterprise", "unit", "town")
        .order_by("-done_at", "-pk")
    )


def draws_with_audit():
    """Every spot-check draw with its audit (the draw repeated from the stored seed) and findings."""
    draws = list(
        SpotCheckDraw.objects.annotate(
            done=Count("callbacks", filter=Q(callbacks__status=Callback.Status.DONE)),
            found_false=Count("callbacks", filter=Q(callbacks__false_closure=True)),
        ).order_by("-week_start")
    )
    for draw in draws:
        draw.reproduced = spotcheck.redraw(draw) == draw.chosen
    return draws


def request_trust(obj: Request, user) -> dict:
    """The callbacks and appeals shown on a request page (staff only), and whether the user's
    unit may appeal the latest 不满意 rating now."""
    from requests_tracker.services import trust as trust_services

    parties = lifecycle.parties_of(user, obj)
    context = {
        # ``has_callbacks``/``has_appeals``: the request page's query already knows there are none.
        "callbacks": list(obj.callbacks.order_by("created_at", "pk"))
        if getattr(obj, "has_callbacks", True)
        else [],
        "appeals": list(obj.appeals.select_related("unit").order_by("asked_at", "pk"))
        if getattr(obj, "has_appeals", True)
        else [],
        "may_open_callbacks": lifecycle.SUPERVISOR in parties,
        "appeal_form": False,
    }
    if lifecycle.LEAD in parties:
        rating = trust_services.appealable_rating(obj)
        if rating is not None and not any(a.rating_event_id == rating.pk for a in context["appeals"]):
            deadline, _estimated = trust_services.appeal_deadline(rating)
            if timezone.localdate() <= deadline:
                context["appeal_form"], context["appeal_deadline"] = True, deadline
    return context

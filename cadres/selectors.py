"""Reads about cadres and pairings."""

from django.db.models import Exists, OuterRef

from cadres.models import Assignment, Cadre
from enterprises.models import Enterprise


def cadres_needing_attention(user):
    """Active cadres in the user's scope holding fewer than two enterprises."""
    return (
        Cadre.objects.visible_to(user)
        .needing_attention()
        .select_related("unit__town")
        .order_by("active_count", "code")
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

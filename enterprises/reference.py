"""Towns as a per-process reference table (``qiqing.refdata``)."""

from __future__ import annotations

from enterprises.models import Town
from qiqing.refdata import Table

# Every town in the model's order; watched in ``EnterprisesConfig.ready``.
TOWNS = Table("towns", lambda: list(Town.objects.all()), lambda: [Town])


def towns_by_id() -> dict[int, Town]:
    return {town.pk: town for town in TOWNS.get()}


def town_rows(towns) -> list[Town]:
    """The rows of a town queryset (e.g. ``Town.objects.visible_to(user)``): the kept table when
    it is every town in the model's order (the county's view), else the query itself (a town
    supervisor's own towns; no query at all for ``none()``)."""
    query = towns.query
    if query.is_empty() or query.where or query.order_by or query.annotations or query.extra:
        return list(towns)
    return TOWNS.get()

"""Towns as a per-process reference table (``qiqing.refdata``)."""

from __future__ import annotations

from enterprises.models import Town
from qiqing.refdata import Table
from qiqing.scope import sees_every_row

# Every town in the model's order; watched in ``EnterprisesConfig.ready``.
TOWNS = Table("towns", lambda: list(Town.objects.all()), lambda: [Town])


def towns_by_id() -> dict[int, Town]:
    return {town.pk: town for town in TOWNS.get()}


def town_rows(towns) -> list[Town]:
    """The rows of a town queryset (e.g. ``Town.objects.visible_to(user)``): the kept table when
    it is every town in the model's order (the county's view), else the query itself (a town
    supervisor's own towns; no query at all for ``none()``)."""
    if sees_every_row(towns):
        return TOWNS.get()
    return list(towns)

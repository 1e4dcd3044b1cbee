"""Units as a per-process reference table (``qiqing.refdata``)."""

from __future__ import annotations

from cadres.models import Unit
from enterprises.models import Town
from qiqing.refdata import Table

# Every unit (inactive ones too: old requests name them) with its town, in the model's order.
UNITS = Table("units", lambda: list(Unit.objects.select_related("town")), lambda: [Unit, Town])


def units_by_id() -> dict[int, Unit]:
    return {unit.pk: unit for unit in UNITS.get()}


def active_units() -> list[Unit]:
    """``Unit.objects.filter(active=True)`` in its order."""
    return [unit for unit in UNITS.get() if unit.active]

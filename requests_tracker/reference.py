"""Categories and the dispatch catalogue as per-process reference tables (``qiqing.refdata``),
and list rows given their town, category and lead unit from the kept tables instead of joins."""

from __future__ import annotations

from cadres.models import Unit
from cadres.reference import units_by_id
from enterprises.models import Enterprise, Town
from enterprises.reference import towns_by_id
from qiqing.refdata import Table
from requests_tracker.dispatch.models import DispatchRule
from requests_tracker.models import Category, Request

CATEGORIES = Table("categories", lambda: list(Category.objects.all()), lambda: [Category])


def _catalogue_rules() -> dict:
    rules = (
        DispatchRule.objects.filter(active=True)
        .select_related("category", "town", "lead_unit")
        .prefetch_related("assist_units")
    )
    return {(rule.category_id, rule.town_id): rule for rule in rules}


# Every active catalogue entry by (category, town) with its category, town, units.
CATALOGUE = Table(
    "dispatch-catalogue",
    _catalogue_rules,
    lambda: [DispatchRule, DispatchRule.assist_units.through, Category, Town, Unit],
)

_CATEGORY = Request._meta.get_field("category")
_LEAD_UNIT = Request._meta.get_field("lead_unit")
_TOWN = Enterprise._meta.get_field("town")
_ENTERPRISE = Request._meta.get_field("enterprise")


def attach(rows) -> None:
    """Give each request its category, lead unit and its enterprise's town from the kept tables
    (a row whose id a table does not hold keeps the ordinary lazy lookup)."""
    if not rows:
        return
    categories = {c.pk: c for c in CATEGORIES.get()}
    units = units_by_id()
    towns = towns_by_id()
    for obj in rows:
        category = categories.get(obj.category_id)
        if category is not None:
            _CATEGORY.set_cached_value(obj, category)
        if obj.lead_unit_id is None:
            _LEAD_UNIT.set_cached_value(obj, None)
        else:
            unit = units.get(obj.lead_unit_id)
            if unit is not None:
                _LEAD_UNIT.set_cached_value(obj, unit)
        enterprise = _ENTERPRISE.get_cached_value(obj, None)
        if enterprise is not None:
            town = towns.get(enterprise.town_id)
            if town is not None:
                _TOWN.set_cached_value(enterprise, town)

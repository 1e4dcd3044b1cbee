"""Reads for dispatch: the catalogue entry that routes a request, batches and their requests."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

from requests_tracker.dispatch.models import Batch, DispatchRule
from requests_tracker.models import Request
from requests_tracker.reference import CATALOGUE


@dataclass(frozen=True)
class Route:
    """What the catalogue says for one request, and why (shown as "按派单目录")."""

    rule: DispatchRule
    lead_unit: object
    assist_units: tuple
    time_limit_days: int

    @cached_property
    def why(self) -> str:
        where = self.rule.town.name if self.rule.town_id else _("全县")
        co = "、".join(unit.name for unit in self.assist_units)
        text = _("按派单目录（%(category)s·%(where)s）：%(lead)s牵头") % {
            "category": self.rule.category.name,
            "where": where,
            "lead": self.lead_unit.name,
        }
        if co:
            text += _("，%(co)s协办") % {"co": co}
        return text + _("，%(days)s个工作日") % {"days": self.time_limit_days}

    def matches(self, lead_unit, assist_units) -> bool:
        """Whether a routing follows the catalogue: same lead unit and the same assisting units."""
        chosen = {unit.pk for unit in assist_units if unit.pk != getattr(lead_unit, "pk", None)}
        return getattr(lead_unit, "pk", None) == self.lead_unit.pk and chosen == {
            u.pk for u in self.assist_units
        }


class Catalogue:
    """Every active catalogue entry, to route many requests: the per-process reference table
    (``requests_tracker.reference.CATALOGUE``; two queries when it is loaded).

    A town's own entry for the category wins over the county-wide one.
    """

    def __init__(self):
        self._rules = CATALOGUE.get()
        self._routes = {}  # one Route per rule: a page of requests shares a handful of them

    def __len__(self):
        return len(self._rules)

    def route(self, request: Request) -> Route | None:
        town_id = request.enterprise.town_id if request.enterprise_id else None
        rule = self._rules.get((request.category_id, town_id)) or self._rules.get((request.category_id, None))
        if rule is None:
            return None
        route = self._routes.get(rule.pk)
        if route is None:
            assists = tuple(
                unit for unit in rule.assist_units.all() if unit.active and unit.pk != rule.lead_unit_id
            )
            route = self._routes[rule.pk] = Route(rule, rule.lead_unit, assists, rule.time_limit_days)
        return route


def route_for(request: Request) -> Route | None:
    """The catalogue's route for one request (the whole catalogue is small)."""
    return Catalogue().route(request)


def batches_for(user):
    return Batch.objects.visible_to(user).select_related("created_by").order_by("-year", "-number")


def batch_requests(user, batch: Batch):
    """The batch's requests the user may see (a town supervisor: their towns' rows only)."""
    return (
        Request.objects.visible_to(user)
        .filter(batch=batch)
        .select_related("enterprise__town", "category", "lead_unit")
        .order_by("ref")
    )

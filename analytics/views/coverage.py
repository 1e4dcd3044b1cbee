"""走访覆盖情况 and its drill-down (town → cadres → enterprises); ``?format=xlsx`` exports the
tables of the page shown."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import bodies
from analytics.dashboards import coverage as dash
from analytics.filters import CoverageFilter
from analytics.views.common import (
    export_query,
    stamp,
    wants_xlsx,
    window_from,
    with_period,
    xlsx,
)
from cadres.models import Cadre
from enterprises.models import Enterprise, Town
from qiqing.access import ADMIN, SUPERVISOR
from qiqing.permissions import get_visible_or_404, role_required


def _filter(request, *, town_fixed: bool = False):
    coverage_filter = CoverageFilter(
        with_period(request.GET),
        queryset=Enterprise.objects.none(),
        request=request,
        towns=Town.objects.visible_to(request.user),
    )
    if town_fixed:
        coverage_filter.filters.pop("town", None)  # the drill-down's town comes from the URL
    return coverage_filter


def _context(request, coverage_filter, page, **extra):
    return {"filter": coverage_filter, "page": page, "export_query": export_query(request), **extra}


@role_required(ADMIN, SUPERVISOR)
def coverage(request):
    """走访覆盖情况: the landing page of supervisors and admins."""
    today = timezone.localdate()
    coverage_filter = _filter(request)
    choice = dash.ScopeChoice.from_filter(request.user, coverage_filter)
    export = wants_xlsx(request)
    window = window_from(coverage_filter, today)
    if export:
        page = dash.coverage_page(choice, window, today, request.GET)
        name = _("走访覆盖_%(scope)s_%(period)s_%(day)s.xlsx")
        return xlsx(name % {"scope": choice.label, "period": page.window.label, "day": stamp()}, page.tables)
    data_until = min(window.period.end, today - dt.timedelta(days=1))

    def headline():
        figures = dash.headline_figures(choice, window, today)
        return figures, figures[2]

    figures = bodies.remembered(
        bodies.key("coverage-headline", request, data_until=data_until, today=today), headline
    )
    page = dash.coverage_page(choice, window, today, request.GET, tables=False, figures=figures)

    def tables():
        dash.coverage_tables(page, today, request.GET)
        parts = {
            "filter": render_to_string("analytics/_filter_form.html", {"filter": coverage_filter}, request),
            "tables": render_to_string("analytics/_coverage_tables.html", {"page": page}, request),
        }
        return parts, page.from_snapshot

    body = bodies.cached(bodies.key("coverage", request, data_until=data_until, today=today), tables)
    return render(request, "analytics/coverage.html", _context(request, coverage_filter, page, body=body))


@role_required(ADMIN, SUPERVISOR)
def coverage_town(request, pk):
    """One town: its cadres' coverage and the enterprises not visited in the period (未走访)."""
    town = get_object_or_404(Town.objects.visible_to(request.user), pk=pk)
    today = timezone.localdate()
    coverage_filter = _filter(request, town_fixed=True)
    choice = dash.ScopeChoice.from_filter(request.user, coverage_filter)
    export = wants_xlsx(request)
    page = dash.town_page(
        request.user, town, choice, window_from(coverage_filter, today), today, request.GET, paged=not export
    )
    if export:
        name = _("走访覆盖_%(town)s_%(period)s_%(day)s.xlsx")
        return xlsx(name % {"town": town.name, "period": page.window.label, "day": stamp()}, page.tables)
    back = request.GET.copy()
    for key in ("page", "cpage"):
        back.pop(key, None)
    return render(
        request,
        "analytics/coverage_town.html",
        _context(request, coverage_filter, page, back=back.urlencode()),
    )


@role_required(ADMIN, SUPERVISOR)
def coverage_cadre(request, pk):
    """One cadre: their enterprises in the period, 未走访 first."""
    cadre = get_visible_or_404(Cadre.objects.select_related("unit__town"), request.user, pk=pk)
    today = timezone.localdate()
    coverage_filter = _filter(request)
    choice = dash.ScopeChoice.from_filter(request.user, coverage_filter)
    page = dash.cadre_page(cadre, choice, window_from(coverage_filter, today), today)
    if wants_xlsx(request):
        name = _("走访覆盖_%(cadre)s_%(period)s_%(day)s.xlsx")
        return xlsx(name % {"cadre": cadre.name, "period": page.window.label, "day": stamp()}, page.tables)
    back = request.GET.copy()
    back.pop("page", None)
    return render(
        request,
        "analytics/coverage_cadre.html",
        _context(request, coverage_filter, page, back=back.urlencode()),
    )

"""评价可信度: callbacks, spot checks and appeals in figures; ``?format=xlsx`` exports the tables."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.dashboards import trust as dash
from analytics.filters import TrustFilter
from analytics.views.common import export_query, stamp, wants_xlsx, window_from, with_period
from analytics.views.common import xlsx as xlsx_export
from enterprises.models import Town
from qiqing.access import ADMIN, SUPERVISOR, access_for
from qiqing.permissions import role_required
from requests_tracker.models import Request


@role_required(ADMIN, SUPERVISOR)
def trust(request):
    today = timezone.localdate()
    trust_filter = TrustFilter(with_period(request.GET), queryset=Request.objects.none(), request=request)
    window = window_from(trust_filter, today)
    if access_for(request.user).sees_everything:
        town_ids, label = None, _("全县")
    else:
        towns = list(Town.objects.visible_to(request.user))
        town_ids, label = [t.pk for t in towns], "、".join(t.name for t in towns)
    page = dash.trust_page(window, town_ids, label)
    if wants_xlsx(request):
        name = _("评价可信度_%(period)s_%(day)s.xlsx") % {"period": window.label, "day": stamp()}
        return xlsx_export(name, page.tables)
    context = {"filter": trust_filter, "page": page, "window": window, "export_query": export_query(request)}
    return render(request, "analytics/trust.html", context)

"""超期督办: the overdue requests in scope and the notices issued on them."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.dashboards import overdue as dash
from analytics.filters import OverdueFilter
from analytics.views.common import export_query, stamp, wants_xlsx, xlsx
from enterprises.models import Town
from qiqing.access import ADMIN, SUPERVISOR
from qiqing.permissions import role_required


@role_required(ADMIN, SUPERVISOR)
def overdue(request):
    today = timezone.localdate()
    overdue_filter = OverdueFilter(
        request.GET,
        queryset=dash.overdue_requests(request.user, today),
        request=request,
        towns=Town.objects.visible_to(request.user),
    )
    export = wants_xlsx(request)
    page = dash.overdue_page(overdue_filter.qs, today, request.GET.get("page"), paged=not export)
    if export:
        return xlsx(_("超期督办_%(day)s.xlsx") % {"day": stamp()}, page.tables)
    return render(
        request,
        "analytics/overdue.html",
        {
            "filter": overdue_filter,
            "page": page,
            "page_obj": page.page_obj,
            "today": today,
            "export_query": export_query(request),
        },
    )

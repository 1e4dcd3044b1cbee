"""问题分布与季节规律."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.dashboards import issues as dash
from analytics.dashboards.coverage import ScopeChoice
from analytics.filters import IssueFilter
from analytics.views.common import export_query, stamp, wants_xlsx, xlsx
from enterprises.models import Enterprise, Town
from qiqing.access import ADMIN, SUPERVISOR
from qiqing.permissions import role_required


@role_required(ADMIN, SUPERVISOR)
def issues(request):
    issue_filter = IssueFilter(
        request.GET,
        queryset=Enterprise.objects.none(),
        request=request,
        towns=Town.objects.visible_to(request.user),
    )
    choice = ScopeChoice.from_filter(request.user, issue_filter)
    category = issue_filter.choice("category")
    years = issue_filter.choice("years")
    page = dash.issue_page(
        choice,
        today=timezone.localdate(),
        focus=category.name if category else None,
        years=int(years) if years else None,
    )
    if wants_xlsx(request):
        return xlsx(
            _("问题分布_%(scope)s_%(day)s.xlsx") % {"scope": choice.label, "day": stamp()}, page.tables
        )
    return render(
        request,
        "analytics/issues.html",
        {"filter": issue_filter, "page": page, "export_query": export_query(request)},
    )

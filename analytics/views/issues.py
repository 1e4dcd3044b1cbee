"""问题分布与季节规律."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import bodies
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
    today = timezone.localdate()
    context = {"filter": issue_filter, "page": None, "export_query": export_query(request)}

    def build():
        context["page"] = page = dash.issue_page(
            choice,
            today=today,
            focus=category.name if category else None,
            years=int(years) if years else None,
        )
        parts = {
            "filter": render_to_string("analytics/_filter_form.html", {"filter": issue_filter}, request),
            "page": render_to_string("analytics/_issues_body.html", {"page": page}, request),
        }
        return parts, choice.headline()[1] is None  # unrestricted: read from snapshots

    if wants_xlsx(request):
        build()
        name = _("问题分布_%(scope)s_%(day)s.xlsx") % {"scope": choice.label, "day": stamp()}
        return xlsx(name, context["page"].tables)
    yesterday = today - dt.timedelta(days=1)
    context["body"] = bodies.cached(bodies.key("issues", request, data_until=yesterday, today=today), build)
    return render(request, "analytics/issues.html", context)

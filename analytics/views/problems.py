"""共性问题: the clusters in scope, one cluster's requests, and recomputing them on demand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics import services
from analytics.dashboards import problems as dash
from analytics.filters import ProblemFilter
from analytics.forms import ProblemCaseForm
from analytics.views.common import export_query, stamp, wants_xlsx, xlsx
from enterprises.models import Town
from qiqing.access import ADMIN, SUPERVISOR, access_for
from qiqing.permissions import role_required


@role_required(ADMIN, SUPERVISOR)
def problems(request):
    problem_filter = ProblemFilter(
        request.GET,
        queryset=dash.clusters_for(request.user),
        request=request,
        towns=Town.objects.visible_to(request.user),
    )
    export = wants_xlsx(request)
    page = dash.problems_page(request.user, problem_filter.qs, request.GET.get("page"), paged=not export)
    if export:
        return xlsx(_("共性问题_%(day)s.xlsx") % {"day": stamp()}, page.tables)
    context = {
        "filter": problem_filter,
        "page": page,
        "page_obj": page.page_obj,
        "can_recompute": access_for(request.user).sees_everything,
        "export_query": export_query(request),
    }
    return render(request, "analytics/problems.html", context)


@role_required(ADMIN, SUPERVISOR)
def problem(request, pk):
    """One common problem: its requests the user may open (404 when there are none)."""
    cluster = dash.clusters_for(request.user).filter(pk=pk).first()
    if cluster is None:
        raise Http404(_("没有这个共性问题，或其中没有您可查看的诉求。"))
    export = wants_xlsx(request)
    page = dash.cluster_page(request.user, cluster, request.GET.get("page"), paged=not export)
    if export:
        return xlsx(
            _("共性问题_%(label)s_%(day)s.xlsx") % {"label": cluster.label, "day": stamp()}, page.tables
        )
    context = {
        "page": page,
        "cluster": cluster,
        "page_obj": page.page_obj,
        "export_query": export_query(request),
        "case_form": ProblemCaseForm(user=request.user) if access_for(request.user).is_supervisor else None,
    }
    return render(request, "analytics/problem.html", context)


@require_POST
@role_required(SUPERVISOR)
def problem_case(request, pk):
    """并案交办: the cluster's requests waiting for triage become one parent case of one unit."""
    cluster = dash.clusters_for(request.user).filter(pk=pk).first()
    if cluster is None:
        raise Http404(_("没有这个共性问题，或其中没有您可查看的诉求。"))
    form = ProblemCaseForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("analytics:problem", pk=cluster.pk)
    try:
        parent = services.problem_cluster_case(
            actor=request.user,
            cluster=cluster,
            lead_unit=form.cleaned_data["lead_unit"],
            team=form.cleaned_data["team"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("analytics:problem", pk=cluster.pk)
    messages.success(
        request,
        _("已并案交办%(unit)s：主诉求 %(ref)s。") % {"unit": parent.lead_unit.name, "ref": parent.ref},
    )
    return redirect("requests_tracker:detail", parent.pk)


@require_POST
@role_required(ADMIN, SUPERVISOR)
def problems_recompute(request):
    """Recompute the clusters now: county-wide staff only (the clusters are county-wide)."""
    if not access_for(request.user).sees_everything:
        raise PermissionDenied(_("只有全县范围的服务企业办人员和管理员可以重新计算共性问题。"))
    job = services.problem_clusters_request(actor=request.user)
    messages.info(request, _("已开始重新计算共性问题。"))
    return redirect("job", pk=job.pk)

"""The monthly report (月报): order one, list those in scope (progress: ``qiqing.views.job``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import services
from analytics.filters import ReportForm
from enterprises.models import Town
from qiqing.access import ADMIN, SUPERVISOR, access_for
from qiqing.models import BackgroundJob
from qiqing.permissions import role_required


@role_required(ADMIN, SUPERVISOR)
def reports(request):
    """月报: order a month's report (POST) and list the reports in scope."""
    today = timezone.localdate()
    form = ReportForm(
        request.POST or None,
        towns=Town.objects.visible_to(request.user),
        county=access_for(request.user).sees_everything,
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        job = services.monthly_report_request(
            actor=request.user, month=form.cleaned_data["month"], town=form.cleaned_data["town"]
        )
        messages.info(request, _("月报正在生成，完成后可在本页下载。"))
        return redirect("job", pk=job.pk)
    jobs = (
        BackgroundJob.objects.visible_to(request.user)
        .filter(kind=services.MONTHLY_REPORT)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:30]
    )
    return render(request, "analytics/reports.html", {"form": form, "jobs": jobs})

"""The monthly report (月报) and the progress pages of background jobs."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from analytics import background, services
from analytics.filters import ReportForm
from qiqing.access import ADMIN, SUPERVISOR
from qiqing.models import BackgroundJob
from qiqing.permissions import role_required


@role_required(ADMIN, SUPERVISOR)
def reports(request):
    """月报: order a month's report (POST) and list the reports in scope."""
    today = timezone.localdate()
    form = ReportForm(request.POST or None, user=request.user, today=today)
    if request.method == "POST" and form.is_valid():
        job = services.monthly_report_request(
            actor=request.user, month=form.cleaned_data["month"], town=form.cleaned_data["town"]
        )
        messages.info(request, _("月报正在生成，完成后可在本页下载。"))
        return redirect("analytics:task", pk=job.pk)
    jobs = (
        background.jobs_visible_to(request.user)
        .filter(kind=background.MONTHLY_REPORT)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:30]
    )
    return render(request, "analytics/reports.html", {"form": form, "jobs": jobs})


def _job(request, pk) -> BackgroundJob:
    return get_object_or_404(background.jobs_visible_to(request.user).select_related("created_by"), pk=pk)


@role_required(ADMIN, SUPERVISOR)
def task(request, pk):
    """A background job's progress page; it polls ``task_status`` until done."""
    return render(request, "analytics/task.html", {"job": _job(request, pk)})


@never_cache
@role_required(ADMIN, SUPERVISOR)
def task_status(request, pk):
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "percent": job.percent,
            "done": job.done,
            "total": job.total,
            "message": job.message,
        }
    )


@role_required(ADMIN, SUPERVISOR)
def task_download(request, pk):
    """The job's file (the monthly report), for its creator and staff in its scope only."""
    job = _job(request, pk)
    if job.status != BackgroundJob.Status.DONE or not job.result_file:
        raise Http404(_("文件尚未生成。"))
    filename = (job.result or {}).get("filename") or "report.xlsx"
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=filename)

import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qiqing import jobs, notifications, programme
from qiqing.access import ADMIN
from qiqing.forms import ProgrammeSettingsForm
from qiqing.models import BackgroundJob, Notification, ProgrammeSettingChange
from qiqing.navigation import home_url_name
from qiqing.permissions import role_required


@login_required
def home(request):
    """Send each user to their role's landing page; users with no role get an explanation."""
    url_name = home_url_name(request.user)
    if url_name:
        return redirect(url_name)
    return render(request, "home_no_role.html")


@never_cache
def healthz(request):
    """Liveness for load balancers, and the bare view the load benchmark compares pages against."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - report any database failure as not ready
        return JsonResponse({"database": "error", "detail": exc.__class__.__name__}, status=503)
    return JsonResponse({"database": "ok"})


# The database refused or dropped the connection (restart, failover, network): not a bug, and
# nothing was half written (every write is one transaction), so the user is told to retry.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """handler500: a database outage answers 503 with a page saying what happened and what to do.

    Called by Django inside the ``except`` that caught the error, so ``sys.exc_info()`` names it.
    Both pages render without the request context: the navigation would query the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@login_required
def notification_list(request):
    """The user's notification centre (站内通知), newest first; ?unread=1 for unread only."""
    queryset = Notification.objects.filter(recipient=request.user).only(
        "pk", "kind", "title", "body", "url", "created_at", "read_at"
    )
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        queryset = queryset.unread()
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page_obj": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notice read and go to what it is about (only a link inside this site)."""
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(request.user, [item.pk])
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts=None):
        return redirect(item.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    count = notifications.mark_read(request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("notifications")


@role_required(ADMIN)
def programme_settings(request):
    """系统设置: the programme's options (``qiqing.programme``), their values and change history."""
    form = ProgrammeSettingsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = programme.settings_update(actor=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
        else:
            if changed:
                labels = "、".join(str(programme.options()[key].label) for key in changed)
                messages.success(request, _("已保存：%(labels)s。") % {"labels": labels})
            else:
                messages.info(request, _("没有改动。"))
            return redirect("programme_settings")
    labels = {key: option.label for key, option in programme.options().items()}
    history = list(ProgrammeSettingChange.objects.select_related("actor")[:50])
    for change in history:
        change.label = labels.get(change.key, change.key)
    return render(request, "programme/settings.html", {"form": form, "history": history})


# --- background jobs: one progress page, one status endpoint, one download -------------------------
def _visible_job(request, pk) -> BackgroundJob:
    """The job, if its creator or its kind's audience includes the user (404 otherwise)."""
    return get_object_or_404(
        BackgroundJob.objects.visible_to(request.user).select_related("created_by"), pk=pk
    )


@login_required
def job(request, pk):
    """A background job's progress page; it polls ``job_status`` until done, then shows the result."""
    item = _visible_job(request, pk)
    kind = jobs.kind_of(item)
    url_name, label = kind.home
    return render(
        request,
        "jobs/job.html",
        {
            "job": item,
            "finished": jobs.status_payload(item)["finished"],
            "result_template": kind.result_template,
            "stylesheet": kind.stylesheet,
            "home_url": reverse(url_name) if url_name else "",
            "home_label": label,
        },
    )


@never_cache
@login_required
def job_status(request, pk):
    return JsonResponse(jobs.status_payload(_visible_job(request, pk)))


@login_required
def job_file(request, pk):
    """The job's file (a report, an error list), for whoever may follow the job."""
    item = _visible_job(request, pk)
    if item.status != BackgroundJob.Status.DONE or not item.result_file:
        raise Http404(_("文件尚未生成。"))
    filename = (item.result or {}).get("filename") or "result.xlsx"
    return FileResponse(item.result_file.open("rb"), as_attachment=True, filename=filename)

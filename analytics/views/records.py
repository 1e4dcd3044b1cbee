import datetime as dt

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics import jobs, selectors
from analytics.dashboards import rankings
from analytics.filters import CadreRecordFilter
from analytics.periods import QUARTER, to_date
from analytics.views.common import export_query, wants_xlsx, xlsx
from cadres.models import Cadre
from enterprises.models import Enterprise, Town
from qiqing import broker
from qiqing.access import ADMIN, CADRE, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from requests_tracker.models import Request

# The landing page of every supervisor counts the county's enterprises and cadres; at county scale
# that is a scan of every row on each visit, for figures that change with imports, not by the
# minute. They are counted once per user every few minutes; request counts stay live.
SIZE_SECONDS = 300


def _programme_size(user) -> dict:
    key = f"analytics:overview:size:{user.pk}"
    size = cache.get(key)
    if size is None:
        size = {
            "enterprises": Enterprise.objects.visible_to(user).active().count(),
            "cadres": Cadre.objects.visible_to(user).active().count(),
        }
        cache.set(key, size, SIZE_SECONDS)
    return size


@role_required(ADMIN, SUPERVISOR)
def overview(request):
    """Landing page for supervisors and admins: the size of the programme in their scope."""
    user = request.user
    context = {
        **_programme_size(user),
        "open_requests": Request.objects.visible_to(user).open().count(),
        "awaiting_triage": Request.objects.visible_to(user).filter(status=Request.Status.SUBMITTED).count(),
    }
    return render(request, "analytics/overview.html", context)


def _record(request, cadre, *, own: bool):
    today = timezone.localdate()
    context = {
        "cadre": cadre,
        "own": own,
        "columns": selectors.cadre_record(cadre, today),
        "enterprises": selectors.cadre_enterprises(cadre, today),
        "today": today,
    }
    return render(request, "analytics/cadre_record.html", context)


@role_required(CADRE)
def my_record(request):
    """我的履职: the signed-in cadre's own record."""
    cadre = Cadre.objects.select_related("unit__town").get(pk=access_for(request.user).cadre_id)
    return _record(request, cadre, own=True)


@role_required(ADMIN, SUPERVISOR, CADRE)
def cadre_record(request, pk):
    """A cadre's record as a supervisor sees it (a cadre may open only their own)."""
    cadre = get_visible_or_404(Cadre.objects.select_related("unit__town"), request.user, pk=pk)
    return _record(request, cadre, own=cadre.pk == access_for(request.user).cadre_id)


@role_required(ADMIN, SUPERVISOR)
def cadre_records(request):
    """干部履职: every cadre in scope with their figures for the chosen period."""
    base = Cadre.objects.visible_to(request.user).select_related("unit__town")
    data = request.GET.copy()
    data.setdefault("period", QUARTER)
    cadre_filter = CadreRecordFilter(data, queryset=base)
    page = Paginator(cadre_filter.qs, 50).get_page(request.GET.get("page"))
    kind = (cadre_filter.form.cleaned_data.get("period") if cadre_filter.is_valid() else None) or QUARTER
    period = to_date(timezone.localdate(), kind)
    figures = selectors.cadre_page_figures(page.object_list, period)
    rows = [(cadre, figures[cadre.code]) for cadre in page.object_list]
    context = {"filter": cadre_filter, "page_obj": page, "rows": rows, "period": period}
    return render(request, "analytics/cadre_records.html", context)


@role_required(ADMIN, SUPERVISOR)
def ranking(request):
    """擂台比武: a week's town ranking with its red and black lists and a town's rank over weeks."""
    week = request.GET.get("week")
    try:
        week_start = dt.date.fromisoformat(week) if week else None
    except ValueError:
        raise Http404(_("周的日期格式不对。")) from None
    current, entries, weeks = selectors.ranking_for(week_start)
    if week_start and current is None:
        raise Http404(_("这一周还没有排名。"))
    code = request.GET.get("town")
    if code:
        town = get_object_or_404(Town, code=code)
    else:
        mine = set(Town.objects.visible_to(request.user).values_list("pk", flat=True))
        town = next((e.town for e in entries if e.town_id in mine), entries[0].town if entries else None)
    page = rankings.ranking_page(current, entries, weeks, town)
    if wants_xlsx(request) and current is not None:
        name = _("擂台比武_%(week)s.xlsx") % {"week": f"{current.week_start:%Y%m%d}"}
        return xlsx(name, page.tables)
    context = {
        "page": page,
        "ranking": current,
        "weeks": weeks,
        "towns": [e.town for e in entries],
        "export_query": export_query(request),
    }
    return render(request, "analytics/ranking.html", context)


@role_required(ADMIN)
def job_list(request):
    """定时任务: each scheduled job, its schedule, last run, last success and any failure."""
    context = {
        "statuses": selectors.job_statuses(jobs.scheduled_jobs(), jobs.COUNT_LABELS),
        "runs": selectors.recent_runs(jobs.COUNT_LABELS),
    }
    return render(request, "analytics/jobs.html", context)


@require_POST
@role_required(ADMIN)
def job_run_now(request, name):
    """Queue one run of a scheduled job now (runs on a worker; the page shows it when done)."""
    job = next((j for j in jobs.scheduled_jobs() if j.name == name), None)
    if job is None:
        raise Http404(_("没有这个定时任务。"))
    try:
        jobs.queue_now(job)
    except broker.UNAVAILABLE:
        # The broker is down or hung (it answers within QIQING_BROKER_TIMEOUT): say so, do not 500.
        messages.error(
            request, _("任务队列暂时不可用，“%(label)s”未能加入队列，请稍后再试。") % {"label": job.label}
        )
        return redirect("analytics:jobs")
    messages.success(request, _("已将“%(label)s”加入任务队列，稍后刷新查看运行结果。") % {"label": job.label})
    return redirect("analytics:jobs")

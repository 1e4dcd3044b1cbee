import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics import bodies, jobs, selectors, windows
from analytics.dashboards import rankings
from analytics.filters import CadreRecordFilter
from analytics.models import TownRanking
from analytics.periods import QUARTER, to_date
from analytics.views.common import export_query, wants_xlsx, xlsx
from cadres.filters import CadreFilter
from cadres.models import Cadre
from enterprises.filters import EnterpriseFilter
from enterprises.models import Enterprise, Town
from qiqing import broker
from qiqing.access import ADMIN, CADRE, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from requests_tracker.filters import RequestFilter
from requests_tracker.models import Request
from visits.filters import VisitFilter
from visits.selectors import visit_list_queryset

# The landing page of every supervisor counts the county's enterprises and cadres; at county scale
# that is a scan of every row on each visit, for figures that change with imports, not by the
# minute. They are counted once per user every few minutes; request counts stay live.
SIZE_SECONDS = 300


@dataclass
class Figure:
    """One figure of the overview and the list it counts: the link opens that list with the same
    filter, so the list's 共 N 条 is the figure (tests/analytics/test_overview.py)."""

    key: str
    label: str
    value: int
    url: str
    previous: int | None = None
    previous_url: str = ""

    @property
    def change(self):
        return None if self.previous is None else self.value - self.previous


def _count(filter_class, queryset, params: dict) -> int:
    """How many rows the list page shows for ``params``: counted through the list's own FilterSet."""
    query = QueryDict(mutable=True)
    query.update(params)
    return filter_class(query, queryset=queryset).qs.count()


def _url(name: str, params: dict) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _range(field: str, period) -> dict:
    """A DateFromToRangeFilter's two parameters for the whole local days of ``period``."""
    return {f"{field}_after": period.start.isoformat(), f"{field}_before": period.end.isoformat()}


ENTERPRISES = ("enterprises:list", {"active": "true"})
CADRES = ("cadres:list", {"active": "true"})
REQUESTS = "requests_tracker:list"


def _programme_size(user) -> dict:
    key = f"analytics:overview:size:{user.pk}"
    size = cache.get(key)
    if size is None:
        size = {
            "enterprises": _count(EnterpriseFilter, Enterprise.objects.visible_to(user), ENTERPRISES[1]),
            "cadres": _count(CadreFilter, Cadre.objects.visible_to(user), CADRES[1]),
        }
        cache.set(key, size, SIZE_SECONDS)
    return size


def overview_figures(user, window) -> tuple[list[Figure], list[Figure]]:
    """The overview's figures now (在册企业 … 已超期), and those of ``window`` against its
    comparison period (the same number of days of the previous one while it is running)."""
    size = _programme_size(user)
    requests = Request.objects.visible_to(user)
    now = [
        Figure("enterprises", _("在册企业"), size["enterprises"], _url(*ENTERPRISES)),
        Figure("cadres", _("在岗联企干部"), size["cadres"], _url(*CADRES)),
    ]
    for key, label, params in (
        ("open", _("在办诉求"), {"open": "true"}),
        ("triage", _("待受理"), {"status": Request.Status.SUBMITTED}),
        ("overdue", _("在办已超期"), {"open": "true", "overdue": "true"}),
    ):
        now.append(Figure(key, label, _count(RequestFilter, requests, params), _url(REQUESTS, params)))

    period = []
    for key, label, name, filter_class, queryset, field in (
        ("visits", _("走访次数"), "visits:list", VisitFilter, visit_list_queryset(user), "date"),
        ("submitted", _("新提诉求"), REQUESTS, RequestFilter, requests, "submitted"),
    ):
        current, before = _range(field, window.period), _range(field, window.previous)
        period.append(
            Figure(
                key,
                label,
                _count(filter_class, queryset, current),
                _url(name, current),
                previous=_count(filter_class, queryset, before),
                previous_url=_url(name, before),
            )
        )
    return now, period


@role_required(ADMIN, SUPERVISOR)
def overview(request):
    """Landing page for supervisors and admins: the programme now, and the period's activity
    against a like-for-like period (windows.py) — every figure a link to the list it counts."""
    window = windows.resolve(windows.default_period(), timezone.localdate())
    now, period = overview_figures(request.user, window)
    return render(request, "analytics/overview.html", {"now": now, "period": period, "window": window})


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
    current, weeks = selectors.ranking_week(week_start)
    if week_start and current is None:
        raise Http404(_("这一周还没有排名。"))
    code = request.GET.get("town")

    def build_page():
        entries = selectors.ranking_entries(current)
        if code:
            town = get_object_or_404(Town, code=code)
        else:
            mine = set(Town.objects.visible_to(request.user).values_list("pk", flat=True))
            town = next((e.town for e in entries if e.town_id in mine), entries[0].town if entries else None)
        return rankings.ranking_page(current, entries, weeks, town), entries

    context = {"ranking": current, "weeks": weeks, "export_query": export_query(request)}
    if current is None:
        return render(request, "analytics/ranking.html", {**context, "page": build_page()[0]})
    if wants_xlsx(request):
        name = _("擂台比武_%(week)s.xlsx") % {"week": f"{current.week_start:%Y%m%d}"}
        return xlsx(name, build_page()[0].tables)

    def body():
        # The stored week as everyone with the same towns sees it, until a ranking is recomputed
        # (the code of an unknown town answers 404 and keeps nothing).
        page, entries = build_page()
        part = {**context, "page": page, "towns": [e.town for e in entries]}
        parts = {
            "title": conditional_escape(page.table.title),
            "town": format_html('<input type="hidden" name="town" value="{}">', page.town.code)
            if page.town
            else "",
            "content": render_to_string("analytics/_ranking_body.html", part, request),
        }
        return parts, True

    today = timezone.localdate()
    cache_key = bodies.key(
        "ranking", request, data_until=current.week_start, today=today, stamp=bodies.generation(TownRanking)
    )
    return render(request, "analytics/ranking.html", {**context, "body": bodies.cached(cache_key, body)})


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

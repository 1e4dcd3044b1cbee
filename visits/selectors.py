"""Reads for the cadre workbench: my enterprises, the enterprise file (一企一档), visit lists.

Every function reads through ``visible_to(user)`` and runs a fixed number of queries however
many enterprises, visits or requests there are (annotations and one union, no per-row lookups).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.models import Assignment
from enterprises.models import Enterprise
from groups import selectors as group_selectors
from qiqing import scope
from qiqing.access import ADMIN, SUPERVISOR, access_for
from qiqing.i18n import join
from requests_tracker.models import Request
from visits.models import Visit, VisitPhoto
from visits.rhythm import due_for_visit

FULL = "full"  # liaison cadres, supervisors in scope, admins: the whole file
CONTACT = "contact"  # the enterprise's own contact: its requests and the visits, no internals
HANDLER = "handler"  # a department handler: the profile and their unit's requests only


def _count(queryset, outer: str = "pk") -> Subquery:
    """A correlated COUNT(*) per enterprise, 0 when there is none."""
    counted = (
        queryset.filter(enterprise=OuterRef(outer)).order_by().values("enterprise").annotate(n=Count("*"))
    )
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


# --- 我的企业 -----------------------------------------------------------------------------


@dataclass
class MyEnterprise:
    enterprise: Enterprise
    since: dt.date
    last_visit: dt.date | None
    days_since: int | None
    due: bool
    open_requests: int
    overdue_requests: int


def my_enterprises(user, *, today: dt.date | None = None) -> list[MyEnterprise]:
    """The cadre's currently assigned enterprises, most urgent first.

    Order (why): an overdue request first — a department has missed its deadline on a problem
    this cadre collected, and the enterprise is waiting for someone to chase it; then enterprises
    due a visit under the county's rhythm, the longest gap (never visited) first, because
    coverage is what the programme is judged on; then the number of open requests still being
    handled, which the cadre should follow up on the next visit; then by name for a stable list.
    """
    today = today or timezone.localdate()
    access = access_for(user)
    if not access.cadre_id:
        return []
    # The enterprise's last visit by anyone: coverage counts the enterprise, not who went, so a
    # visit by a fellow liaison cadre also settles the rhythm.
    last_visit = (
        Visit.objects.filter(enterprise=OuterRef("enterprise_id")).order_by("-date").values("date")[:1]
    )
    pairs = (
        Assignment.objects.active()
        .filter(cadre_id=access.cadre_id)
        .select_related("enterprise__town")
        .annotate(
            last_visit=Subquery(last_visit),
            open_requests=_count(Request.objects.open(), "enterprise_id"),
            overdue_requests=_count(Request.objects.overdue(today), "enterprise_id"),
        )
    )
    result = [
        MyEnterprise(
            enterprise=a.enterprise,
            since=a.start,
            last_visit=a.last_visit,
            days_since=(today - a.last_visit).days if a.last_visit else None,
            due=due_for_visit(a.last_visit, today),
            open_requests=a.open_requests,
            overdue_requests=a.overdue_requests,
        )
        for a in pairs
    ]
    # At most QIQING_MAX_ASSIGNMENTS rows, so the urgency order is computed here with the same
    # due_for_visit() the rest of the county uses rather than re-stating the rhythm in SQL.
    result.sort(
        key=lambda r: (
            -r.overdue_requests,
            not r.due,
            r.last_visit or dt.date.min,
            -r.open_requests,
            r.enterprise.name,
        )
    )
    return result


# --- 一企一档 ------------------------------------------------------------------------------


TIMELINE_PAGE = 20
MEETUPS_SHOWN = 10


def file_enterprises():
    """Enterprises as the file reads them: with their town and whether they have tags and attended
    meetups (EXISTS columns), so the many without either cost no query for an empty panel."""
    Meetup = group_selectors.Meetup
    return Enterprise.objects.select_related("town").annotate(
        has_meetups=Exists(Meetup.enterprises.through.objects.filter(enterprise_id=OuterRef("pk"))),
        has_tags=Exists(Enterprise.tags.through.objects.filter(enterprise_id=OuterRef("pk"))),
    )


def enterprise_file(user, enterprise: Enterprise, *, page=None) -> dict:
    """Everything the enterprise file shows to this user, cut to their audience.

    Internal to staff (not shown to the enterprise's contact): visit summaries and the survey
    (cadres' working notes and the county's view of the business), tags (the county's own
    classification), past liaison cadres, participants' units and the visit detail pages.
    The contact sees the profile, the current liaison cadres (with phone: reaching them is the
    point of the pairing), the dates, modes and cadres of visits, and every request of theirs.
    A handler sees the profile and the requests their unit handles — not the visit log.
    """
    audience = file_audience(user, enterprise)
    page_obj = timeline_page(timeline(user, enterprise, audience), page)
    items, open_now = timeline_items(user, page_obj.object_list, enterprise=enterprise)
    context = {
        "enterprise": enterprise,
        "audience": audience,
        "full": audience == FULL,
        "page_obj": page_obj,
        "items": items,
        "open_requests": open_now,
        # Meetups (亲清会) it attended: each counts as a visit on its date for coverage.
        "meetups": list(group_selectors.enterprise_meetups(user, enterprise.pk)[:MEETUPS_SHOWN])
        if getattr(enterprise, "has_meetups", True)
        else [],
    }
    if audience != CONTACT:
        context["tags"] = list(enterprise.tags.all()) if getattr(enterprise, "has_tags", True) else []
    if audience != HANDLER:
        context["assignments"] = [
            a for a in liaison_assignments(enterprise) if audience == FULL or a.end is None
        ]
    if audience == FULL:
        context["series"] = survey_series(enterprise)
        context["can_log"] = enterprise.active
    return context


def file_audience(user, enterprise: Enterprise) -> str:
    """Which version of the enterprise file the user gets (the enterprise is already visible)."""
    parties = scope.parties(user, enterprise, among={ADMIN, SUPERVISOR, scope.PAIRED, scope.CONTACT})
    if parties & {ADMIN, SUPERVISOR, scope.PAIRED}:
        return FULL
    if scope.CONTACT in parties:
        return CONTACT
    return HANDLER


def liaison_assignments(enterprise: Enterprise):
    """Current liaison cadres first (lead first), then past pairings, newest first."""
    return enterprise.assignments.select_related("cadre__unit").order_by(
        F("end").desc(nulls_first=True), "-is_lead", "-start"
    )


def timeline(user, enterprise: Enterprise, audience: str):
    """Visits and requests of one enterprise as one stream, newest first, ready to paginate.

    One UNION of (kind, id, day, stamp) rows: the paginator counts and slices it in SQL, and
    ``timeline_items`` loads only the page's objects, so a page costs the same at any history size.
    """
    requests = (
        Request.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .order_by()
        .annotate(
            kind=Value("request", output_field=CharField()),
            item_id=F("pk"),
            day=TruncDate("submitted_at"),
            stamp=F("submitted_at"),
        )
        .values_list("kind", "item_id", "day", "stamp")
    )
    if audience == HANDLER:
        return requests.order_by("-day", "-stamp", "-item_id")
    visits = (
        Visit.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .order_by()
        .annotate(
            kind=Value("visit", output_field=CharField()),
            item_id=F("pk"),
            day=F("date"),
            stamp=F("created_at"),
        )
        .values_list("kind", "item_id", "day", "stamp")
    )
    return visits.union(requests, all=True).order_by("-day", "-stamp", "kind", "-item_id")


def timeline_page(rows, page, per_page: int = TIMELINE_PAGE):
    """One page of ``timeline`` rows and their total from one statement (``COUNT(*) OVER ()``)
    instead of the paginator's COUNT and then its slice: the file's timeline is compiled and sent
    once. A page past the end gets Django's answer (the last page), as ``get_page`` gives it."""
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    sql, params = rows.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, item_id, day, stamp, COUNT(*) OVER () FROM ({sql}) timeline "
            "ORDER BY day DESC, stamp DESC, kind, item_id DESC LIMIT %s OFFSET %s",
            [*params, per_page, (number - 1) * per_page],
        )
        fetched = cursor.fetchall()
    paginator = Paginator(rows, per_page)
    if not fetched and number > 1:
        return paginator.get_page(number)
    paginator.count = fetched[0][4] if fetched else 0  # the paginator's cached count, now known
    return Page([_timeline_row(*row[:4]) for row in fetched], number, paginator)


def _timeline_row(kind, item_id, day, stamp):
    """A raw row as ``values_list`` would give it (SQLite returns dates and times as text)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    if isinstance(stamp, str):
        stamp = parse_datetime(stamp)
        if stamp is not None and timezone.is_naive(stamp):
            stamp = timezone.make_aware(stamp, dt.UTC)
    return kind, item_id, day, stamp


@dataclass
class TimelineItem:
    kind: str
    day: dt.date
    obj: object


def timeline_items(user, rows, *, enterprise: Enterprise, today: dt.date | None = None):
    """Load the objects of one timeline page and the enterprise's open requests.

    Returns ``(items, open_requests)``. Every request the file shows — the page's requests, those
    raised at the page's visits and the enterprise's open ones (``open_requests``' order) — comes
    from one query; the page's visits from one more, with their participants and photos.
    """
    today = today or timezone.localdate()
    rows = list(rows)
    visit_ids = [row[1] for row in rows if row[0] == "visit"]
    request_ids = [row[1] for row in rows if row[0] == "request"]
    wanted = Q(enterprise=enterprise, status__in=Request.OPEN_STATUSES) | Q(pk__in=request_ids)
    if visit_ids:
        wanted |= Q(visit_id__in=visit_ids)
    requests = {
        r.pk: mark_late(r, today)
        # No ORDER BY (the model's default): the order is set in Python below, and with one
        # Django hashes every selected column to match it against the select list (inspect-based
        # expression identities: a third of this function's time).
        for r in Request.objects.visible_to(user)
        .filter(wanted)
        .select_related("category", "lead_unit")
        .order_by()
    }
    open_now = sorted(
        (
            r
            for r in requests.values()
            if r.enterprise_id == enterprise.pk and r.status in Request.OPEN_STATUSES
        ),
        key=_open_order,
    )
    visits = {}
    if visit_ids:
        raised: dict[int, list[Request]] = {}
        for r in sorted(requests.values(), key=lambda r: r.pk):
            if r.visit_id is not None:
                raised.setdefault(r.visit_id, []).append(r)
        visits = {
            v.pk: v
            for v in Visit.objects.filter(pk__in=visit_ids)
            .order_by()  # (the page's order is the rows'; see the requests above)
            .select_related("cadre__unit")
            .annotate(
                has_participants=Exists(Visit.participants.through.objects.filter(visit_id=OuterRef("pk"))),
                has_photos=Exists(VisitPhoto.objects.filter(visit_id=OuterRef("pk"))),
            )
        }
        _load_visit_panels(visits.values())
        for visit in visits.values():
            visit.raised = raised.get(visit.pk, [])
    items = []
    for kind, item_id, day, _stamp in rows:
        obj = visits.get(item_id) if kind == "visit" else requests.get(item_id)
        if obj is not None:
            items.append(TimelineItem(kind=kind, day=day, obj=obj))
    return items, open_now


def _load_visit_panels(visits) -> None:
    """Participants and photos for the visits that have them (one query each, none when no visit
    of the page has any); the others get empty lists without asking."""
    with_participants = [v for v in visits if v.has_participants]
    with_photos = [v for v in visits if v.has_photos]
    for visit in visits:
        if not visit.has_photos:
            visit.photo_list = []
        if not visit.has_participants:
            empty = visit.participants.all()
            empty._result_cache, empty._prefetch_done = [], True
            visit._prefetched_objects_cache = {"participants": empty}
    if with_participants:
        prefetch_related_objects(with_participants, "participants")
    if with_photos:
        prefetch_related_objects(
            with_photos, Prefetch("photos", queryset=VisitPhoto.objects.order_by("pk"), to_attr="photo_list")
        )


def _open_order(request: Request):
    """``open_requests``' order in Python: nearest response deadline first (none last), then oldest."""
    due = request.response_due
    return (due is None, due or dt.date.min, request.submitted_at, request.pk)


def mark_late(request: Request, today: dt.date) -> Request:
    """Overdue now (DESIGN.md §5): open with a running clock and past its response deadline."""
    request.late = bool(
        request.status in Request.CLOCK_STATUSES and request.response_due and request.response_due < today
    )
    return request


def open_requests(user, enterprise: Enterprise, *, today: dt.date | None = None) -> list[Request]:
    today = today or timezone.localdate()
    queryset = (
        Request.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .open()
        .select_related("category", "lead_unit")
        .order_by(F("response_due").asc(nulls_last=True), "submitted_at")
    )
    return [mark_late(r, today) for r in queryset]


@dataclass
class SurveyPoint:
    label: str  # 2026年3月
    month: dt.date
    headcount: int | None = None
    vacancies: int | None = None
    output_yoy: object = None


def survey_series(enterprise: Enterprise, *, months: int = 24) -> list[SurveyPoint]:
    """The survey indicators by month (the latest reading in each month), oldest first.

    Only the last ``months`` months that have a reading are kept, so the charts stay small.
    """
    readings = (
        Visit.objects.filter(enterprise=enterprise)
        .filter(Q(headcount__isnull=False) | Q(vacancies__isnull=False) | Q(output_yoy__isnull=False))
        .order_by("date", "pk")
        .values_list("date", "headcount", "vacancies", "output_yoy")
    )
    by_month: dict[dt.date, SurveyPoint] = {}
    for day, headcount, vacancies, output_yoy in readings:
        month = day.replace(day=1)
        label = _("%(year)s年%(month)s月") % {"year": day.year, "month": day.month}
        point = by_month.setdefault(month, SurveyPoint(label=label, month=month))
        # Later visits in the same month overwrite earlier ones: the newest reading wins.
        if headcount is not None:
            point.headcount = headcount
        if vacancies is not None:
            point.vacancies = vacancies
        if output_yoy is not None:
            point.output_yoy = output_yoy
    return [by_month[m] for m in sorted(by_month)][-months:]


# --- 走访记录 ------------------------------------------------------------------------------


def visit_list_queryset(user):
    """Visits the user may read, with what the list and the export show, newest first."""
    raised = Request.objects.filter(visit=OuterRef("pk")).order_by().values("visit").annotate(n=Count("*"))
    photos = VisitPhoto.objects.filter(visit=OuterRef("pk")).order_by().values("visit").annotate(n=Count("*"))
    return (
        Visit.objects.visible_to(user)
        .select_related("enterprise__town", "cadre__unit", "created_by")
        .annotate(
            problem_count=Coalesce(Subquery(raised.values("n"), output_field=IntegerField()), 0),
            photo_count=Coalesce(Subquery(photos.values("n"), output_field=IntegerField()), 0),
        )
        .order_by("-date", "-pk")
    )


EXPORT_HEADERS = [
    gettext_lazy("走访日期"),
    gettext_lazy("企业名称"),
    gettext_lazy("统一社会信用代码"),
    gettext_lazy("属地"),
    gettext_lazy("走访干部"),
    gettext_lazy("干部单位"),
    gettext_lazy("走访方式"),
    gettext_lazy("同行干部"),
    gettext_lazy("走访情况"),
    gettext_lazy("订单情况"),
    gettext_lazy("在岗职工数"),
    gettext_lazy("用工缺口(人)"),
    gettext_lazy("产值/销售同比(%)"),
    gettext_lazy("利润趋势"),
    gettext_lazy("提出诉求(件)"),
    gettext_lazy("登记人"),
    gettext_lazy("登记时间"),
    gettext_lazy("照片(张)"),
    gettext_lazy("签到"),
    gettext_lazy("定位精度(米)"),
    gettext_lazy("距企业(米)"),
    gettext_lazy("离线同步"),
]
EXPORT_WIDTHS = [12, 30, 22, 12, 10, 18, 12, 16, 50, 10, 10, 10, 14, 10, 10, 14, 18, 8, 10, 12, 10, 10]


EXPORT_MAX_ROWS = 20_000  # about 15 s of writing; beyond that the request would time out
EXPORT_CHUNK = 2000


def export_rows(queryset) -> Iterator[list]:
    """One spreadsheet row per visit, read in chunks as plain values (no model objects).

    Participants are fetched per chunk (one query per 2,000 visits) and choice codes are shown
    with their labels (in the reader's language), exactly as the list page shows them.
    """
    modes, orders, trends = (
        {value: str(label) for value, label in c.choices} for c in (Visit.Mode, Visit.Orders, Visit.Trend)
    )
    columns = (
        "pk",
        "date",
        "enterprise__name",
        "enterprise__uscc",
        "enterprise__town__name",
        "cadre__name",
        "cadre__unit__name",
        "mode",
        "summary",
        "orders",
        "headcount",
        "vacancies",
        "output_yoy",
        "profit_trend",
        "problem_count",
        "created_by__first_name",
        "created_by__last_name",
        "created_by__username",
        "created_at",
        "photo_count",
        "checkin_latitude",
        "location_mismatch",
        "checkin_accuracy",
        "checkin_distance",
        "offline",
    )
    chunk = []
    for row in queryset.values_list(*columns).iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield from _export_chunk(chunk, modes, orders, trends)
            chunk = []
    if chunk:
        yield from _export_chunk(chunk, modes, orders, trends)


def _export_chunk(chunk, modes, orders, trends) -> Iterator[list]:
    marks = {"checked_in": _("已签到"), "mismatch": _("位置不符"), "yes": _("是")}
    names: dict[int, list[str]] = {}
    through = Visit.participants.through.objects.filter(visit_id__in=[row[0] for row in chunk])
    for visit_id, name in through.order_by("cadre__name").values_list("visit_id", "cadre__name"):
        names.setdefault(visit_id, []).append(name)
    for (
        pk,
        day,
        enterprise,
        uscc,
        town,
        cadre,
        unit,
        mode,
        summary,
        order,
        headcount,
        vacancies,
        output_yoy,
        trend,
        problems,
        first_name,
        last_name,
        username,
        created_at,
        photo_count,
        latitude,
        mismatch,
        accuracy,
        distance,
        offline,
    ) in chunk:
        logged_by = f"{first_name} {last_name}".strip() or username or ""
        checkin = "" if latitude is None else (marks["mismatch"] if mismatch else marks["checked_in"])
        yield [
            day,
            enterprise,
            uscc,
            town,
            cadre,
            unit,
            modes.get(mode, mode),
            join(names[pk]) if pk in names else "",
            summary,
            orders.get(order, order),
            headcount,
            vacancies,
            output_yoy,
            trends.get(trend, trend),
            problems,
            logged_by,
            created_at,
            photo_count,
            checkin,
            accuracy,
            distance,
            marks["yes"] if offline else "",
        ]

"""Reads for the request pages: scoped querysets shaped for each list, and deadline explanations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from qiqing import scope
from requests_tracker import workdays
from requests_tracker.models import (
    Escalation,
    ExtensionRequest,
    Request,
    RequestAssist,
    SupervisionNotice,
    WorkdayOverride,
)
from requests_tracker.workdays import WorkCalendar

# The request lists' one join: each row's town, category and lead unit come from the reference
# tables (``requests_tracker.reference.attach``, called by the views' ``_page``).
LIST_JOINED = ("enterprise",)


def _pending_extension():
    return Exists(
        ExtensionRequest.objects.filter(request=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
    )


TRIAGE_COLUMNS = (
    "pk",
    "ref",
    "status",
    "source",
    "description",
    "submitted_at",
    "return_count",
    "enterprise_id",
    "category_id",
    "lead_unit_id",
    "parent_id",
    "team_id",
    "enterprise__name",
    "enterprise__town_id",
    "parent__ref",
    "team__name",
    "team__leader__name",
)


def _of_visible_requests(user) -> Q:
    """The condition on a request's related rows (extensions, escalations) for ``user``: none for
    a user who sees every request (the county), whose ``IN (SELECT … every request)`` cost the
    triage desk 1 ms of planning per panel."""
    visible = Request.objects.visible_to(user)
    if scope.sees_every_row(visible):
        return Q()
    return Q(request__in=visible)


def triage_queue(user):
    """Requests waiting for a supervisor's decision, those returned too often first."""
    flag = settings.QIQING_RETURN_FLAG_AFTER
    return (
        Request.objects.visible_to(user)
        .awaiting_triage()
        # The service-team suggestion (groups): team and leader joined, the team's units from
        # ``reference.attach_team_units``; town, category and lead unit from the reference tables
        # (the view's ``_page``). The row reads these columns, not the request's fifty-odd.
        .select_related(*LIST_JOINED, "parent", "team__leader")
        .only(*TRIAGE_COLUMNS)
        .annotate(
            flagged=Case(
                When(return_count__gt=flag, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-flagged", "submitted_at", "pk")
    )


def pending_extensions(user):
    return (
        ExtensionRequest.objects.filter(_of_visible_requests(user), status=ExtensionRequest.Status.PENDING)
        .select_related("request__enterprise", "unit")
        .order_by("asked_at", "pk")
    )


def open_escalations(user):
    return (
        Escalation.objects.filter(_of_visible_requests(user), answered_at__isnull=True)
        .select_related("request__enterprise", "request__lead_unit")
        .order_by("escalated_at", "pk")
    )


def awaiting_close(user):
    return (
        Request.objects.visible_to(user)
        .filter(status=Request.Status.RESPONDED, satisfaction__in=["satisfied", "basic"])
        # The desk's panel shows ref, enterprise, lead unit and rating: not the 50 other columns
        # (the lead unit from the reference table: ``reference.attach_lead_units``).
        .select_related("enterprise")
        .only("pk", "ref", "status", "satisfaction", "lead_unit_id", "enterprise__name")
        .order_by("rated_at", "pk")
    )


def inbox(user):
    """Requests assigned to the user's units (lead or assisting), most urgent first."""
    units = scope.handled_units(user)
    assisting = RequestAssist.objects.filter(request=OuterRef("pk"), unit_id__in=units).order_by("due")
    return (
        Request.objects.for_units(units)
        .filter(status__in=(*Request.CLOCK_STATUSES, Request.Status.RESPONDED))
        .select_related(*LIST_JOINED)  # and the reference tables (the view's ``_page``)
        .annotate(
            is_lead=Case(
                When(lead_unit_id__in=units, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            assist_open=Exists(assisting.filter(answered_at__isnull=True)),
            assist_due=Subquery(assisting.filter(answered_at__isnull=True).values("due")[:1]),
            extension_pending=_pending_extension(),
            # Answered requests only wait for the enterprise's rating: they go last.
            waiting=Case(
                When(status=Request.Status.RESPONDED, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by(
            "waiting", F("is_overdue").desc(), F("response_due").asc(nulls_last=True), "submitted_at", "pk"
        )
    )


def portal_requests(user):
    """The contact's own enterprise's requests, newest first."""
    enterprise_id = scope.own_enterprise_id(user)
    return (
        Request.objects.visible_to(user)
        .filter(enterprise_id=enterprise_id)
        .select_related("category", "lead_unit")
        .order_by("-submitted_at", "-pk")
    )


def timeline(request: Request, *, internal: bool):
    events = request.events.select_related("actor")
    return events if internal else events.filter(public=True)


# --- deadlines on screen -----------------------------------------------------------------
@dataclass
class DeadlineRow:
    label: str
    due: dt.date
    done_at: dt.datetime | None
    late: bool
    explanation: workdays.Explanation
    basis: str

    @property
    def estimated(self) -> bool:
        return self.explanation.estimated


def deadline_rows(
    request: Request, calendar: WorkCalendar | None = None, *, internal: bool = True
) -> list[DeadlineRow]:
    """Each deadline with how it was counted: days skipped and why, make-up days, estimates."""
    calendar = calendar or WorkCalendar.load()
    today = timezone.localdate()
    start = request.clock_start or (timezone.localdate(request.assigned_at) if request.assigned_at else None)
    rows = []
    if start is None:
        return rows
    open_clock = request.status in Request.CLOCK_STATUSES
    response = _("答复期限")
    spec = [
        (
            response,
            request.response_due,
            request.response_days,
            request.responded_at if not open_clock else None,
        )
    ]
    if internal:
        spec = [
            (
                _("签收期限"),
                request.sign_due,
                request.sign_days,
                None if request.awaiting_sign else request.signed_at,
            ),
            (_("联系企业期限"), request.contact_due, request.contact_days, request.contacted_at),
            *spec,
        ]
    for label, due, days, done_at in spec:
        if not due:
            continue
        if days is None and label is response:
            basis = _("经批准延期至 %(due)s（自 %(start)s 起计 %(days)s 个工作日）") % {
                "due": f"{due:%Y-%m-%d}",
                "start": f"{start:%Y-%m-%d}",
                "days": calendar.workdays_between(start, due),
            }
        elif days is None:
            basis = _("截至 %(due)s") % {"due": f"{due:%Y-%m-%d}"}
        else:
            basis = _("自 %(start)s 起 %(days)s 个工作日") % {"start": f"{start:%Y-%m-%d}", "days": days}
        late = done_at is None and open_clock and due < today
        rows.append(DeadlineRow(label, due, done_at, late, calendar.explain(start, due, days), basis))
    if request.status == Request.Status.RESPONDED and request.rating_due and request.responded_at:
        responded = timezone.localdate(request.responded_at)
        rows.append(
            DeadlineRow(
                _("评价期限"),
                request.rating_due,
                request.rated_at,
                False,
                calendar.explain(responded, request.rating_due, settings.QIQING_RATING_WINDOW_DAYS),
                _("答复后 %(days)s 个工作日内未评价则自动办结")
                % {"days": settings.QIQING_RATING_WINDOW_DAYS},
            )
        )
    return rows


# --- the calendar ------------------------------------------------------------------------
CALENDAR_CACHE_KEY = "qiqing:calendar:uncovered:v1"


CALENDAR_ROWS_KEY = "qiqing:calendar:rows:v1"


def forget_calendar_coverage(**kwargs) -> None:
    """Called on every write of a WorkdayOverride (signal, for cache invalidation only)."""
    cache.delete_many([CALENDAR_CACHE_KEY, CALENDAR_ROWS_KEY])


def page_calendar() -> WorkCalendar:
    """The working-day calendar a page *shows* (the request page's deadline rows): the override
    rows cached until the next calendar write, which drops them (``forget_calendar_coverage``).

    Services that set a deadline keep ``WorkCalendar.load()``: a transition always reads the rows.
    """
    rows = cache.get(CALENDAR_ROWS_KEY)
    if rows is None:
        rows = list(WorkdayOverride.objects.values_list("date", "is_workday", "name", "source", "note"))
        cache.set(CALENDAR_ROWS_KEY, rows, 600)
    return WorkCalendar(workdays.Override(*row) for row in rows)


def uncovered_years(years) -> list[int]:
    """Of ``years``, those neither the library nor admins' State Council rows cover (cached: the
    admins' banner asks on every page; dropped on every calendar write)."""
    outside = [year for year in years if year not in workdays.LIBRARY_YEARS]
    if not outside:
        return []
    known = cache.get(CALENDAR_CACHE_KEY) or {}
    key = ",".join(map(str, outside))
    if key not in known:
        known[key] = _uncovered(outside)
        cache.set(CALENDAR_CACHE_KEY, known, 600)
    return known[key]


def _uncovered(outside: list[int]) -> list[int]:
    entered = set(
        WorkdayOverride.objects.filter(source=WorkdayOverride.Source.STATE_COUNCIL, date__year__in=outside)
        .order_by()
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [year for year in outside if year not in entered]


@dataclass
class YearCoverage:
    year: int
    source: str  # library / entered / none
    holidays: int
    makeup: int
    overrides: int
    estimated_requests: int

    @property
    def label(self) -> str:
        labels = {
            "library": _("官方日历库"),
            "entered": _("管理员已录入"),
            "none": _("未覆盖（按周末和法定节假日估算）"),
        }
        return labels[self.source]


def calendar_coverage(years) -> list[YearCoverage]:
    calendar = WorkCalendar.load()
    estimated = {
        row["response_due__year"]: row["n"]
        for row in Request.objects.filter(deadline_estimated=True, status__in=Request.CLOCK_STATUSES)
        .values("response_due__year")
        .annotate(n=Count("pk"))
    }
    result = []
    for year in years:
        holidays = makeup = 0
        day = dt.date(year, 1, 1)
        while day.year == year:
            info = calendar.day(day)
            if not info.working and info.kind in ("holiday", "override_off"):
                holidays += 1
            if info.working and day.weekday() >= 5:
                makeup += 1
            day += dt.timedelta(days=1)
        overrides = sum(1 for date in calendar.overrides if date.year == year)
        result.append(
            YearCoverage(year, calendar.coverage(year), holidays, makeup, overrides, estimated.get(year, 0))
        )
    return result


def notices_for(user):
    return SupervisionNotice.objects.visible_to(user).select_related("request__enterprise", "unit", "town")

"""超期督办: every request overdue now in the user's scope, with its lead unit, working days
overdue and the supervision notices (催办 → 黄牌 → 红牌) issued; a summary by unit.

"Overdue" is the metric's own set (``metrics.overdue_queryset`` of a running period), so the
board's count equals the 当前超期件 card of the coverage dashboard for the same scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, Exists, Min, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import metrics
from analytics.dashboards.charts import figure, payload
from analytics.periods import Period
from analytics.tables import Column, Row, Table
from qiqing.i18n import join
from requests_tracker.models import Request, SupervisionNotice
from requests_tracker.workdays import WorkCalendar

LEVEL_LABELS = {
    "none": gettext_lazy("未督办"),
    SupervisionNotice.Level.REMINDER: gettext_lazy("催办"),
    SupervisionNotice.Level.YELLOW: gettext_lazy("黄牌"),
    SupervisionNotice.Level.RED: gettext_lazy("红牌"),
}
LEVEL_TONES = {"none": "", "reminder": "info", "yellow": "warning", "red": "danger"}
LEVEL_COLOURS = {"none": "#8a8f98", "reminder": "#0b4f8a", "yellow": "#f9a825", "red": "#c62828"}


def _issued(level: str):
    return Exists(
        SupervisionNotice.objects.filter(request=OuterRef("pk"), due=OuterRef("response_due"), level=level)
    )


def top_notice():
    """The highest rung issued for the request's current deadline ("none" before any)."""
    L = SupervisionNotice.Level
    return Case(
        When(_issued(L.RED), then=Value(L.RED)),
        When(_issued(L.YELLOW), then=Value(L.YELLOW)),
        When(_issued(L.REMINDER), then=Value(L.REMINDER)),
        default=Value("none"),
        output_field=CharField(),
    )


def overdue_requests(user, today: dt.date):
    """Requests overdue today that the user may see, with ``top_notice``, most overdue first."""
    overdue = metrics.overdue_queryset(Period(today, today), today)
    return (
        (Request.objects.visible_to(user) & overdue)
        .select_related("enterprise__town", "category", "lead_unit")
        .annotate(top_notice=top_notice())
        .order_by("response_due", "submitted_at", "pk")
    )


def working_days_late(calendar: WorkCalendar, dues, today: dt.date) -> dict[dt.date, int]:
    """{due date: working days from the due date to today} — the count the notices use
    (``workdays_between``), walked once for all dates instead of once per request."""
    dues = sorted({d for d in dues if d and d < today})
    if not dues:
        return {}
    out, count, day = {}, 0, dues[0]
    cumulative = {day: 0}
    while day < today:
        day += dt.timedelta(days=1)
        count += calendar.day(day).working
        cumulative[day] = count
    for due in dues:
        out[due] = count - cumulative[due]
    return out


BOARD_COLUMNS = [
    Column("ref", gettext_lazy("编号")),
    Column("enterprise", gettext_lazy("企业"), card="title"),
    Column("town", gettext_lazy("属地"), css="d-none d-lg-table-cell"),
    Column("category", gettext_lazy("类别"), css="d-none d-md-table-cell"),
    Column("unit", gettext_lazy("牵头单位")),
    Column("due", gettext_lazy("答复期限"), "date", "d-none d-sm-table-cell"),
    Column("days", gettext_lazy("超期(工作日)"), "int", card="key"),
    Column("level", gettext_lazy("督办等级")),
    Column("notices", gettext_lazy("已发督办"), css="d-none d-md-table-cell"),
]

UNIT_COLUMNS = [
    Column("unit", gettext_lazy("牵头单位")),
    Column("total", gettext_lazy("超期件"), "int", up_is_good=False),
    Column("red", gettext_lazy("红牌"), "int"),
    Column("yellow", gettext_lazy("黄牌"), "int"),
    Column("reminder", gettext_lazy("催办"), "int", "d-none d-sm-table-cell"),
    Column("none", gettext_lazy("未督办"), "int", "d-none d-sm-table-cell"),
    Column("longest", gettext_lazy("最长超期(工作日)"), "int"),
]


@dataclass
class OverduePage:
    total: int
    board: Table
    by_unit: Table
    page_obj: object
    charts: dict = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [self.board, self.by_unit]


def overdue_page(queryset, today: dt.date, page_number=None, *, paged: bool = True) -> OverduePage:
    calendar = WorkCalendar.load()
    page_obj = Paginator(queryset, 50).get_page(page_number) if paged else None
    rows = list(page_obj.object_list if paged else queryset)
    notices = defaultdict(list)
    for notice in SupervisionNotice.objects.filter(request__in=[r.pk for r in rows]).order_by(
        "issued_at", "pk"
    ):
        notices[notice.request_id].append(notice)
    late = working_days_late(calendar, [r.response_due for r in rows], today)
    board_rows = [
        Row(
            {
                "ref": r.ref,
                "enterprise": r.enterprise.name,
                "town": r.enterprise.town.name,
                "category": r.category.name,
                "unit": r.lead_unit.name if r.lead_unit else "—",
                "due": r.response_due,
                "days": late.get(r.response_due, 0),
                "level": str(LEVEL_LABELS[r.top_notice]),
                "notices": join(f"{n.get_level_display()} {n.issued_at:%m-%d}" for n in notices.get(r.pk, []))
                or "—",
            },
            links={"ref": reverse("requests_tracker:detail", args=[r.pk])},
            tone=LEVEL_TONES[r.top_notice],
            data={"request": r.ref, "level": r.top_notice},
        )
        for r in rows
    ]
    summary = list(
        queryset.order_by()
        .values("lead_unit_id", "lead_unit__name")
        .annotate(
            total=Count("pk"),
            red=Count("pk", filter=Q(top_notice="red")),
            yellow=Count("pk", filter=Q(top_notice="yellow")),
            reminder=Count("pk", filter=Q(top_notice="reminder")),
            none=Count("pk", filter=Q(top_notice="none")),
            oldest=Min("response_due"),
        )
        .order_by("-total", "lead_unit__name")
    )
    oldest = working_days_late(calendar, [s["oldest"] for s in summary], today)
    unit_rows = [
        Row(
            {
                "unit": s["lead_unit__name"] or _("（未交办）"),
                **{k: s[k] for k in ("total", "red", "yellow", "reminder", "none")},
                "longest": oldest.get(s["oldest"], 0),
            },
            data={"unit": s["lead_unit_id"] or ""},
        )
        for s in summary
    ]
    total = page_obj.paginator.count if paged else len(rows)
    board = Table(
        "board",
        _("超期诉求"),
        BOARD_COLUMNS,
        board_rows,
        note=_("超期：已交办未答复且已过答复期限；超期天数按法定工作日计（与督办通知一致）。"),
        empty=gettext_lazy("当前没有超期诉求。"),
        cards=True,
    )
    by_unit = Table(
        "units", _("各牵头单位超期情况"), UNIT_COLUMNS, unit_rows, empty=gettext_lazy("当前没有超期诉求。")
    )
    page = OverduePage(total=total, board=board, by_unit=by_unit, page_obj=page_obj)
    page.charts = {"units": _unit_chart(unit_rows)}
    return page


def _unit_chart(rows: list[Row]) -> dict:
    names = [r.values["unit"] for r in rows]
    fig = figure(
        [
            {
                "type": "bar",
                "y": names,
                "x": [r.values[level] for r in rows],
                "name": str(LEVEL_LABELS[level]),
                "orientation": "h",
                "marker": {"color": LEVEL_COLOURS[level]},
                "hovertemplate": _("%{y}：%{x} 件<extra></extra>"),
            }
            for level in ("red", "yellow", "reminder", "none")
        ],
        barmode="stack",
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        xaxis={"rangemode": "tozero", "tickformat": "d"},
    )
    return payload(fig, height=max(180, 80 + 26 * len(names)), l=8)

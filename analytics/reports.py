"""The monthly report for leaders (月报): one workbook with the headline figures, coverage by town,
the category mix and the week's red and black lists, for the county or one town.

It is built from the same readers as the dashboards (``analytics.windows.figures`` and the
coverage page's town table), so every number equals the dashboard's for the same month and scope.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import metrics, windows
from analytics.dashboards import coverage, rankings
from analytics.models import TownRanking
from analytics.periods import MONTH, Period
from analytics.tables import Column, Row, Table, change, to_sheets
from enterprises.models import Town
from qiqing.xlsx import Sheet, write_workbook
from requests_tracker.models import Batch

HEADLINE = [
    # key, label, kind
    ("enterprises_active", gettext_lazy("在册企业"), "int"),
    ("enterprises_visited", gettext_lazy("已走访企业"), "int"),
    ("coverage_rate", gettext_lazy("走访覆盖率"), "pct"),
    ("visits", gettext_lazy("走访次数"), "int"),
    ("requests", gettext_lazy("收集诉求"), "int"),
    ("closed", gettext_lazy("已办结"), "int"),
    ("closure_rate", gettext_lazy("办结率"), "pct"),
    ("closed_on_time", gettext_lazy("按期办结"), "int"),
    ("on_time_rate", gettext_lazy("按期办结率"), "pct"),
    ("face_to_face_rate", gettext_lazy("问题见面率"), "pct"),
    ("feedback_rate", gettext_lazy("反馈率"), "pct"),
    ("satisfaction_rate", gettext_lazy("满意率"), "pct"),
    ("overdue", gettext_lazy("月末超期件"), "int"),
]


TRUST_ROWS = [
    # key, label, kind — analytics.metrics.TrustMetrics (definitions there)
    ("satisfaction_rate", gettext_lazy("满意率（申诉前）"), "pct"),
    ("satisfaction_after_appeals_rate", gettext_lazy("满意率（申诉后）"), "pct"),
    ("rated", gettext_lazy("真实评价"), "int"),
    ("callback_confirmed", gettext_lazy("未评价但回访确认"), "int"),
    ("overturned", gettext_lazy("申诉撤销的不满意评价"), "int"),
    ("unrated_closed", gettext_lazy("逾期未评自动办结"), "int"),
    ("callbacks", gettext_lazy("回访任务"), "int"),
    ("callback_rate", gettext_lazy("回访率"), "pct"),
    ("closures_checked", gettext_lazy("回访核实的办结件"), "int"),
    ("false_closures", gettext_lazy("不实办结"), "int"),
    ("false_closure_rate", gettext_lazy("不实办结率"), "pct"),
]


def _comparison_table(key: str, title: str, rows, current, previous) -> Table:
    """指标 | 本月 | 上月 | 变化, one row per (key, label, kind)."""
    return Table(
        key,
        title,
        [
            Column("label", _("指标")),
            Column("current", _("本月"), "raw"),
            Column("previous", _("上月"), "raw"),
            Column("change", _("变化"), "raw"),
        ],
        [
            Row(
                {
                    "label": f"{label}(%)" if kind == "pct" else label,
                    "current": getattr(current, name),
                    "previous": getattr(previous, name),
                    "change": change(getattr(current, name), getattr(previous, name)),
                },
                data={"metric": name, "kind": kind},
            )
            for name, label, kind in rows
        ],
    )


def month_window(month: dt.date, today: dt.date) -> windows.Window:
    """The report's month (through yesterday if it is still running) and the month before."""
    calendar = Period.containing(MONTH, month)
    previous = windows.previous_calendar(MONTH, calendar.start)
    yesterday = today - dt.timedelta(days=1)
    if calendar.end >= today:
        return windows.Window(calendar.until(max(calendar.start, yesterday)), previous, "month", running=True)
    return windows.Window(calendar, previous, "last_month")


@dataclass
class MonthlyReport:
    title: str
    window: windows.Window
    scope_label: str
    current: metrics.Metrics
    previous: metrics.Metrics
    headline: Table
    towns: Table
    categories: Table
    ranking: Table
    trust: Table
    three: Table | None = None
    batches: Table | None = None

    @property
    def tables(self) -> list[Table]:
        extra = [t for t in (self.three, self.batches) if t is not None]
        return [self.headline, self.towns, self.categories, self.ranking, self.trust, *extra]


def monthly_report(month: dt.date, town: Town | None, today: dt.date, progress=None) -> MonthlyReport:
    step = progress or (lambda done, message: None)
    window = month_window(month, today)
    choice = coverage.ScopeChoice(allowed_town_ids=None, town=town)
    scope, restriction = choice.headline()
    current = windows.one(window.period, scope, restriction, today)
    previous = windows.one(window.previous, scope, restriction, today)
    step(1, _("主要指标"))
    headline = _comparison_table("headline", _("主要指标"), HEADLINE, current, previous)
    towns = coverage._town_table(choice, window, today, "")
    step(2, _("镇街覆盖"))
    names = metrics.category_names()
    categories = Table(
        "categories",
        _("问题分布"),
        [
            Column("category", _("问题类别")),
            Column("count", _("本月件数"), "int"),
            Column("share", _("本月占比"), "pct"),
            Column("previous", _("上月件数"), "int"),
            Column("previous_share", _("上月占比"), "pct"),
            Column("shift", _("占比变化"), "pp"),
        ],
        [
            Row(
                {
                    "category": name,
                    "count": current.category_counts.get(name, 0),
                    "share": current.issue_share(names)[name],
                    "previous": previous.category_counts.get(name, 0),
                    "previous_share": previous.issue_share(names)[name],
                    "shift": change(current.issue_share(names)[name], previous.issue_share(names)[name]),
                }
            )
            for name in names
        ],
    )
    step(3, _("问题分布"))
    ranking = (
        TownRanking.objects.filter(
            week_start__gte=window.period.start - dt.timedelta(days=6),
            week_start__lte=window.period.end - dt.timedelta(days=6),
        )
        .order_by("-week_start")
        .first()
    )
    if ranking is not None:
        entries = list(ranking.entries.select_related("town").order_by("rank", "town__order"))
        ranking_table = rankings.ranking_table(ranking, entries)
        ranking_table.title = _("红黑榜")
    else:
        ranking_table = Table(
            "ranking",
            _("红黑榜"),
            [Column("note", _("说明"))],
            [Row({"note": _("本月没有已完成的擂台比武排名。")})],
        )
    step(4, _("红黑榜"))
    trust_scope = metrics.Scope(metrics.TOWN, town.code) if town else metrics.COUNTY_SCOPE
    trust = _comparison_table(
        "trust",
        _("评价可信度"),
        TRUST_ROWS,
        metrics.trust(window.period, trust_scope),
        metrics.trust(window.previous, trust_scope),
    )
    three = coverage.three_rates_table(
        current, choice.label, towns, coverage._unit_table(choice, window, today)
    )
    batches = batch_rates_table(window.period, town)
    scope_label = town.name if town else _("全县")
    title = _("企情在线月报 %(month)s %(scope)s") % {"month": window.label, "scope": scope_label}
    return MonthlyReport(
        title, window, scope_label, current, previous, headline, towns, categories, ranking_table, trust,
        three, batches,
    )  # fmt: skip


def batch_rates_table(period: Period, town: Town | None) -> Table:
    """The batches (交办批次) assigned in the period with their three 100 %, closure and overdue."""
    batches = Batch.objects.filter(created_at__gte=period.start_at, created_at__lt=period.end_at)
    if town is not None:
        batches = batches.filter(requests__enterprise__town=town).distinct()
    batches = list(batches.order_by("year", "number"))
    figures = metrics.compute_batches([b.pk for b in batches])
    return Table(
        "batches",
        _("交办批次"),
        BATCH_COLUMNS,
        [Row({"label": str(b.label), **batch_values(figures[b.pk])}, data={"batch": b.pk}) for b in batches],
        empty=_("本月没有交办批次。"),
    )


BATCH_COLUMNS = [
    Column("label", gettext_lazy("批次")),
    Column("requests", gettext_lazy("诉求"), "int"),
    Column("closed", gettext_lazy("已办结"), "int"),
    Column("closure_rate", gettext_lazy("办结率"), "pct"),
    Column("on_time_rate", gettext_lazy("按期办结率"), "pct"),
    Column("overdue", gettext_lazy("超期件"), "int"),
    Column("face_to_face_rate", gettext_lazy("问题见面率"), "pct"),
    Column("feedback_rate", gettext_lazy("反馈率"), "pct"),
    Column("satisfaction_rate", gettext_lazy("满意率"), "pct"),
]


def batch_values(m: metrics.Metrics) -> dict:
    return {
        "requests": m.requests,
        "closed": m.closed,
        "closure_rate": m.closure_rate,
        "on_time_rate": m.on_time_rate,
        "overdue": m.overdue,
        "face_to_face_rate": m.face_to_face_rate,
        "feedback_rate": m.feedback_rate,
        "satisfaction_rate": m.satisfaction_rate,
    }


def report_sheets(report: MonthlyReport, *, author: str = "") -> list[Sheet]:
    """The workbook: a cover sheet, then the report's tables (rates in % as numbers)."""
    cover = Sheet(
        title=_("说明"),
        headers=[_("项目"), _("内容")],
        rows=[
            [_("报告"), report.title],
            [_("统计范围"), report.scope_label],
            [_("统计周期"), report.window.span],
            [_("对比周期"), report.window.previous_label],
            [_("生成时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
            [_("生成人"), author],
            [
                _("口径"),
                _(
                    "覆盖率、办结率等按 DESIGN.md 第 5 节的定义计算，与“走访覆盖情况”看板及 manage.py metrics 一致。"
                ),
            ],
        ],
        widths=[14, 80],
    )
    return [cover, *to_sheets(report.tables)]


def build_monthly_report(job) -> dict:
    """The BackgroundJob work of a monthly report: build, store under MEDIA_ROOT, return the result."""
    month = dt.date.fromisoformat(job.params["month"] + "-01")
    code = job.params.get("town")
    town = Town.objects.get(code=code) if code else None
    job.report_progress(0, 5, _("正在计算"))
    report = monthly_report(
        month,
        town,
        timezone.localdate(),
        progress=lambda done, message: job.report_progress(done, 5, message),
    )
    author = job.created_by.get_full_name() or job.created_by.username if job.created_by else ""
    buffer = io.BytesIO()
    write_workbook(buffer, report_sheets(report, author=author))
    stored = f"monthly-report-{job.params['month']}-{code or 'county'}-{job.pk}.xlsx"
    job.result_file.save(stored, ContentFile(buffer.getvalue()), save=False)
    job.report_progress(5, 5, _("已生成"))
    return {"filename": f"{report.title.replace(' ', '_')}.xlsx", "title": report.title}

"""Reads for the analytics pages; every figure comes from ``analytics.metrics``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics import metrics
from analytics.models import TownRanking
from analytics.periods import MONTH, QUARTER, YEAR, Period, to_date
from cadres.models import Cadre
from qiqing.i18n import join
from qiqing.models import JobRun
from visits import rhythm
from visits.models import Visit

RECORD_PERIODS = ((MONTH, _("本月")), (QUARTER, _("本季度")), (YEAR, _("本年")))


@dataclass
class RecordColumn:
    label: str
    period: Period
    figures: metrics.Metrics


def record_periods(today: dt.date) -> list[tuple[str, str, Period]]:
    """This month, this quarter and this year, each up to today."""
    return [(kind, label, to_date(today, kind)) for kind, label in RECORD_PERIODS]


def cadre_record(cadre: Cadre, today: dt.date | None = None) -> list[RecordColumn]:
    """A cadre's own figures (cadre scope) for this month, quarter and year to date."""
    today = today or timezone.localdate()
    key_map = metrics.KeyMap.from_objects(metrics.CADRE, [cadre])
    return [
        RecordColumn(
            label=label,
            period=period,
            figures=metrics.compute_grouped(
                period, metrics.CADRE, keys=[cadre.code], key_map=key_map, today=today
            )[cadre.code],
        )
        for _kind, label, period in record_periods(today)
    ]


@dataclass
class DueEnterprise:
    enterprise_id: int
    name: str
    town: str
    is_lead: bool
    last_visit: dt.date | None
    due: bool


def cadre_enterprises(cadre: Cadre, today: dt.date | None = None) -> list[DueEnterprise]:
    """The cadre's current enterprises with their last visit and whether one is due (走访频次)."""
    today = today or timezone.localdate()
    last_visit = (
        Visit.objects.filter(enterprise=OuterRef("enterprise"), date__lte=today)
        .order_by("-date")
        .values("date")[:1]
    )
    rows = (
        cadre.assignments.filter(end__isnull=True)
        .annotate(last_visit=Subquery(last_visit))
        .order_by("enterprise__name")
        .values_list("enterprise_id", "enterprise__name", "enterprise__town__name", "is_lead", "last_visit")
    )
    return [
        DueEnterprise(pk, name, town, lead, last, rhythm.due_for_visit(last, today))
        for pk, name, town, lead, last in rows
    ]


def cadre_page_figures(cadres, period: Period, today: dt.date | None = None) -> dict[str, metrics.Metrics]:
    """Figures for a page of cadres in one grouped computation (constant queries per page)."""
    cadres = list(cadres)
    if not cadres:
        return {}
    key_map = metrics.KeyMap.from_objects(metrics.CADRE, cadres)
    return metrics.compute_grouped(
        period, metrics.CADRE, keys=[c.code for c in cadres], key_map=key_map, today=today
    )


TRIGGER_LABELS = {"beat": _("定时"), "command": _("命令"), "manual": _("手动")}


def _count_text(value) -> str:
    if isinstance(value, list | tuple):
        return join(value) or "—"
    return str(value)


@dataclass
class RunView:
    run: JobRun
    trigger: str
    seconds: float | None
    counts: list[tuple[str, str]]


def _run_view(run: JobRun | None, count_labels: dict) -> RunView | None:
    if run is None:
        return None
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    counts = [(count_labels.get(k, k), _count_text(v)) for k, v in (run.counts or {}).items()]
    return RunView(run, TRIGGER_LABELS.get(run.trigger, run.trigger), seconds, counts)


@dataclass
class JobStatus:
    job: object
    last_run: RunView | None
    last_success: RunView | None


def job_statuses(jobs, count_labels: dict) -> list[JobStatus]:
    """Each scheduled job with its latest run and latest successful run (two queries per job;
    the number of jobs is fixed by the schedule, not by data)."""
    out = []
    for job in jobs:
        runs = JobRun.objects.filter(name=job.name).order_by("-started_at")
        out.append(
            JobStatus(
                job,
                _run_view(runs.first(), count_labels),
                _run_view(runs.filter(ok=True).first(), count_labels),
            )
        )
    return out


def recent_runs(count_labels: dict, limit: int = 30) -> list[RunView]:
    return [_run_view(run, count_labels) for run in JobRun.objects.order_by("-started_at")[:limit]]


def ranking_for(week_start: dt.date | None = None):
    """The ranking of the given week (or the latest), its entries, and the weeks available."""
    ranking, weeks = ranking_week(week_start)
    return ranking, ranking_entries(ranking), weeks


def ranking_week(week_start: dt.date | None = None):
    """The ranking of the given week (or the latest) and the weeks available, without entries."""
    rankings = TownRanking.objects.all()
    ranking = (
        rankings.filter(week_start=week_start).first()
        if week_start
        else rankings.order_by("-week_start").first()
    )
    weeks = list(rankings.order_by("-week_start").values_list("week_start", flat=True)[:52])
    return ranking, weeks


def ranking_entries(ranking: TownRanking | None) -> list:
    return list(ranking.entries.select_related("town").order_by("rank", "town__order")) if ranking else []

"""The dashboards' period choice (本月 / 上月 / 本季度 … / 自定义) and where their figures come from.

Dashboards show figures "through yesterday" (T+1): the nightly ``compute_snapshots`` has stored
every calendar period × scope with data up to the last complete day, so the month, quarter or
year to date — and every complete past period — is a handful of Snapshot rows. ``figures``
reads those rows when they cover exactly the window asked for, and otherwise (a custom range,
an enterprise-attribute restriction, a snapshot not computed yet) asks ``analytics.metrics``
directly; both give the same numbers, the snapshot only faster.

The comparison compares like with like. A period still running (this month, five days old) is
compared with the same number of days at the start of the previous period (1–5 November for
1–5 December, "较上月同期"), never with the whole previous month; a complete period with the whole
previous one ("较上月"); a custom range with the same number of days just before it. The cards
and the window line say which (``Window.compare_note``).

The dashboards open on the period of the visit rhythm (``QIQING_VISIT_RHYTHM``: a quarter by
default), the span in which every enterprise is due a visit, not on a month a few days old.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import metrics
from analytics.models import Snapshot
from analytics.periods import DAY, MONTH, QUARTER, WEEK, YEAR, Period

CURRENT, LAST = "", "last_"
PERIOD_CHOICES = [
    ("month", gettext_lazy("本月")),
    ("last_month", gettext_lazy("上月")),
    ("quarter", gettext_lazy("本季度")),
    ("last_quarter", gettext_lazy("上季度")),
    ("year", gettext_lazy("本年")),
    ("last_year", gettext_lazy("上年")),
    ("custom", gettext_lazy("自定义")),
]
DEFAULT_PERIOD = "month"
# The visit rhythm → the period the dashboards open on (a half-year is not a choice: its quarter).
RHYTHM_PERIODS = {"month": "month", "quarter": "quarter", "half": "quarter", "year": "year"}


def default_period() -> str:
    """The period choice a dashboard opens on: the visit rhythm's (a quarter by default)."""
    return RHYTHM_PERIODS.get(settings.QIQING_VISIT_RHYTHM, DEFAULT_PERIOD)


# A custom range longer than this is refused: the figures would be computed from raw rows.
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Window:
    """The period the figures cover and the one they are compared with."""

    period: Period
    previous: Period | None
    choice: str
    # The calendar period has not ended: its figures run to ``period.end`` (yesterday).
    running: bool = False
    # The window contains today (the first day of a period: no complete day yet).
    live: bool = False

    @property
    def label(self) -> str:
        return _label(self.period)

    @property
    def previous_label(self) -> str:
        return _label(self.previous) if self.previous else ""

    @property
    def compare_note(self) -> str:
        """What a change on a card is against: "较上月同期", "较上季度", "较前 30 天" …"""
        if self.previous is None:
            return ""
        if self.choice == "custom":
            return _("较前 %(n)s 天") % {"n": self.previous.days}
        kind = self.choice[len(LAST) :] if self.choice.startswith(LAST) else self.choice
        if self.running:
            return str(SAME_DAYS_NOTES[kind])
        return str(WHOLE_NOTES[kind])

    @property
    def span(self) -> str:
        return _("%(start)s 至 %(end)s") % {
            "start": f"{self.period.start:%Y-%m-%d}",
            "end": f"{self.period.end:%Y-%m-%d}",
        }


SAME_DAYS_NOTES = {
    MONTH: gettext_lazy("较上月同期"),
    QUARTER: gettext_lazy("较上季度同期"),
    YEAR: gettext_lazy("较上年同期"),
}
WHOLE_NOTES = {MONTH: gettext_lazy("较上月"), QUARTER: gettext_lazy("较上季度"), YEAR: gettext_lazy("较上年")}


def _label(period: Period) -> str:
    if period.kind in (MONTH, QUARTER, YEAR):
        calendar = Period.containing(period.kind, period.start)
        if calendar.end != period.end:
            return _("%(label)s（截至%(m)s月%(d)s日）") % {
                "label": calendar.label,
                "m": period.end.month,
                "d": period.end.day,
            }
        return calendar.label
    return period.label


def previous_calendar(kind: str, period_start: dt.date) -> Period:
    return Period.containing(kind, period_start - dt.timedelta(days=1))


def resolve(choice: str, today: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Window:
    """The window of a period choice on ``today``; ``start``/``end`` for "custom" (validated by
    the filter form)."""
    yesterday = today - dt.timedelta(days=1)
    if choice == "custom":
        period = Period(start, end)
        days = period.days
        previous = Period(start - dt.timedelta(days=days), start - dt.timedelta(days=1))
        return Window(period, previous, choice, live=end >= today)
    last = choice.startswith(LAST)
    kind = choice[len(LAST) :] if last else choice
    if kind not in (MONTH, QUARTER, YEAR):
        raise ValueError(f"unknown period choice {choice!r}")
    calendar = Period.containing(kind, today)
    if last:
        calendar = previous_calendar(kind, calendar.start)
        return Window(calendar, previous_calendar(kind, calendar.start), choice)
    previous = previous_calendar(kind, calendar.start)
    if calendar.start > yesterday:
        # The first day of the period: nothing complete yet, so today's activity so far —
        # against the previous period's first day.
        return Window(Period(today, today, kind), same_days(previous, 1), choice, running=True, live=True)
    period = calendar.until(yesterday)
    return Window(period, same_days(previous, period.days), choice, running=True)


def same_days(previous: Period, days: int) -> Period:
    """The first ``days`` days of ``previous`` (all of it when it is shorter): 1–5 November
    against 1–5 December, 1 October–5 November … against the running quarter."""
    end = min(previous.end, previous.start + dt.timedelta(days=days - 1))
    return Period(previous.start, end, previous.kind)


# --- figures: snapshot rows when they cover the window, the metrics module otherwise -----------


def snapshot_slot(period: Period, today: dt.date) -> tuple[str, dt.date] | None:
    """(kind, start) of the calendar period whose snapshot holds exactly ``period``: it starts
    with that calendar period and ends at its end or yesterday, whichever comes first."""
    yesterday = today - dt.timedelta(days=1)
    for kind in (YEAR, QUARTER, MONTH, WEEK, DAY):
        calendar = Period.containing(kind, period.start)
        if calendar.start == period.start and period.end == min(calendar.end, yesterday):
            return kind, calendar.start
    return None


def figures(
    period: Period,
    kind: str,
    *,
    keys: list[str] | None = None,
    restriction: metrics.Restriction | None = None,
    today: dt.date,
) -> dict[str, metrics.Metrics]:
    """{key: Metrics} for ``keys`` of scope ``kind`` (every key with activity when None)."""
    slot = snapshot_slot(period, today) if not restriction else None
    if slot is not None:
        rows = Snapshot.objects.filter(
            period=slot[0], period_start=slot[1], scope=kind, data_until=period.end
        ).only("scope_key", "category_counts", *metrics.COUNT_FIELDS)
        if keys is not None:
            rows = rows.filter(scope_key__in=keys)
        stored = {row.scope_key: metrics.Metrics.from_snapshot(row) for row in rows}
        # Every slot stores a row for each town, active unit and cadre and the county, so no
        # rows at all means the slot has not been computed (yet) for this window.
        if stored:
            if keys is None:
                return stored
            return {key: stored.get(key, metrics.Metrics()) for key in keys}
    return metrics.compute_grouped(period, kind, keys=keys, restriction=restriction or None, today=today)


def one(period: Period, scope: metrics.Scope, restriction: metrics.Restriction | None, today: dt.date):
    key = scope.key if scope.kind != metrics.COUNTY else ""
    return figures(period, scope.kind, keys=[key], restriction=restriction, today=today)[key]


def category_counts(
    periods: list[Period],
    kind: str,
    key: str,
    *,
    restriction: metrics.Restriction | None = None,
    today: dt.date,
) -> list[metrics.CategoryCounts]:
    """The category counts of each period for one scope key: from the snapshot row of every
    period a slot holds exactly (one query for all of them), the rest from one
    ``metrics.category_counts_series`` scan of just their days."""
    out: list[metrics.CategoryCounts | None] = [None] * len(periods)
    wanted = {}
    if not restriction:
        for i, period in enumerate(periods):
            slot = snapshot_slot(period, today)
            if slot is not None:
                wanted[i] = (slot, period.end)
    if wanted:
        condition = Q()
        for (kind_, start), until in wanted.values():
            condition |= Q(period=kind_, period_start=start, data_until=until)
        stored = {
            (row_kind, start): counts
            for row_kind, start, counts in Snapshot.objects.filter(
                condition, scope=kind, scope_key=key
            ).values_list("period", "period_start", "category_counts")
        }
        for i, (slot, _until) in wanted.items():
            if slot in stored:
                out[i] = metrics.CategoryCounts({k: v for k, v in (stored[slot] or {}).items() if v})
    missing = [i for i, counts in enumerate(out) if counts is None]
    if missing:
        series = metrics.category_counts_series(
            [periods[i] for i in missing], kind, keys=[key], restriction=restriction
        )[key]
        for i, counts in zip(missing, series, strict=True):
            out[i] = counts
    return out


def category_counts_by_key(
    period: Period,
    kind: str,
    keys: list[str],
    *,
    restriction: metrics.Restriction | None = None,
    today: dt.date,
) -> dict[str, metrics.CategoryCounts]:
    """One period's category counts for several keys (the towns of the heat map): snapshot rows
    when a slot holds the period, else one scan."""
    slot = snapshot_slot(period, today) if not restriction else None
    if slot is not None:
        rows = Snapshot.objects.filter(
            period=slot[0], period_start=slot[1], scope=kind, scope_key__in=keys, data_until=period.end
        ).values_list("scope_key", "category_counts")
        stored = dict(rows)
        if stored:
            return {
                key: metrics.CategoryCounts({k: v for k, v in (stored.get(key) or {}).items() if v})
                for key in keys
            }
    series = metrics.category_counts_series([period], kind, keys=keys, restriction=restriction)
    return {key: series[key][0] for key in keys}

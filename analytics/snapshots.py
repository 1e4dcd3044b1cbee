"""Snapshots (指标快照): the metrics of every calendar period × scope, stored so dashboards read a
small table instead of scanning history.

A snapshot holds the counts of ``analytics.metrics`` for its period up to ``data_until`` — the
period's last day, or for a period still running the last complete day (yesterday). So the row
for October equals ``metrics --from 2026-10-01 --to 2026-10-31`` and the row for the current
month equals ``metrics --from <1st> --to <yesterday>``.

Writing is per period, in one transaction: every scope kind's rows are upserted on the unique
slot (period, start, scope, key) and rows of that period the run no longer produces are
deleted, so a re-run replaces, never duplicates, and a run killed half-way leaves whole periods
behind that the next run simply rewrites.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

from django.db import transaction
from django.utils import timezone

from analytics import metrics
from analytics.models import Snapshot
from analytics.periods import KINDS, Period, calendar_periods

logger = logging.getLogger("analytics.snapshots")

DATA_FIELDS = (*metrics.COUNT_FIELDS, "category_counts")


def periods_touching(first: dt.date, last: dt.date, data_until: dt.date) -> Iterator[Period]:
    """Every calendar period of every kind overlapping ``[first, last]`` that has begun by
    ``data_until``, shortest kinds first."""
    for kind in KINDS:
        for period in calendar_periods(kind, first, last):
            if period.start <= data_until:
                yield period


def build_rows(
    period: Period,
    data_until: dt.date,
    stamp: dt.datetime,
    key_maps: dict[str, metrics.KeyMap],
    today: dt.date,
) -> list[Snapshot]:
    """The period's snapshot rows for every scope kind (a handful of GROUP BY queries per kind)."""
    window = period.until(data_until)
    rows = []
    for kind in metrics.SCOPE_KINDS:
        grouped = metrics.compute_grouped(
            window, kind, key_map=key_maps[kind], today=today, with_baseline=True
        )
        for key, values in grouped.items():
            rows.append(
                Snapshot(
                    period=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    data_until=window.end,
                    scope=kind,
                    scope_key=key,
                    computed_at=stamp,
                    category_counts=values.category_counts,
                    **{name: getattr(values, name) for name in metrics.COUNT_FIELDS},
                )
            )
    return rows


@transaction.atomic
def write_period(period: Period, rows: list[Snapshot], stamp: dt.datetime) -> int:
    """Replace the period's snapshot rows with ``rows`` (upsert, then drop slots not produced)."""
    Snapshot.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["period", "period_start", "scope", "scope_key"],
        update_fields=["period_end", "data_until", "computed_at", *DATA_FIELDS],
    )
    Snapshot.objects.filter(period=period.kind, period_start=period.start, computed_at__lt=stamp).delete()
    return len(rows)


def compute_snapshots(
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    today: dt.date | None = None,
    progress: Callable[[Period, int], None] | None = None,
) -> dict:
    """Snapshot every period touching ``[first, last]`` with data through yesterday at most.

    Without dates: the periods containing yesterday (the nightly run). Returns counts for the
    job log.
    """
    today = today or timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    last = min(last or yesterday, yesterday)
    first = first or last
    if first > last:
        raise ValueError(f"开始日期 {first} 晚于截止日期 {last}（快照只算到昨天为止的完整日）。")
    stamp = timezone.now()
    # Code lookups are loaded once for the whole run, not once per period.
    key_maps = {kind: metrics.KeyMap(kind) for kind in metrics.SCOPE_KINDS}
    counts = {"periods": 0, "rows": 0}
    for period in periods_touching(first, last, yesterday):
        # A period is always computed through its end or yesterday, whatever ``last`` was, so an
        # on-demand run over part of a month never leaves a half month in the month's slot.
        rows = build_rows(period, yesterday, stamp, key_maps, today)
        written = write_period(period, rows, stamp)
        counts["periods"] += 1
        counts["rows"] += written
        counts[period.kind] = counts.get(period.kind, 0) + 1
        logger.debug("snapshot %s %s: %d rows", period.kind, period.start, written)
        if progress:
            progress(period, written)
    counts["from"], counts["to"] = first.isoformat(), last.isoformat()
    return counts


def snapshot_metrics(period: Period, scope: metrics.Scope) -> tuple[metrics.Metrics, Snapshot] | None:
    """The stored metrics of one calendar period and scope, or None when not computed yet."""
    snapshot = Snapshot.objects.filter(
        period=period.kind, period_start=period.start, scope=scope.kind, scope_key=scope.key
    ).first()
    return None if snapshot is None else (metrics.Metrics.from_snapshot(snapshot), snapshot)

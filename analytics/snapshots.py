"""Snapshots (指标快照): the metrics of every calendar period × scope, stored so dashboards read a
small table instead of scanning history.

A snapshot holds the counts of ``analytics.metrics`` for its period up to ``data_until`` — the
period's last day, or for a period still running the last complete day (yesterday). So the row
for October equals ``metrics --from 2026-10-01 --to 2026-10-31`` and the row for the current
month equals ``metrics --from <1st> --to <yesterday>``.

Every scope kind of ``analytics.metrics`` gets rows — county, towns, units, cadres, industries
and industry chains (key: the chain's code) — and the counts are exactly the metrics', so a
meetup (亲清会) makes each attending enterprise visited on its date here too: an enterprise met
only at a meetup is covered in its town's, its chains' and its liaison cadre's rows.

Writing is per period, in one transaction: rows whose counts changed are upserted on the unique
slot (period, start, scope, key), rows of that period the run no longer produces are deleted,
and the period's ``data_until`` is moved in one statement. So a re-run replaces, never
duplicates, a re-run with no new data writes nothing at all, and a run killed half-way leaves
whole periods behind that the next run simply completes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


@dataclass(frozen=True, slots=True)
class SlotRow:
    """One scope's figures for a period, before it is stored."""

    scope: str
    scope_key: str
    metrics: metrics.Metrics

    def data(self) -> tuple:
        return (*(getattr(self.metrics, name) for name in metrics.COUNT_FIELDS), self.metrics.category_counts)


def build_rows(
    period: Period,
    data_until: dt.date,
    lookups: metrics.RunLookups | dict[str, metrics.KeyMap],
    today: dt.date,
) -> list[SlotRow]:
    """The period's figures for every key of every scope kind, in one aggregate query per source
    table (``metrics.compute_every_scope``). ``lookups``: loaded once per run (a dict of key maps
    alone loads the rest)."""
    if not isinstance(lookups, metrics.RunLookups):
        lookups = metrics.RunLookups.load(lookups)
    window = period.until(data_until)
    grouped = metrics.compute_every_scope(window, today=today, lookups=lookups)
    return [
        SlotRow(kind, key, values) for kind in metrics.SCOPE_KINDS for key, values in grouped[kind].items()
    ]


@transaction.atomic
def write_period(period: Period, rows: list[SlotRow], data_until: dt.date, stamp: dt.datetime) -> int:
    """Make the period's stored rows equal ``rows``; returns how many rows were inserted or changed.

    Only rows whose counts differ are upserted (on the unique slot), slots the run no longer
    produces are deleted, and the period's ``data_until`` moves in one UPDATE — so a re-run
    with nothing new writes nothing, and a nightly run rewrites only the scopes that had activity.
    """
    slot = Snapshot.objects.filter(period=period.kind, period_start=period.start)
    stored = {
        (scope, key): (pk, tuple(values))
        for pk, scope, key, *values in slot.values_list("pk", "scope", "scope_key", *DATA_FIELDS)
    }
    changed = []
    for row in rows:
        data = row.data()
        if stored.get((row.scope, row.scope_key), (None, None))[1] != data:
            changed.append((row, data))
    _upsert(period, changed, data_until, stamp)
    produced = {(row.scope, row.scope_key) for row in rows}
    gone = [pk for slot_key, (pk, _) in stored.items() if slot_key not in produced]
    if gone:
        Snapshot.objects.filter(pk__in=gone).delete()
        # A slot gone moves no remaining row's computed_at: touch one, so the generation the
        # cached dashboard bodies are keyed on (analytics.bodies) moves all the same.
        slot.filter(pk__in=slot.order_by("pk").values("pk")[:1]).update(computed_at=stamp)
    slot.exclude(data_until=data_until).update(
        data_until=data_until, period_end=period.end, computed_at=stamp
    )
    return len(changed)


_COLUMNS = (
    "period",
    "period_start",
    "period_end",
    "data_until",
    "scope",
    "scope_key",
    *DATA_FIELDS,
    "computed_at",
)
_SLOT = ("period", "period_start", "scope", "scope_key")


def _upsert(
    period: Period, rows: list[tuple[SlotRow, tuple]], data_until: dt.date, stamp: dt.datetime
) -> None:
    """INSERT … ON CONFLICT (the unique slot) DO UPDATE, without building model objects.

    ``bulk_create(update_conflicts=True)`` spends most of a nightly run preparing 400,000
    values one by one. On PostgreSQL the rows go as one JSON document unpacked by the server
    (``json_array_elements``): adapting 20 parameters a row in psycopg2 and parsing them back
    cost more than the insert itself. Elsewhere (SQLite ≥ 3.24 speaks the same upsert) the
    values go as parameters, in pages, adapted once per column type.
    """
    if not rows:
        return
    ops = connection.ops
    quote = ops.quote_name
    fixed = (
        period.kind,
        ops.adapt_datefield_value(period.start),
        ops.adapt_datefield_value(period.end),
        ops.adapt_datefield_value(data_until),
    )
    computed_at = ops.adapt_datetimefield_value(stamp)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _COLUMNS if c not in _SLOT)
    head = f"INSERT INTO {quote(Snapshot._meta.db_table)} ({', '.join(quote(c) for c in _COLUMNS)}) "
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in _SLOT)}) DO UPDATE SET {updates}"
    if connection.vendor == "postgresql":
        # Each element: [scope, scope_key, *counts, category_counts].
        n = len(metrics.COUNT_FIELDS)
        counts = ", ".join(f"(x->>{i})::integer" for i in range(2, 2 + n))
        select = (
            f"SELECT %s, %s, %s, %s, x->>0, x->>1, {counts}, (x->{2 + n})::jsonb, %s "
            "FROM json_array_elements(%s::json) AS x"
        )
        document = json.dumps([[row.scope, row.scope_key, *data] for row, data in rows], ensure_ascii=False)
        with connection.cursor() as cursor:
            cursor.execute(head + select + tail, [*fixed, computed_at, document])
        return
    values = [
        (
            *fixed,
            row.scope,
            row.scope_key,
            *data[:-1],
            json.dumps(row.metrics.category_counts, ensure_ascii=False),
            computed_at,
        )
        for row, data in rows
    ]
    placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    size = max(1, min(PAGE, ops.bulk_batch_size(list(_COLUMNS), values)))
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            page = values[start : start + size]
            cursor.execute(
                head + "VALUES " + ", ".join([placeholder] * len(page)) + tail,
                [v for row in page for v in row],
            )


# Rows per INSERT statement at most (fewer where the backend limits parameters per statement).
PAGE = 1000


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
        raise ValueError(
            _("开始日期 %(first)s 晚于截止日期 %(last)s（快照只算到昨天为止的完整日）。")
            % {"first": first, "last": last}
        )
    stamp = timezone.now()
    # Code lookups, baseline keys and category names are loaded once for the whole run.
    lookups = metrics.RunLookups.load()
    counts = {"periods": 0, "rows": 0, "written": 0}
    for period in periods_touching(first, last, yesterday):
        # A period is always computed through its end or yesterday, whatever ``last`` was, so an
        # on-demand run over part of a month never leaves a half month in the month's slot.
        rows = build_rows(period, yesterday, lookups, today)
        written = write_period(period, rows, min(period.end, yesterday), stamp)
        counts["periods"] += 1
        counts["rows"] += len(rows)
        counts["written"] += written
        counts[period.kind] = counts.get(period.kind, 0) + 1
        logger.debug("snapshot %s %s: %d rows, %d written", period.kind, period.start, len(rows), written)
        if progress:
            progress(period, len(rows), written)
    counts["from"], counts["to"] = first.isoformat(), last.isoformat()
    return counts


def snapshot_metrics(period: Period, scope: metrics.Scope) -> tuple[metrics.Metrics, Snapshot] | None:
    """The stored metrics of one calendar period and scope, or None when not computed yet."""
    snapshot = Snapshot.objects.filter(
        period=period.kind, period_start=period.start, scope=scope.kind, scope_key=scope.key
    ).first()
    return None if snapshot is None else (metrics.Metrics.from_snapshot(snapshot), snapshot)

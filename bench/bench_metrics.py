"""``metrics`` for the whole county and ``compute_snapshots`` for one month, each beside its floor.

The floor is the hand-written SQL that produces the same headline counts, timed on the same
database: for the county, one statement giving active enterprises, visited enterprises, visits
and requests (and, tighter still, the single costliest of them — the distinct visited
enterprises); for a month's snapshots, one such statement per scope kind with a GROUP BY over
every key, summed over the five kinds. The job does more than its floor — eight more request
counts, overdue as of the month's end, the category split, and it writes ~18,000 rows — so the
ratio is what that costs. Every floor's counts are checked against the metrics module's, so the
benchmark doubles as an exactness check at scale.

Runs inside Django in a child process (``ctx.run_inside``); times are medians of repeated runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import sys
import time
from functools import partial

TITLE = "指标与快照（analytics.metrics / compute_snapshots）"
GOAL = "≤ 3× floor"
SNAPSHOT_GOAL = "≤ 1.5× floor"  # issue 18


def run(ctx) -> list[dict]:
    ctx.ensure_demo_database()
    return ctx.run_inside("bench.bench_metrics", "--inside")


# --- the floors: hand-written SQL for the headline counts ---------------------------------------

# Enterprises visited in P: a visit dated in P, or attendance at a meetup (亲清会) dated in P.
SEEN = """(SELECT v.enterprise_id FROM visits_visit v WHERE v.date BETWEEN %(start)s AND %(end)s
         UNION SELECT a.enterprise_id FROM groups_meetup_enterprises a
           JOIN groups_meetup m ON m.id = a.meetup_id WHERE m.date BETWEEN %(start)s AND %(end)s)"""

COUNTY_SQL = """
SELECT
  (SELECT count(*) FROM enterprises_enterprise WHERE active),
  (SELECT count(*) FROM SEEN AS s
     JOIN enterprises_enterprise e ON e.id = s.enterprise_id WHERE e.active),
  (SELECT count(*) FROM visits_visit WHERE date BETWEEN %(start)s AND %(end)s),
  (SELECT count(*) FROM requests_tracker_request WHERE submitted_at >= %(t0)s AND submitted_at < %(t1)s)
"""

VISITED_SQL = """
SELECT count(*) FROM SEEN AS s JOIN enterprises_enterprise e ON e.id = s.enterprise_id WHERE e.active
"""

# Territorial kinds (town, industry): the enterprise's own column is the key.
TERRITORY_SQL = """
WITH ent AS (SELECT {col} AS k, count(*) AS n FROM enterprises_enterprise WHERE active GROUP BY 1),
vis AS (SELECT e.{col} AS k, count(*) AS visits
          FROM visits_visit v JOIN enterprises_enterprise e ON e.id = v.enterprise_id
         WHERE v.date BETWEEN %(start)s AND %(end)s GROUP BY 1),
met AS (SELECT e.{col} AS k, count(*) AS visited FROM SEEN AS s
          JOIN enterprises_enterprise e ON e.id = s.enterprise_id WHERE e.active GROUP BY 1),
req AS (SELECT e.{col} AS k, count(*) AS n FROM requests_tracker_request r
          JOIN enterprises_enterprise e ON e.id = r.enterprise_id
         WHERE r.submitted_at >= %(t0)s AND r.submitted_at < %(t1)s GROUP BY 1)
SELECT k, coalesce(ent.n, 0), coalesce(met.visited, 0), coalesce(vis.visits, 0), coalesce(req.n, 0)
  FROM ent FULL JOIN vis USING (k) FULL JOIN met USING (k) FULL JOIN req USING (k)
"""

# People kinds (unit, cadre): pairings decide the enterprises, makers and joiners the visits.
PEOPLE_SQL = """
WITH pairs AS (
  SELECT DISTINCT {pair_key} AS k, a.enterprise_id FROM cadres_assignment a
    JOIN cadres_cadre c ON c.id = a.cadre_id JOIN enterprises_enterprise e ON e.id = a.enterprise_id
   WHERE e.active AND a.start <= %(end)s AND (a."end" IS NULL OR a."end" >= %(start)s)),
seen AS SEEN,
ent AS (SELECT k, count(*) AS n, count(seen.enterprise_id) AS visited
          FROM pairs LEFT JOIN seen USING (enterprise_id) GROUP BY k),
vis AS (SELECT k, count(DISTINCT id) AS visits FROM (
          SELECT {maker_key} AS k, v.id FROM visits_visit v JOIN cadres_cadre c ON c.id = v.cadre_id
           WHERE v.date BETWEEN %(start)s AND %(end)s
          UNION ALL
          SELECT {joiner_key}, v.id FROM visits_visit_participants p
            JOIN visits_visit v ON v.id = p.visit_id JOIN cadres_cadre c ON c.id = p.cadre_id
           WHERE v.date BETWEEN %(start)s AND %(end)s) AS x GROUP BY k),
req AS (SELECT {request_key} AS k, count(*) AS n FROM requests_tracker_request
         WHERE submitted_at >= %(t0)s AND submitted_at < %(t1)s AND {request_key} IS NOT NULL GROUP BY 1)
SELECT k, coalesce(ent.n, 0), coalesce(ent.visited, 0), coalesce(vis.visits, 0), coalesce(req.n, 0)
  FROM ent FULL JOIN vis USING (k) FULL JOIN req USING (k)
"""

COUNTY_SQL, VISITED_SQL, TERRITORY_SQL, PEOPLE_SQL = (
    re.sub(r"\bSEEN\b", SEEN, statement) for statement in (COUNTY_SQL, VISITED_SQL, TERRITORY_SQL, PEOPLE_SQL)
)
KIND_SQL = {
    "county": COUNTY_SQL,
    "town": TERRITORY_SQL.format(col="town_id"),
    "industry": TERRITORY_SQL.format(col="industry"),
    "unit": PEOPLE_SQL.format(
        pair_key="c.unit_id", maker_key="c.unit_id", joiner_key="c.unit_id", request_key="lead_unit_id"
    ),
    "cadre": PEOPLE_SQL.format(
        pair_key="a.cadre_id", maker_key="v.cadre_id", joiner_key="p.cadre_id", request_key="cadre_id"
    ),
}
HEADLINES = ("enterprises_active", "enterprises_visited", "visits", "requests")


def _inside() -> list[dict]:
    from io import StringIO

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max, Min
    from django.utils import timezone

    from analytics import metrics, snapshots
    from analytics.models import Snapshot
    from analytics.periods import Period
    from bench import timed, timed_together
    from visits.models import Visit

    def sql(statement, period):
        params = {"start": period.start, "end": period.end, "t0": period.start_at, "t1": period.end_at}
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    bounds = Visit.objects.aggregate(first=Min("date"), last=Max("date"))
    whole = Period(bounds["first"], bounds["last"])
    rows = []

    # 1. metrics for the whole county over the whole history.
    t_metrics, county = timed(lambda: metrics.compute(whole))
    t_all, county_sql = timed(lambda: sql(COUNTY_SQL, whole)[0])
    t_visited, _ = timed(lambda: sql(VISITED_SQL, whole))
    assert tuple(county_sql) == tuple(getattr(county, h) for h in HEADLINES), (county_sql, county)
    label = f"{whole.start}–{whole.end}"
    rows += [
        _row("metrics", f"全县 {label}，全部指标", t_metrics, t_all, "floor: one SQL for the 4 headline counts"),
        _row("metrics", f"全县 {label}，全部指标", t_metrics, t_visited, "floor: the costliest headline (distinct visited) alone"),
        _row("metrics", "（floor）4 个主要计数一条 SQL", t_all, note=f"coverage {county.coverage_rate} visits {county.visits} requests {county.requests}"),
    ]  # fmt: skip

    def command():
        out = StringIO()
        call_command("metrics", "--from", str(whole.start), "--to", str(whole.end), "--json", stdout=out)
        return json.loads(out.getvalue())

    t_command, data = timed(command, repeat=3)
    rows.append(_row("metrics", "manage.py metrics --json（同上，含校验与输出）", t_command, t_all))

    # 2. compute_snapshots for the last complete month.
    month = Period.containing("month", bounds["last"].replace(day=1) - dt.timedelta(days=1))
    # Loaded once per run by the job too (key maps, baseline keys, category names).
    lookups = metrics.RunLookups.load()
    key_maps = lookups.key_maps
    today = timezone.localdate()
    built = {}

    def compute():
        built["rows"] = snapshots.build_rows(month, month.end, lookups, today)
        return built["rows"]

    def write():
        return snapshots.write_period(month, built["rows"], month.end, timezone.now())

    def job():
        compute()
        return write()

    def first_job():
        Snapshot.objects.filter(period="month", period_start=month.start).delete()
        started = time.perf_counter()
        written = job()
        return time.perf_counter() - started, written

    firsts = [first_job() for _ in range(3)]
    t_first, written = statistics.median(t for t, _ in firsts), firsts[-1][1]
    t_rerun, rewritten = timed(job, repeat=7)

    def per_kind(period):
        # The job's computation before it was set-based: compute_grouped once per scope kind
        # (33 statements a period), kept as the side-by-side reference.
        return [
            (kind, key)
            for kind in metrics.SCOPE_KINDS
            for key in metrics.compute_grouped(
                period, kind, key_map=key_maps[kind], today=today, with_baseline=True
            )
        ]

    t_per_kind, keys = timed(lambda: per_kind(month), repeat=7)
    assert sorted(keys) == sorted((r.scope, r.scope_key) for r in built["rows"])
    # The job's computation and its floor's statements in turn, round after round (timed_together).
    floors, results = timed_together(
        {"job": compute} | {kind: partial(sql, statement, month) for kind, statement in KIND_SQL.items()}
    )
    t_compute = floors.pop("job")
    for kind in KIND_SQL:
        _check(kind, results[kind], built["rows"], key_maps[kind])
    t_floor = sum(floors.values())
    rows += [
        _row("compute_snapshots", f"{month.label} 首次（计算 + 写入 {written} 行）", t_first, t_floor, "floor: Σ one headline SQL per scope kind"),
        _row("compute_snapshots", f"{month.label} 重算（无变化，写入 {rewritten} 行）", t_rerun, t_floor),
        _row("compute_snapshots", f"{month.label} 仅计算（5 个范围 {len(built['rows'])} 个键）", t_compute, t_floor),
        _row("compute_snapshots", f"{month.label} 仅计算，逐范围类型（旧算法，对照）", t_per_kind, t_floor),
        _row("compute_snapshots", "（floor）各范围主要计数 SQL 合计", t_floor, note=", ".join(f"{k} {v:.3f}s" for k, v in floors.items())),
    ]  # fmt: skip

    # 2b. One day (the last day with visits): the nightly run's new slot, computed only.
    day = Period.containing("day", bounds["last"])
    t_day_per_kind, _ = timed(lambda: per_kind(day), repeat=7)
    day_floors, results = timed_together(
        {"job": partial(snapshots.build_rows, day, day.end, lookups, today)}
        | {kind: partial(sql, statement, day) for kind, statement in KIND_SQL.items()},
        repeat=15,
    )
    t_day, day_rows = day_floors.pop("job"), results["job"]
    for kind in KIND_SQL:
        _check(kind, results[kind], day_rows, key_maps[kind])
    t_day_floor = sum(day_floors.values())
    rows += [
        _row("compute_snapshots", f"{day.start} 一天 仅计算（{len(day_rows)} 个键）", t_day, t_day_floor, "floor: Σ one headline SQL per scope kind"),
        _row("compute_snapshots", f"{day.start} 一天 仅计算，逐范围类型（旧算法，对照）", t_day_per_kind, t_day_floor),
        _row("compute_snapshots", "（floor）一天 各范围主要计数 SQL 合计", t_day_floor, note=", ".join(f"{k} {v:.4f}s" for k, v in day_floors.items())),
    ]  # fmt: skip

    # 3. The nightly run as beat starts it (the five periods containing yesterday): the first run
    # of the night writes the new day whole; a re-run (a retry) writes nothing.
    yesterday = today - dt.timedelta(days=1)
    Snapshot.objects.filter(period="day", period_start=yesterday).delete()
    t_nightly, counts = timed(lambda: snapshots.compute_snapshots(), repeat=1, warmup=0)
    t_again, again = timed(lambda: snapshots.compute_snapshots(), repeat=1, warmup=0)
    rows += [
        _row("compute_snapshots", f"每晚（{counts['periods']} 个周期 {counts['rows']} 行，写入 {counts['written']}）", t_nightly),
        _row("compute_snapshots", f"每晚重跑（写入 {again['written']}）", t_again),
    ]  # fmt: skip
    return rows


def _check(kind, result, built_rows, key_map):
    """The floor's counts equal the job's, key by key."""
    from analytics import metrics

    job = {
        r.scope_key: tuple(getattr(r.metrics, h) for h in HEADLINES) for r in built_rows if r.scope == kind
    }
    if kind == "county":
        floor = {"": tuple(result[0])}
    else:
        floor = {}
        for k, *values in result:
            if k is None:
                continue
            key = key_map.key(k) if kind != metrics.INDUSTRY else k
            floor[key] = tuple(values)
    nonzero = {k: v for k, v in job.items() if any(v)}
    assert nonzero == floor, f"{kind}: metrics and hand-written SQL disagree"


def _row(benchmark, measure, value, floor=None, note=""):
    row = {"benchmark": benchmark, "measure": measure, "value": round(value, 3), "unit": "s"}
    if floor:
        row.update(
            floor=round(floor, 3),
            goal=SNAPSHOT_GOAL if benchmark == "compute_snapshots" else GOAL,
            note=(f"{value / floor:.1f}× floor; " + note).strip("; "),
        )
    elif note:
        row["note"] = note
    return row


if __name__ == "__main__" and "--inside" in sys.argv:
    print(json.dumps(_inside(), ensure_ascii=False))

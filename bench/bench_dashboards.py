"""The coverage dashboard (走访覆盖情况), the issue mix (问题分布) and the weekly ranking (擂台比武) as the
demo supervisor sees them, each beside the floor: hand-written SQL giving the same figures.

Server time is the median of 20 requests through Django's test client (middleware, queries,
charts and template — everything but the network), in a child process on the benchmark database,
after one warm-up request. Two floors are given for the coverage page, because it serves its
figures from the nightly snapshots:

* "snapshot rows": one SELECT of the snapshot rows the page shows (county, towns and units of
  this month and last) plus the overdue-now count — the least SQL that can produce the page;
* "raw tables": the headline counts recomputed from visits and requests for the same windows and
  scopes (the bench_metrics SQL) — what the page would cost without snapshots.

The issue mix reads month snapshots for the monthly and yearly series and scans only the days
around each Spring Festival; its floor is that same scan plus the snapshot read, by hand.

Snapshots the pages need (every month since the data start, this year) are computed first when
missing, period by period, as the nightly job would have (kept in the benchmark database).
Every floor's counts are checked against the page's, so the benchmark doubles as an exactness
check at scale.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time

TITLE = "看板（走访覆盖 / 问题分布 / 擂台比武，示范服务企业办账号）"
GOAL = "≤ 5× floor (issue 18: body cached per scope + filters + data_until)"
REQUESTS = 20


def run(ctx) -> list[dict]:
    ctx.ensure_demo_database()
    return ctx.run_inside("bench.bench_dashboards", "--inside")


SNAPSHOT_SQL = """
SELECT period_start, scope, scope_key, enterprises_active, enterprises_visited, visits, requests,
       closed, closed_on_time, rated, satisfied, overdue, category_counts
  FROM analytics_snapshot
 WHERE ((period = %(kind)s AND period_start = %(start)s AND data_until = %(end)s)
     OR (period = %(pkind)s AND period_start = %(pstart)s AND data_until = %(pend)s))
   AND scope IN ('county', 'town', 'unit')
"""
OVERDUE_SQL = """
SELECT count(*) FROM requests_tracker_request
 WHERE status IN ('assigned', 'in_progress', 'escalated', 'reopened') AND response_due < %(today)s
"""
MONTHS_SQL = """
SELECT period_start, category_counts FROM analytics_snapshot
 WHERE scope = 'county' AND scope_key = '' AND period = 'month' AND period_start >= %(first)s
"""
HEAT_SQL = """
SELECT scope_key, category_counts FROM analytics_snapshot
 WHERE scope = 'town' AND period = 'year' AND period_start = %(year)s AND data_until = %(last)s
"""
RANKING_SQL = """
SELECT e.rank, e.score, e.board, t.name, e."values" FROM analytics_townrankingentry e
  JOIN enterprises_town t ON t.id = e.town_id WHERE e.ranking_id = %(ranking)s ORDER BY e.rank, t."order"
"""
HISTORY_SQL = """
SELECT r.week_start, e.rank, e.score, e.board FROM analytics_townrankingentry e
  JOIN analytics_townranking r ON r.id = e.ranking_id
 WHERE e.town_id = %(town)s AND r.week_start <= %(week)s ORDER BY r.week_start DESC LIMIT %(weeks)s
"""
WEEKS_LIST_SQL = "SELECT week_start FROM analytics_townranking ORDER BY 1 DESC LIMIT 52"
# The same figures from the raw table: every day's categories, and the towns' for the heat year.
MIX_RAW_SQL = """
SELECT (submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS day, category_id, count(*)
  FROM requests_tracker_request WHERE submitted_at >= %(t0)s AND submitted_at < %(t1)s GROUP BY 1, 2
"""
HEAT_RAW_SQL = """
SELECT e.town_id, r.category_id, count(*) FROM requests_tracker_request r
  JOIN enterprises_enterprise e ON e.id = r.enterprise_id
 WHERE r.submitted_at >= %(h0)s AND r.submitted_at < %(h1)s GROUP BY 1, 2
"""
WEEKS_SQL = """
SELECT (submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS day, category_id, count(*)
  FROM requests_tracker_request WHERE {ranges} GROUP BY 1, 2
"""


def _ensure_snapshots(today):
    """Compute the month and year snapshots the two pages read where missing, and always the
    current and previous month and this year: the benchmark database is shared, other
    benchmarks add visits after the last nightly run, and the exactness checks below compare the
    snapshot with the raw tables as they are now."""
    from django.db.models import Min
    from django.utils import timezone

    from analytics import metrics, snapshots, windows
    from analytics.models import Snapshot
    from analytics.periods import Period, calendar_periods
    from requests_tracker.models import Request

    yesterday = today - dt.timedelta(days=1)
    first = timezone.localdate(Request.objects.aggregate(first=Min("submitted_at"))["first"])
    wanted = [*calendar_periods("month", first, yesterday), Period.containing("year", yesterday)]
    fresh = {wanted[-1], *wanted[-3:-1]}  # this year, last month, this month
    # The landing page's window (a quarter with the default visit rhythm) and its comparison,
    # where they are stored slots.
    window = windows.resolve(windows.default_period(), today)
    for shown in (window.period, window.previous):
        slot = windows.snapshot_slot(shown, today) if shown else None
        if slot is not None and Period.containing(*slot) not in wanted:
            wanted.append(Period.containing(*slot))
            fresh.add(wanted[-1])
    lookups = metrics.RunLookups.load()
    computed = []
    for period in wanted:
        until = min(period.end, yesterday)
        if (
            period not in fresh
            and Snapshot.objects.filter(
                period=period.kind, period_start=period.start, scope="county", data_until=until
            ).exists()
        ):
            continue
        started = time.perf_counter()
        rows = snapshots.build_rows(period, until, lookups, today)
        snapshots.write_period(period, rows, until, timezone.now())
        computed.append(f"{period.label} {time.perf_counter() - started:.0f}s")
        print(f"  snapshot {period.label}: {len(rows)} rows", flush=True)
    return first, computed


def _inside() -> list[dict]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.utils import timezone

    from analytics import windows
    from analytics.dashboards import issues, rankings
    from analytics.periods import Period, spring_festival
    from bench import bench_metrics, counting_queries, timed

    today = timezone.localdate()
    first, computed = _ensure_snapshots(today)

    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="supervisor"))

    def page(url, fresh=False):
        """Median server time of ``url``: served as it is in production (the cached body after
        the warm-up), or ``fresh`` — the cache emptied before each request, so the body is
        rebuilt every time (what the page cost before issue 18), measured side by side."""
        # Warm-up (imports, plotly's validators, the connection, the body cached), then the
        # queries of one request as it is served (a wrapper, not the debug log: each request
        # start clears that log).
        client.get(url)
        if fresh:
            cache.clear()
        with counting_queries() as queries:
            client.get(url)
        timings = []
        for _ in range(REQUESTS):
            if fresh:
                cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        # One more, rebuilt, with the test client's template instrumentation, to read what it showed.
        cache.clear()
        setup_test_environment()
        try:
            response = client.get(url)
        finally:
            teardown_test_environment()
        return statistics.median(timings), response, len(queries)

    def sql(statement, params):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    rows = []

    # 1. 走访覆盖情况, this month (the landing page).
    t_cov, response, q_cov = page("/analytics/coverage/")
    dash = response.context["page"]
    window = dash.window
    # The comparison window of a running period (1 July–5 September against 1 October–6
    # December) is no stored slot: the page keeps its raw figures with the cached body, and the
    # floor reads only the shown window's rows then.
    slot = windows.snapshot_slot(window.period, today)
    previous_slot = windows.snapshot_slot(window.previous, today) if window.previous else None
    params = {
        "kind": slot[0],
        "start": slot[1],
        "end": window.period.end,
        "pkind": previous_slot[0] if previous_slot else "",
        "pstart": previous_slot[1] if previous_slot else None,
        "pend": window.previous.end if previous_slot else None,
        "today": today,
    }

    def snapshot_floor():
        return sql(SNAPSHOT_SQL, params), sql(OVERDUE_SQL, params)

    t_snap, (stored, overdue) = timed(snapshot_floor, repeat=REQUESTS)
    county = next(r for r in stored if r[1] == "county" and r[0] == window.period.start)
    assert county[3:7] == (
        dash.current.enterprises_active,
        dash.current.enterprises_visited,
        dash.current.visits,
        dash.current.requests,
    ), "coverage: page and snapshot rows disagree"
    assert overdue[0][0] == dash.overdue_now

    def raw_floor():
        out = {}
        for label, period in (("now", window.period), ("before", window.previous)):
            kinds = ("county", "town", "unit") if label == "now" else ("county", "town")
            p = {"start": period.start, "end": period.end, "t0": period.start_at, "t1": period.end_at}
            for kind in kinds:
                out[(label, kind)] = sql(bench_metrics.KIND_SQL[kind], p)
        out["overdue"] = sql(OVERDUE_SQL, params)
        return out

    t_raw, raw = timed(raw_floor, repeat=3)
    assert tuple(raw[("now", "county")][0]) == (
        dash.current.enterprises_active,
        dash.current.enterprises_visited,
        dash.current.visits,
        dash.current.requests,
    ), ("coverage: page and raw-table SQL disagree", raw[("now", "county")][0], dash.current)
    label = f"走访覆盖 {window.label}（{'快照' if dash.from_snapshot else '实时'}，{q_cov} 条查询）"
    rows += [
        _row("coverage", label, t_cov, t_snap, "floor: the snapshot rows shown + overdue now"),
        _row("coverage", label, t_cov, t_raw, "floor: headline counts from raw tables (county/town/unit, this and last month)"),
        _row("coverage", "走访覆盖（不用缓存：每次重建页面主体）", page("/analytics/coverage/", fresh=True)[0], t_snap, "side by side: the body rebuilt on every request"),
        _row("coverage", "（floor）快照行 + 当前超期 SQL", t_snap),
        _row("coverage", "（floor）原始表主要计数 SQL", t_raw),
    ]  # fmt: skip

    # 2. 问题分布与季节规律.
    t_mix, response, q_mix = page("/analytics/issues/")
    mix = response.context["page"]
    weeks = []
    for year in range(mix.first.year, mix.last.year + 1):
        festival = spring_festival(year)
        start = festival - dt.timedelta(days=7 * issues.WEEKS_BEFORE)
        end = festival + dt.timedelta(days=7 * issues.WEEKS_AFTER - 1)
        if start >= mix.first and end <= mix.last:
            weeks.append(Period(start, end))
    ranges = (
        " OR ".join(
            f"(submitted_at >= '{w.start_at.isoformat()}' AND submitted_at < '{w.end_at.isoformat()}')"
            for w in weeks
        )
        or "false"
    )
    heat_year = mix.heat_period.start

    def mix_floor():
        return (
            sql(MONTHS_SQL, {"first": mix.first.replace(day=1)}),
            sql(WEEKS_SQL.format(ranges=ranges), {}),
            sql(HEAT_SQL, {"year": heat_year, "last": mix.heat_period.end}),
        )

    t_mix_floor, (months, _days, _heat) = timed(mix_floor, repeat=REQUESTS)
    # Django hands jsonb back as text on a raw cursor.
    stored_months = {
        start: json.loads(counts) if isinstance(counts, str) else counts for start, counts in months
    }
    for period, counts in mix.months:
        assert stored_months.get(period.start, {}) == counts.counts, f"issue mix: {period.label} disagrees"
    whole = Period(mix.first, mix.last)
    raw_params = {
        "t0": whole.start_at,
        "t1": whole.end_at,
        "h0": mix.heat_period.start_at,
        "h1": mix.heat_period.end_at,
    }
    t_mix_raw, (days, _towns) = timed(
        lambda: (sql(MIX_RAW_SQL, raw_params), sql(HEAT_RAW_SQL, raw_params)), repeat=5
    )
    assert sum(n for _d, _c, n in days) == sum(c.total for _p, c in mix.months), (
        "issue mix: raw total disagrees"
    )
    label = f"问题分布 {mix.first}–{mix.last}（{len(mix.months)} 个月，{q_mix} 条查询）"
    rows += [
        _row("issues", label, t_mix, t_mix_floor, "floor: month snapshot rows + festival-week scan + town year rows"),
        _row("issues", label, t_mix, t_mix_raw, "floor: every day's categories + towns' from the raw table"),
        _row("issues", "问题分布（不用缓存：每次重建页面主体）", page("/analytics/issues/", fresh=True)[0], t_mix_floor, "side by side: the body rebuilt on every request"),
        _row("issues", "（floor）快照行 + 春节前后各周 SQL", t_mix_floor),
        _row("issues", "（floor）原始表按日、按镇街分类计数 SQL", t_mix_raw),
    ]  # fmt: skip
    # 3. 擂台比武, the latest week (the stored weekly ranking, a town's weeks beside it).
    t_rank, response, q_rank = page("/analytics/ranking/")
    board = response.context["page"]

    def rank_floor():
        return (
            sql(RANKING_SQL, {"ranking": board.ranking.pk}),
            sql(
                HISTORY_SQL,
                {"town": board.town.pk, "week": board.ranking.week_start, "weeks": rankings.HISTORY_WEEKS},
            ),
            sql(WEEKS_LIST_SQL, {}),
        )

    t_rank_floor, (entries, history, _weeks) = timed(rank_floor, repeat=REQUESTS)
    assert [(rank, name) for rank, _score, _board, name, _values in entries] == [
        (row.values["rank"], row.values["town"]) for row in board.table.rows
    ], "ranking: page and stored rows disagree"
    assert len(history) == len(board.history.rows)
    label = f"擂台比武 {board.ranking.week_start} 起一周（{len(entries)} 个镇街，{q_rank} 条查询）"
    rows += [
        _row("ranking", label, t_rank, t_rank_floor, "floor: the week's entries + the town's weeks + the week list"),
        _row("ranking", "擂台比武（不用缓存：每次重建页面主体）", page("/analytics/ranking/", fresh=True)[0], t_rank_floor, "side by side: the body rebuilt on every request"),
        _row("ranking", "（floor）排名行 + 历周名次 + 周列表 SQL", t_rank_floor),
    ]  # fmt: skip
    # What any signed-in page costs here (session, roles, navigation, base template).
    t_base, _response, q_base = page("/notifications/")
    rows.append(_row("dashboards", f"参考：站内通知页（框架开销，{q_base} 条查询）", t_base))
    rows.append({"benchmark": "dashboards", "measure": "snapshots (re)computed first", "value": len(computed), "unit": "periods", "note": "; ".join(computed)[:200]})  # fmt: skip
    assert windows.snapshot_slot(window.period, today) is not None or window.live
    return rows


def _row(benchmark, measure, value, floor=None, note=""):
    row = {"benchmark": benchmark, "measure": measure, "value": round(value * 1000, 1), "unit": "ms"}
    if floor:
        ratio = value / floor
        ok = ratio <= 5
        row.update(
            floor=round(floor * 1000, 1),
            goal=GOAL,
            note=(f"{ratio:.1f}× floor{' ✓' if ok else ''}; " + note).strip("; "),
        )
    elif note:
        row["note"] = note
    return row


if __name__ == "__main__" and "--inside" in sys.argv:
    print(json.dumps(_inside(), ensure_ascii=False, default=str))

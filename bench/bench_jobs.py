"""Jobs and exports: ``flag_overdue`` when nothing has changed since its last run, and the visit
export (走访记录 → xlsx).

* ``flag_overdue``: run once to bring every flag, notice and reminder up to date, then time a second
  run for the same moment — what the beat's every-15-minutes run costs on a quiet day — and count
  its queries. Goal ≤ 1 s at scale 50 (issue 18).
* visit export: the supervisor's export of the newest ``EXPORT_MAX_ROWS`` visits (the cap of one
  download) through the real view, read to the end of the streamed body; rows per second and the
  growth of the child's peak memory while it ran. Goal ≥ 15,000 rows/s.

Runs inside Django in a child process (``ctx.run_inside``) on the benchmark database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import resource
import sys
import time

TITLE = "定时任务与导出（flag_overdue 无事可做 / 走访记录导出）"
FLAG_GOAL_S = 1.0
EXPORT_GOAL = 15_000


def run(ctx) -> list[dict]:
    ctx.ensure_demo_database()
    return ctx.run_inside("bench.bench_jobs", "--inside")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _inside() -> list[dict]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from openpyxl import load_workbook

    from bench import counting_queries
    from requests_tracker import services
    from visits import selectors
    from visits.models import Visit

    rows = []
    now = timezone.now()
    first = services.flag_overdue_requests(now=now)
    with counting_queries() as queries:
        started = time.perf_counter()
        second = services.flag_overdue_requests(now=now)
        seconds = time.perf_counter() - started
    changed = {k: v for k, v in second.items() if k != "checked" and v}
    assert not changed, f"flag_overdue: a second run for the same moment changed {changed}"
    rows.append(
        {
            "benchmark": "flag_overdue",
            "measure": f"无事可做（第二次运行，检查 {second['checked']} 件，{len(queries)} 条查询）",
            "value": round(seconds, 3),
            "unit": "s",
            "goal": f"≤ {FLAG_GOAL_S:g} s",
            "note": ("✓ " if seconds <= FLAG_GOAL_S else "")
            + f"first run of the day: {first['checked']} checked, "
            + ", ".join(f"{k} {v}" for k, v in first.items() if k != "checked"),
        }
    )

    # The newest visits up to one download's cap: a date range the filter form accepts.
    cap = selectors.EXPORT_MAX_ROWS
    since = Visit.objects.order_by("-date").values_list("date", flat=True)[cap - 1]
    while Visit.objects.filter(date__gte=since).count() > cap:
        since += dt.timedelta(days=1)
    expected = Visit.objects.filter(date__gte=since).count()
    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="supervisor"))
    url = f"/visits/records/export/?date_after={since.isoformat()}"
    client.get(url + "&mode=__warmup__")
    before_mb = _peak_mb()
    started = time.perf_counter()
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    written = sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))
    assert written == expected, (written, expected)
    rate = written / seconds
    rows.append(
        {
            "benchmark": "visit_export",
            "measure": f"走访记录导出 {written} 行（{len(body) / 1e6:.1f} MB）",
            "value": round(rate),
            "unit": "rows/s",
            "goal": f"≥ {EXPORT_GOAL:,}",
            "note": ("✓ " if rate >= EXPORT_GOAL else "")
            + f"{seconds:.2f} s; peak memory grew {max(0.0, _peak_mb() - before_mb):.0f} MB",
        }
    )
    return rows


if __name__ == "__main__" and "--inside" in sys.argv:
    print(json.dumps(_inside(), ensure_ascii=False, default=str))

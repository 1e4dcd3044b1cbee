"""Single pages in-process: the demo cadre's home, enterprise file and request detail, and the
empty signed-in shell (站内通知) beside them — median server time of 40 requests each through
Django's test client (middleware, session, queries, template; no network), the four pages taken in
turn round after round, and the number of queries and of cache calls (a Redis round trip each with
``CACHE_URL``; unlike a time, both counts are the same on a busy machine as on an idle one).

The enterprise is the first of the demo cadre's; the request is the one of those enterprises with
the longest history (as ``bench_load`` picks them). Targets from issue 18: cadre home ≤ 8 ms,
request ≤ 15 ms, enterprise file ≤ 20 ms (at scale 50). The shell is the floor under every page,
so each page is also printed as a multiple of it (same run, same process).
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial

from bench import ROOT

TITLE = "单页（进程内：干部首页 / 企业档案 / 诉求详情 / 空外框）"
REQUESTS = 40
GOALS_MS = {"cadre_home": 8, "enterprise_file": 20, "request": 15, "inbox": 20, "triage": 20}


def run(ctx) -> list[dict]:
    """Twice, one after the other: database sessions with per-process memory as the cache (the
    embedded default), then cached_db sessions on the Redis cache (``CACHE_URL``, production)."""
    ctx.ensure_demo_database()
    rows = []
    ctx.flush_cache()
    for setup, extra in (
        ("db 会话 + 进程内缓存", {}),
        ("cached_db 会话 + Redis 缓存", {"CACHE_URL": ctx.redis_url}),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_pages", "--inside"],
            cwd=ROOT,
            env={k: v for k, v in ctx.production_env(**extra).items() if extra or k != "CACHE_URL"},
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        for row in json.loads(done.stdout.strip().splitlines()[-1]):
            row["measure"] = f"{row['measure']} · {setup}"
            rows.append(row)
    return rows


def _inside() -> list[dict]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from bench import counting_cache_calls, counting_queries, timed_together
    from cadres.models import Assignment
    from requests_tracker.models import Request

    cadre = get_user_model().objects.get(username="cadre")
    enterprise_ids = list(
        Assignment.objects.active()
        .filter(cadre__user=cadre)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
    )
    request = (
        Request.objects.filter(enterprise_id__in=enterprise_ids)
        .annotate(n=Count("events"))
        .order_by("-n", "-pk")
        .first()
    )
    # (key, label, url, who): the cadre's pages, then the demo handler's inbox and the demo
    # supervisor's triage desk, each a first page of 50 rows.
    pages = [
        ("shell", "空外框（站内通知）", reverse("notifications"), "cadre"),
        ("cadre_home", "干部首页（我的企业）", reverse("visits:my_enterprises"), "cadre"),
        ("enterprise_file", "企业档案", reverse("visits:enterprise_file", args=[enterprise_ids[0]]), "cadre"),
        ("request", "诉求详情", reverse("requests_tracker:detail", args=[request.pk]), "cadre"),
        ("inbox", "承办单位待办（50 行）", reverse("requests_tracker:inbox"), "handler"),
        ("triage", "受理分派台（50 行）", reverse("requests_tracker:triage"), "supervisor"),
    ]
    clients = {}
    for username in {who for *_, who in pages}:
        clients[username] = Client(SERVER_NAME="localhost")
        clients[username].force_login(
            cadre if username == "cadre" else get_user_model().objects.get(username=username)
        )
    for _, _, url, who in pages:
        response = clients[who].get(url)  # warm-up: caches, templates
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    # The pages in turn, round after round, so each one's multiple of the shell is taken over the
    # same stretch of time (timed_together).
    medians, _ = timed_together(
        {key: partial(clients[who].get, url) for key, _, url, who in pages}, repeat=REQUESTS
    )
    measured = {}
    for key, label, url, who in pages:
        with counting_queries() as queries, counting_cache_calls() as cache_calls:
            clients[who].get(url)
        measured[key] = (label, medians[key] * 1000, len(queries), len(cache_calls))
    shell_ms = measured["shell"][1]
    rows = []
    for key, (label, ms, queries, cache_calls) in measured.items():
        goal = GOALS_MS.get(key)
        rows.append(
            {
                "benchmark": "pages",
                "measure": f"{label}（{queries} 条查询，{cache_calls} 次缓存往返）",
                "value": round(ms, 1),
                "unit": "ms",
                "floor": round(ms / shell_ms, 2),
                "goal": f"≤ {goal} ms" if goal else "",
                "note": ("✓ " if goal and ms <= goal else "") + f"{ms / shell_ms:.2f}× the empty shell",
            }
        )
    return rows


if __name__ == "__main__" and "--inside" in sys.argv:
    print(json.dumps(_inside(), ensure_ascii=False, default=str))

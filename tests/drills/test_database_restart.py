"""Drill: the database restarts while people work.

A private PostgreSQL cluster (never the shared one) holds a seeded demo county; gunicorn serves it
with production settings while four cadres' browsers log visits (each raising a problem) and open
pages in a loop. Mid-way the cluster is stopped, left down for a few seconds and started again.
While it is down every page answers the Chinese 503 page (no stack trace); nothing is half
written (a visit exists exactly when its POST was answered with a redirect, and each has its
request and that request's first event); afterwards the same gunicorn workers serve again.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psycopg2
import pytest
from django.utils import timezone

from tests.drills import support
from tests.drills.support import ROOT, AppServer, Browser, PrivatePostgres

pytestmark = pytest.mark.postgres

DEMO_PASSWORD = "Demo-2026-qiqing"
MARKER = "【演练】"


@dataclass
class Answer:
    at: float
    kind: str
    status: int
    text: str
    summary: str = ""


@pytest.fixture
def cluster():
    pg = PrivatePostgres()
    try:
        pg.start()
        pg.createdb("qiqing")
        yield pg
    finally:
        pg.destroy()


def _manage(tmp_path, url: str, *args: str) -> None:
    env = support.app_env(tmp_path, DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _query(url: str, sql: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        conn.close()


def _work(browser, name, enterprises, category, stop: threading.Event, answers: list) -> None:
    today = timezone.localdate().isoformat()
    n = 0
    while not stop.is_set():
        n += 1
        summary = f"{MARKER}{name}-{n} 企业反映用工紧张。"
        form = {
            "enterprise": enterprises[n % len(enterprises)], "date": today, "mode": "onsite",
            "summary": summary, "confirm_duplicate": "on",
            "problems-TOTAL_FORMS": "1", "problems-INITIAL_FORMS": "0",
            "problems-0-category": category, "problems-0-description": "普工缺口 10 人，希望协助招工。",
        }  # fmt: skip
        steps = [
            ("page", "/visits/mine/", None),
            ("post", "/visits/new/", form),
            ("page", f"/visits/enterprises/{enterprises[0]}/", None),
        ]
        for kind, path, data in steps:
            try:
                page = browser.get(path) if data is None else browser.post(path, data)
            except OSError as exc:  # a hung or refused server is itself a failure of the drill
                answers.append(Answer(time.monotonic(), kind, 0, repr(exc)))
                continue
            answers.append(
                Answer(time.monotonic(), kind, page.status, page.text, summary if kind == "post" else "")
            )


def test_database_restart_under_load_gives_503_loses_nothing_and_recovers(cluster, tmp_path):
    url = cluster.url("qiqing")
    _manage(tmp_path, url, "migrate", "--noinput")
    _manage(tmp_path, url, "seed_demo", "--months", "3", "--force", "-v0")
    enterprises = [
        pk
        for (pk,) in _query(
            url,
            "SELECT a.enterprise_id FROM cadres_assignment a JOIN cadres_cadre c ON c.id = a.cadre_id "
            "JOIN auth_user u ON u.id = c.user_id WHERE u.username = 'cadre' AND a.\"end\" IS NULL "
            "ORDER BY a.enterprise_id",
        )
    ]
    category = _query(url, "SELECT id FROM requests_tracker_category WHERE active ORDER BY id LIMIT 1")[0][0]
    dead_broker = f"redis://127.0.0.1:{support.free_port()}/0"  # nothing here queues a task
    server = AppServer(tmp_path, DATABASE_URL=url, CELERY_BROKER_URL=dead_broker)
    stop = threading.Event()
    answers: list[Answer] = []
    try:
        workers_before = server.worker_pids()
        browsers = [Browser(server.base).log_in("cadre", DEMO_PASSWORD) for _ in range(4)]
        threads = [
            threading.Thread(target=_work, args=(b, f"t{i}", enterprises, category, stop, answers))
            for i, b in enumerate(browsers)
        ]
        for thread in threads:
            thread.start()
        time.sleep(3)
        down_at = time.monotonic()
        cluster.stop("fast")  # disconnects every session, rolls back what is in flight
        time.sleep(3)
        ready_while_down = Browser(server.base).get("/readyz")
        cluster.start()
        up_at = time.monotonic()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(60)
        recovered = Browser(server.base).get("/readyz")
        assert server.worker_pids() == workers_before  # the same workers, nothing restarted
    finally:
        stop.set()
        server.stop()

    statuses = {a.status for a in answers}
    assert statuses <= {200, 302, 503}, sorted(statuses)
    unavailable = [a for a in answers if a.status == 503]
    assert any(down_at <= a.at <= up_at + 1 for a in unavailable), "no request met the outage"
    assert all("数据库暂时无法连接" in a.text and "Traceback" not in a.text for a in unavailable)
    assert ready_while_down.status == 503 and recovered.status == 200
    late = [a for a in answers if a.at > up_at + 2]
    assert late and all(a.status in (200, 302) for a in late)

    saved = {a.summary for a in answers if a.kind == "post" and a.status == 302}
    stored = _query(
        url,
        "SELECT v.summary, count(DISTINCT r.id), count(e.id) FROM visits_visit v "
        "LEFT JOIN requests_tracker_request r ON r.visit_id = v.id "
        "LEFT JOIN requests_tracker_requestevent e ON e.request_id = r.id "
        f"WHERE v.summary LIKE '{MARKER}%' GROUP BY v.summary",
    )
    assert {summary for summary, _, _ in stored} == saved
    assert all((requests, events) == (1, 1) for _, requests, events in stored)


@pytest.mark.django_db(transaction=True)
def test_connections_dropped_between_requests_are_replaced_without_an_error(world, tmp_path):
    """A failover or a DBA ending idle sessions: the next request notices (CONN_HEALTH_CHECKS)
    and opens a new connection instead of failing."""
    from django.db import connection

    dead_broker = f"redis://127.0.0.1:{support.free_port()}/0"
    server = AppServer(tmp_path, DATABASE_URL=support.database_url(connection), CELERY_BROKER_URL=dead_broker)
    try:
        browser = Browser.logged_in(server.base, world.users["cadre"])
        assert [browser.get("/visits/mine/").status for _ in range(4)] == [200] * 4
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        assert [browser.get("/visits/mine/").status for _ in range(6)] == [200] * 6
    finally:
        server.stop()

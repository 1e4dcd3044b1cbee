"""Scaling out: two Celery workers and exactly one beat against one Redis and one PostgreSQL.

Beat runs with a fast schedule (QIQING_BEAT_EVERY_SECONDS: every job every 2 seconds) for
twenty seconds over a seeded demo county whose users all have e-mail addresses, so each job runs
many times, on both workers, often at the same moment as itself. Afterwards the database holds
what ONE clean run of each job produces — compared with a copy of the same database on which each
job ran once — and the SMTP server received every notification's e-mail exactly once.
"""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import sys
import time
from collections import Counter

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from analytics.demo import DemoCounty
from qiqing.models import JobRun, Notification
from tests.drills import support
from tests.drills.support import ROOT, PrivateRedis, SmtpSink

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

JOBS = ("compute_snapshots", "rank_towns", "remind_unvisited", "flag_overdue", "auto_close", "drain_outbox")
RUN_FOR = 20

# What each job leaves behind, without ids and clock readings (two runs differ only in those).
EFFECTS = {
    "supervision notices": "SELECT request_id, level, unit_id, due FROM requests_tracker_supervisionnotice",
    "notifications": "SELECT recipient_id, kind, url, dedupe_key, email_wanted FROM qiqing_notification",
    "request events": "SELECT request_id, action, from_status, to_status FROM requests_tracker_requestevent",
    "requests": "SELECT id, status, version, is_overdue, sign_overdue, contact_overdue FROM requests_tracker_request",
    "snapshots": "SELECT to_jsonb(s) - 'id' - 'computed_at' FROM analytics_snapshot s",
    "rankings": "SELECT to_jsonb(r) - 'id' - 'computed_at' FROM analytics_townranking r",
    "ranking entries": (
        "SELECT r.week_start, to_jsonb(e) - 'id' - 'ranking_id' FROM analytics_townrankingentry e "
        "JOIN analytics_townranking r ON r.id = e.ranking_id"
    ),
}


def _effects(url: str) -> dict[str, Counter]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            found = {}
            for name, sql in EFFECTS.items():
                cursor.execute(sql)
                found[name] = Counter(repr(row) for row in cursor.fetchall())
            return found
    finally:
        conn.close()


def _clone(database: str, clone: str) -> None:
    connection.close()  # CREATE DATABASE … TEMPLATE needs the template to have no sessions
    admin = psycopg2.connect(support.database_url(connection).rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{clone}"')
        # Sessions an earlier drill's processes left behind (a SIGKILLed worker's, say) would block
        # the copy; the test database is this test process's own.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        cursor.execute(f'CREATE DATABASE "{clone}" TEMPLATE "{database}"')
    admin.close()


def _drop(clone: str) -> None:
    admin = psycopg2.connect(support.database_url(connection).rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{clone}" WITH (FORCE)')
    admin.close()


ONE_CLEAN_RUN = """
import django; django.setup()
from analytics import tasks as analytics_tasks
from requests_tracker import tasks as lifecycle_tasks
lifecycle_tasks.flag_overdue(); lifecycle_tasks.auto_close()
analytics_tasks.compute_snapshots(); analytics_tasks.rank_towns(); analytics_tasks.remind_unvisited()
lifecycle_tasks.drain_outbox()
"""


def test_two_workers_and_one_beat_do_each_jobs_work_once(tmp_path):
    support.restore_reference_rows()
    DemoCounty(scale=1, seed=2026, until=timezone.localdate(), months=3).build()
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.all():
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])

    url = support.database_url(connection)
    database = connection.settings_dict["NAME"]
    clone = f"{database}_once"
    _clone(database, clone)
    sink = SmtpSink()
    redis = PrivateRedis(tmp_path).start()
    processes = []
    try:
        reference = subprocess.run(
            [sys.executable, "-c", ONE_CLEAN_RUN], cwd=ROOT, capture_output=True, text=True, timeout=600,
            env=support.app_env(tmp_path, DATABASE_URL=url.rsplit("/", 1)[0] + "/" + clone,
                                CELERY_TASK_ALWAYS_EAGER="true",
                                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        )  # fmt: skip
        assert reference.returncode == 0, reference.stderr[-3000:]
        once = _effects(url.rsplit("/", 1)[0] + "/" + clone)

        env = {"DATABASE_URL": url, "CELERY_BROKER_URL": redis.url, **sink.env()}
        processes += [support.celery_worker(tmp_path, name, **env) for name in ("w1", "w2")]
        processes.append(support.celery_beat(tmp_path, QIQING_BEAT_EVERY_SECONDS=2, **env))
        time.sleep(RUN_FOR)
        processes.pop().stop()  # beat: nothing new is sent from here on
        # Let the workers finish what beat sent, then one more drain for e-mails queued last.
        support.wait_for(lambda: _queue_empty(redis), timeout=300, what="the queue to empty")
        support.wait_for(lambda: not JobRun.objects.filter(finished_at__isnull=True).exists(), timeout=300,
                         what="the last jobs to finish")  # fmt: skip
        support.send_task(redis.url, "requests_tracker.tasks.drain_outbox")
        support.wait_for(lambda: Notification.objects.email_pending().count() == 0, timeout=120,
                         what="every e-mail to go")  # fmt: skip
        time.sleep(2)  # a send task still in flight would show up as a second copy now
        logs = {p.name: p.log(10**7) for p in processes}
    finally:
        for process in processes:
            process.stop()
        redis.stop()
        sink.close()
        _drop(clone)

    runs = Counter(JobRun.objects.values_list("name", flat=True))
    assert all(runs[job] >= 2 for job in JOBS), runs  # every job really ran again and again
    assert all(re.search(r"Task \S+ succeeded", log) for log in logs.values())  # both workers worked
    assert not JobRun.objects.filter(ok=False).exists(), list(
        JobRun.objects.filter(ok=False).values("name", "error")
    )

    assert _effects(url) == once
    assert once["supervision notices"] and once["notifications"] and once["snapshots"] and once["rankings"]
    # Each notification's e-mail arrived once: the same multiset of (to, subject, text).
    assert Counter(_letter(m) for m in sink.messages) == Counter(
        _expected_letter(n)
        for n in Notification.objects.filter(email_wanted=True).select_related("recipient")
    )
    assert len(sink.messages) > 0


def _queue_empty(redis: PrivateRedis) -> bool:
    import redis as redis_client

    client = redis_client.Redis.from_url(redis.url)
    try:
        return client.llen("celery") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()


def _letter(mail) -> tuple[str, str, str]:
    message = email.message_from_bytes(mail.data.encode(), policy=email.policy.default)
    return mail.to[0], str(message["Subject"]).strip(), message.get_content().strip()


def _expected_letter(notification) -> tuple[str, str, str]:
    link = f"{settings.SITE_URL}{notification.url}" if notification.url.startswith("/") else notification.url
    text = "\n\n".join(part for part in (notification.body, link) if part)
    return notification.recipient.email, notification.title, text.strip()

"""A real Celery worker runs the scheduled analytics jobs, sent by name as beat sends them — on
Redis (production) and on the embedded filesystem broker (the default without services).

The worker is a separate process, so it needs the committed test data in a shared PostgreSQL
database; the tests send to a queue of their own so nothing else's messages are touched.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from analytics.models import RankingIndicator, Snapshot
from qiqing.celery import app
from qiqing.models import JobRun, Notification

ROOT = Path(__file__).resolve().parents[2]
JOBS = ("compute_snapshots", "rank_towns", "remind_unvisited")
# The test settings run tasks eagerly; these tests send to a real broker on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(tmp_path: Path, broker_url: str, queue: str) -> subprocess.Popen:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="qiqing.settings",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=broker_url,
        QIQING_VAR_DIR=str(tmp_path),
    )
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qiqing", "worker", "--pool=solo", "--loglevel=INFO",
         "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _wait_for_runs(worker, tmp_path, timeout=90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = {run.name: run for run in JobRun.objects.filter(name__in=JOBS, finished_at__isnull=False)}
        if len(runs) == len(JOBS):
            return runs
        if worker.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"worker did not run the jobs; its log:\n{(tmp_path / 'worker.log').read_text()[-4000:]}")


def _send_beat_entries(sender: Celery, queue: str) -> None:
    for name in JOBS:
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        sender.send_task(entry["task"], queue=queue)


def _prepare(world):
    # Flushing transactional tests may have removed the migrations' rows: put the weights back.
    for code, weight in (("coverage_rate", 20), ("overdue", 10)):
        RankingIndicator.objects.get_or_create(code=code, defaults={"weight": weight})


def _check(runs):
    assert all(run.ok and run.trigger == "beat" for run in runs.values()), {
        n: r.error for n, r in runs.items()
    }
    assert Snapshot.objects.filter(period="day", scope="county").exists()
    assert runs["rank_towns"].counts["towns"] == 2
    assert Notification.objects.filter(kind="visit_due", recipient__username="p_cadre").exists()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_the_jobs_beat_sends(world, tmp_path):
    _prepare(world)
    queue = "qiqing-test-worker"
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # whatever an earlier failed run left behind
    worker = _start_worker(tmp_path, os.environ["CELERY_BROKER_URL"], queue)
    try:
        _send_beat_entries(app, queue)
        _check(_wait_for_runs(worker, tmp_path))
    finally:
        _stop(worker)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_embedded_filesystem_broker_runs_the_jobs_beat_sends(world, tmp_path, monkeypatch):
    _prepare(world)
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    folder = tmp_path / "broker"
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sender = Celery(
        "qiqing-test-sender",
        broker="filesystem://",
        broker_transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )
    queue = f"qiqing-test-{uuid.uuid4().hex[:8]}"
    worker = _start_worker(tmp_path, "filesystem://", queue)
    try:
        _send_beat_entries(sender, queue)
        _check(_wait_for_runs(worker, tmp_path))
    finally:
        _stop(worker)

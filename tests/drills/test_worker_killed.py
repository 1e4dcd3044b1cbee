"""Drill: a Celery worker killed with SIGKILL in the middle of a job.

A real worker on a private redis-server runs compute_snapshots over three months of a seeded demo
county (about fifty periods, each written in its own transaction). Part-way through — its run
started and some periods already written — the process running it is killed:

* the pool process of a prefork worker: the worker sees it die and, with ``acks_late`` and
  ``reject_on_worker_lost``, puts the message back; a new pool process runs the job again;
* the whole worker (``--pool=solo``), as when a machine dies: the message stays unacknowledged
  in Redis until the visibility timeout passes, and the next worker to start takes it back.

Either way the job runs again to the end, and the snapshot table equals one clean run's.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from django.db import connection
from django.utils import timezone

from analytics.demo import DemoCounty
from analytics.models import Snapshot
from analytics.snapshots import compute_snapshots
from qiqing.jobs import INTERRUPTED
from qiqing.models import JobRun
from tests.drills import support
from tests.drills.support import PrivateRedis

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TASK = "analytics.tasks.compute_snapshots"
VISIBILITY = 8  # seconds; production keeps an hour (QIQING_BROKER_VISIBILITY_TIMEOUT)
FIELDS = [f.name for f in Snapshot._meta.fields if f.name not in ("id", "computed_at")]


def _state() -> list[tuple]:
    return sorted(Snapshot.objects.values_list(*FIELDS), key=repr)


@pytest.fixture
def county(transactional_db):
    support.restore_reference_rows()
    DemoCounty(scale=1, seed=2026, until=timezone.localdate(), months=3).build()
    first = timezone.localdate() - dt.timedelta(days=40)
    compute_snapshots(first)  # the clean run everything is compared with
    clean = _state()
    Snapshot.objects.all().delete()
    return first, clean


@pytest.fixture
def redis(tmp_path):
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


def _mid_job() -> bool:
    """The run has started and written part of its periods, and has not finished."""
    run = JobRun.objects.filter(name="compute_snapshots").order_by("-started_at").first()
    return bool(run and run.finished_at is None and Snapshot.objects.exists())


def _one_interrupted_then_one_clean_run():
    """The redelivered message (same task id) closed the run its dead worker left open."""
    runs = list(JobRun.objects.filter(name="compute_snapshots").order_by("started_at"))
    assert [(r.ok, r.finished_at is None, r.error) for r in runs] == [
        (False, False, INTERRUPTED),
        (True, False, ""),
    ]
    assert runs[0].task_id and runs[0].task_id == runs[1].task_id


def _finished_runs() -> int:
    return JobRun.objects.filter(name="compute_snapshots", ok=True).count()


def test_pool_process_killed_mid_job_the_job_reruns_to_a_clean_state(county, redis, tmp_path):
    first, clean = county
    env = {"DATABASE_URL": support.database_url(connection), "CELERY_BROKER_URL": redis.url}
    worker = support.celery_worker(tmp_path, "prefork", pool="prefork", **env)
    try:
        support.send_task(redis.url, TASK, first=first.isoformat())
        support.wait_for(_mid_job, timeout=120, interval=0.1, what="the job to be half-way")
        pool = worker.children()
        assert pool, "the prefork worker has no pool process"
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        assert len(_state()) < len(clean), "the kill came too late: the job had already written everything"
        support.wait_for(lambda: _finished_runs() == 1, timeout=300, what=f"the re-run\n{worker.log()}")
        assert worker.alive()
    finally:
        worker.stop()
    assert "WorkerLostError" in worker.log(20000) or "SIGKILL" in worker.log(20000)
    assert _state() == clean
    _one_interrupted_then_one_clean_run()


def test_whole_worker_killed_mid_job_the_next_worker_takes_it_back_after_the_visibility_timeout(
    county, redis, tmp_path
):
    first, clean = county
    env = {
        "DATABASE_URL": support.database_url(connection),
        "CELERY_BROKER_URL": redis.url,
        "QIQING_BROKER_VISIBILITY_TIMEOUT": VISIBILITY,
    }
    doomed = support.celery_worker(tmp_path, "doomed", pool="solo", **env)
    successor = None
    try:
        support.send_task(redis.url, TASK, first=first.isoformat())
        support.wait_for(_mid_job, timeout=120, interval=0.1, what="the job to be half-way")
        doomed.kill(signal.SIGKILL)
        killed_at = time.monotonic()
        doomed.popen.wait(30)
        written = len(_state())
        assert written < len(clean), "the kill came too late: the job had already written everything"
        # The message is still Redis's, unacknowledged: a worker starting before the visibility
        # timeout leaves it alone, one starting after takes it back when it connects.
        time.sleep(max(0.0, killed_at + VISIBILITY + 1 - time.monotonic()))
        successor = support.celery_worker(tmp_path, "successor", pool="solo", **env)
        support.wait_for(lambda: _finished_runs() == 1, timeout=300, what=f"the re-run\n{successor.log()}")
    finally:
        doomed.stop()
        if successor:
            successor.stop()
    assert _state() == clean
    _one_interrupted_then_one_clean_run()

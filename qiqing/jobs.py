"""Run log for scheduled jobs: every run records its start, end, counts and any failure.

Usage in a task or management command::

    with job_run("flag_overdue", trigger="beat") as run:
        run.counts["flagged"] = flag_overdue_requests(now)

The JobRun row is written outside the job's own transaction, so a failed job still leaves its
failure on the admins' jobs page.
"""

from __future__ import annotations

import logging
import traceback
from contextlib import contextmanager

from django.utils import timezone

from qiqing.models import JobRun

logger = logging.getLogger("qiqing.jobs")


INTERRUPTED = JobRun.INTERRUPTED


def _current_task_id() -> str:
    """The id of the Celery task this code runs in ("" in a management command or shell)."""
    from celery import current_task

    request = getattr(current_task, "request", None)
    return (getattr(request, "id", None) or "") if current_task else ""


@contextmanager
def job_run(name: str, *, trigger: str = "beat"):
    task_id = _current_task_id()
    if task_id:
        # This message ran before and its worker died mid-job (acks_late redelivered it): the
        # earlier run would otherwise stay "running" on the jobs page for ever.
        JobRun.objects.filter(name=name, task_id=task_id, finished_at__isnull=True).update(
            ok=False, finished_at=timezone.now(), error=INTERRUPTED
        )
    run = JobRun.objects.create(name=name, trigger=trigger, task_id=task_id)
    try:
        yield run
    except Exception as exc:
        run.ok = False
        run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        run.finished_at = timezone.now()
        run.save(update_fields=["ok", "error", "finished_at", "counts"])
        logger.exception("job %s failed", name)
        raise
    run.ok = True
    run.finished_at = timezone.now()
    run.save(update_fields=["ok", "finished_at", "counts"])
    logger.info("job %s done: %s", name, run.counts)


def last_success(name: str) -> JobRun | None:
    return JobRun.objects.filter(name=name, ok=True).order_by("-started_at").first()

"""Jobs: the run log of scheduled jobs, and the one runner of background jobs started from a page.

Scheduled jobs: every run records its start, end, counts and any failure.

Usage in a task or management command::

    with job_run("flag_overdue", trigger="beat") as run:
        run.counts["flagged"] = flag_overdue_requests(now)

The JobRun row is written outside the job's own transaction, so a failed job still leaves its
failure on the admins' jobs page.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qiqing.models import BackgroundJob, JobRun

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


# --- background jobs started from a page -----------------------------------------------------------
# One runner for every long task a user starts (ledger import, monthly report, recomputing the
# common problems), in the spirit of pretix's AsyncAction: a kind is declared once with the
# function that does the work and who besides its creator may follow it; the job is queued with
# ``start``, run by the one Celery task ``qiqing.tasks.run_background_job`` through ``run``, and
# followed on one progress page with one status endpoint (``qiqing.views.job*``).


class JobFailed(Exception):
    """Raised by a job's work for a failure the user can act on; its message is shown as is."""


@dataclass(frozen=True)
class JobKind:
    name: str
    work: Callable  # (job) -> result dict; reports progress through job.report_progress
    # Who besides the creator may follow the job and download its file: (user) -> Q on
    # BackgroundJob rows of this kind, or None for nobody else.
    audience: Callable | None = None
    # Shown on the progress page once the job is done (the job and its result in the context).
    result_template: str = ""
    # The page the job belongs to: (url name, label) for the breadcrumb and the "back" link.
    home: tuple[str, str] = ("", "")
    stylesheet: str = ""  # a static CSS file the result needs


_KINDS: dict[str, JobKind] = {}


def background_job(name: str, *, audience=None, result_template: str = "", home=("", ""), stylesheet=""):
    """Declare a kind of background job; decorates the function doing its work."""

    def register(work):
        _KINDS[name] = JobKind(name, work, audience, result_template, home, stylesheet)
        return work

    return register


def kinds() -> dict[str, JobKind]:
    """Every declared kind; each app declares its kinds in its ``tasks`` module."""
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks") is not None:
            importlib.import_module(f"{config.name}.tasks")
    return _KINDS


def kind_of(job) -> JobKind:
    return kinds()[job.kind]


def start(
    kind: str, *, actor, title: str, params: dict | None = None, message: str = "", total: int = 0
) -> BackgroundJob:
    """Create the job and queue it once the surrounding transaction commits (with no broker the
    job fails at once with the reason, instead of waiting for ever)."""
    from qiqing.broker import publish_job_on_commit
    from qiqing.tasks import run_background_job

    if kind not in kinds():
        raise ValueError(f"undeclared background job kind {kind!r}")
    params = {"language": translation.get_language(), **(params or {})}
    job = BackgroundJob.objects.create(
        kind=kind, title=title[:200], created_by=actor, params=params, message=message[:300], total=total
    )
    publish_job_on_commit(job, run_background_job)
    return job


def run(job_id: int) -> None:
    """Run a job's work. The one redelivery rule: a finished job (done or failed) is left alone;
    a job found running was interrupted (its worker died and the broker delivered the message
    again) and runs again from the start — every kind's work is all or nothing. A failure is
    recorded on the job, never raised: a retry would only repeat it; the user starts again."""
    job = BackgroundJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status in (BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED):
        return
    if job.status == BackgroundJob.Status.RUNNING:
        logger.warning("background job %s (%s) was interrupted; running it again", job.pk, job.kind)
    job.status = BackgroundJob.Status.RUNNING
    job.started_at = timezone.now()
    BackgroundJob.objects.filter(pk=job.pk).update(status=job.status, started_at=job.started_at)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            result = kind_of(job).work(job)
        except JobFailed as exc:
            _fail(job, str(exc))
            return
        except Exception as exc:
            logger.exception("background job %s (%s) failed", job.pk, job.kind)
            _fail(
                job,
                _(
                    "处理过程中出现意外错误，未写入任何数据（%(error)s）。请稍后重试；如持续失败请联系系统管理员。"
                )
                % {"error": "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]},
            )
            return
    job.status = BackgroundJob.Status.DONE
    job.result = result or {}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "result_file", "message", "done", "total", "finished_at"])


def _fail(job, message: str) -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJob.Status.FAILED, error=message, message=message[:300], finished_at=timezone.now()
    )


def shared_jobs(access, user) -> Q | None:
    """The scope's ``extra`` for BackgroundJob: the jobs each kind shares beyond their creator."""
    parts = []
    for kind in kinds().values():
        if kind.audience is not None:
            condition = kind.audience(user)
            if condition is not None:
                parts.append(Q(kind=kind.name) & condition)
    if not parts:
        return None
    combined = Q()
    for part in parts:
        combined |= part
    return combined


def status_payload(job) -> dict:
    """What the progress page polls."""
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "finished": job.status in (BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED),
    }

"""Celery tasks for the request lifecycle: each takes plain values, records its run, calls a service.

The three periodic ones (``flag_overdue``, ``auto_close``, ``drain_outbox``) are idempotent: a
second run for the same moment changes nothing, and a run killed half-way leaves every request
either finished or untouched. Another part of the project puts them on the beat schedule.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cadres.models import Unit
from qiqing import notifications
from qiqing.jobs import JobFailed, background_job, job_run
from qiqing.ledger import JobProgress
from requests_tracker import services


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="requests_tracker.tasks.flag_overdue", ignore_result=True)
def flag_overdue(trigger: str = "beat", today: str | None = None) -> dict:
    with job_run("flag_overdue", trigger=trigger) as run:
        run.counts.update(services.flag_overdue_requests(today=_date(today)))
    return run.counts


@shared_task(name="requests_tracker.tasks.auto_close", ignore_result=True)
def auto_close(trigger: str = "beat", today: str | None = None) -> dict:
    with job_run("auto_close", trigger=trigger) as run:
        run.counts.update(services.auto_close_requests(today=_date(today)))
    return run.counts


@shared_task(name="requests_tracker.tasks.spotcheck", ignore_result=True)
def spotcheck(trigger: str = "beat", today: str | None = None) -> dict:
    """Draw last week's random spot check (随机抽查); a second run draws nothing new."""
    with job_run("spotcheck", trigger=trigger) as run:
        run.counts.update(services.spotcheck_last_week(today=_date(today)))
    return run.counts


@shared_task(name="requests_tracker.tasks.drain_outbox", ignore_result=True)
def drain_outbox(trigger: str = "beat") -> dict:
    with job_run("drain_outbox", trigger=trigger) as run:
        run.counts.update(notifications.drain_outbox())
    return run.counts


@shared_task(name="requests_tracker.tasks.recount_deadlines", ignore_result=True)
def recount_deadlines(dates: list[str], trigger: str = "manual") -> dict:
    """Recount open deadlines after admins changed the working-day calendar."""
    with job_run("recount_deadlines", trigger=trigger) as run:
        run.counts.update(services.recount_open_requests([dt.date.fromisoformat(d) for d in dates]))
    return run.counts


# --- background jobs started from a page (one runner: qiqing.jobs) ----------------------------------
DISPATCH_BATCH = "dispatch_batch"


@background_job(
    DISPATCH_BATCH,
    audience=lambda user: None,  # the supervisor who started it follows it
    result_template="requests_tracker/dispatch/_batch_job_result.html",
    home=("requests_tracker:triage", _lazy("受理分办")),
)
def dispatch_batch(job) -> dict:
    """A large batch (交办批次) assigned in the background: still one transaction, all or nothing.

    Running it again after an interruption is safe: the interrupted transaction rolled back, so
    the requests still wait for triage and the batch is assigned from the start.
    """
    params = job.params
    fallback = Unit.objects.filter(pk=params.get("fallback_lead_unit")).first()
    progress = JobProgress(job)

    def report(done, total):
        progress(done, total, _("已交办 %(done)s/%(total)s 件") % {"done": done, "total": total})

    try:
        batch = services.batch_assign(
            actor=job.created_by,
            request_ids=params["request_ids"],
            note=params["note"],
            fallback_lead_unit=fallback,
            progress=report,
        )
    except ValidationError as exc:
        raise JobFailed(" ".join(exc.messages)) from exc
    finally:
        progress.close()
    return {"batch": batch.pk, "label": str(batch.label), "requests": len(params["request_ids"])}

"""Celery tasks of the analytics jobs: thin interfaces over ``analytics.jobs`` runners.

Each is idempotent (re-running for the same moment rewrites the same rows), acknowledged late
so a worker killed mid-run leaves the message to be redelivered, and retried only for transient
database trouble (a dropped connection, a failover); a bug fails once and shows on the jobs page.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from analytics import background, jobs, reports

TRANSIENT = (OperationalError, InterfaceError)
OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="analytics.tasks.compute_snapshots", **OPTIONS)
def compute_snapshots(first: str | None = None, last: str | None = None, trigger: str = "beat") -> dict:
    return jobs.run_compute_snapshots(first=_date(first), last=_date(last), trigger=trigger)


@shared_task(name="analytics.tasks.rank_towns", **OPTIONS)
def rank_towns(week_start: str | None = None, trigger: str = "beat") -> dict:
    return jobs.run_rank_towns(week_start=_date(week_start), trigger=trigger)


@shared_task(name="analytics.tasks.remind_unvisited", **OPTIONS)
def remind_unvisited(today: str | None = None, trigger: str = "beat") -> dict:
    return jobs.run_remind_unvisited(today=_date(today), trigger=trigger)


@shared_task(name="analytics.tasks.cluster_problems", **OPTIONS)
def cluster_problems(trigger: str = "beat") -> dict:
    return jobs.run_cluster_problems(trigger=trigger)


@shared_task(name="analytics.tasks.cluster_problems_job", acks_late=True)
def cluster_problems_job(job_id: int) -> None:
    """共性问题重新计算 started from the page: progress on the BackgroundJob, logged as a manual run."""

    def work(job):
        def progress(done, total):
            job.report_progress(
                done, total, _("已完成 %(done)s/%(total)s 个问题类别") % {"done": done, "total": total}
            )

        return jobs.run_cluster_problems(trigger="manual", progress=progress)

    background.run(job_id, work)


@shared_task(name="analytics.tasks.monthly_report", acks_late=True)
def monthly_report(job_id: int) -> None:
    background.run(job_id, reports.build_monthly_report)

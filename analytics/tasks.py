"""Celery tasks of the analytics jobs: thin interfaces over ``analytics.jobs`` runners.

Each is idempotent (re-running for the same moment rewrites the same rows), acknowledged late
so a worker killed mid-run leaves the message to be redelivered, and retried only for transient
database trouble (a dropped connection, a failover); a bug fails once and shows on the jobs page.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from analytics import jobs, reports, services
from enterprises.models import Town
from qiqing.access import access_for
from qiqing.jobs import background_job

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


# --- background jobs started from a page (one runner: qiqing.jobs) ----------------------------------


def _county_staff(user):
    return Q() if access_for(user).sees_everything else None


def _report_readers(user):
    """A county report is for county-wide staff; a town's report also for that town's supervisors."""
    access = access_for(user)
    if access.sees_everything:
        return Q()
    if access.is_supervisor:
        return Q(params__town__in=list(Town.objects.visible_to(user).values_list("code", flat=True)))
    return None


@background_job(
    services.CLUSTER_PROBLEMS,
    audience=_county_staff,
    result_template="analytics/_problems_job_result.html",
    home=("analytics:problems", _lazy("共性问题")),
)
def recompute_problems(job) -> dict:
    """共性问题重新计算 started from the page: progress on the job, logged as a manual run."""

    def progress(done, total):
        job.report_progress(
            done, total, _("已完成 %(done)s/%(total)s 个问题类别") % {"done": done, "total": total}
        )

    return jobs.run_cluster_problems(trigger="manual", progress=progress)


@background_job(
    services.MONTHLY_REPORT,
    audience=_report_readers,
    home=("analytics:reports", _lazy("月报")),
)
def monthly_report(job) -> dict:
    return reports.build_monthly_report(job)

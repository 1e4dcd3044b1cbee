"""Long tasks started from a page (月报, 共性问题重新计算): a ``qiqing.BackgroundJob`` row the
page polls, moved through pending → running → done / failed by ``run``.

Who may see a job: its creator, and staff whose scope covers the job's scope (``params["town"]``:
a town's code, or absent for the whole county) — a county report is for county-wide staff, a
town's report also for that town's supervisors. Anyone else gets a 404.

A job runs in the language of the page that started it (``params["language"]``), like its title:
an English reader gets an English report.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation

from qiqing.access import access_for
from qiqing.models import BackgroundJob

logger = logging.getLogger("analytics.background")

MONTHLY_REPORT = "monthly_report"
CLUSTER_PROBLEMS = "cluster_problems"
KINDS = (MONTHLY_REPORT, CLUSTER_PROBLEMS)


def jobs_visible_to(user):
    """The analytics jobs the user may follow and download (see the module docstring)."""
    access = access_for(user)
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    mine = Q(created_by=user)
    if access.sees_everything:
        return BackgroundJob.objects.filter(mine | Q(kind__in=KINDS))
    if access.supervised_town_ids:
        from enterprises.models import Town

        codes = list(Town.objects.filter(pk__in=access.supervised_town_ids).values_list("code", flat=True))
        return BackgroundJob.objects.filter(mine | Q(kind=MONTHLY_REPORT, params__town__in=codes))
    return BackgroundJob.objects.filter(mine)


def run(job_id: int, work: Callable[[BackgroundJob], dict]) -> None:
    """Run ``work(job)`` for the job: its progress goes through ``job.report_progress``; the
    returned dict becomes the job's result. A failure is recorded on the job (the page shows
    it) and logged, not raised: a re-try would only repeat it; the user can start again."""
    job = BackgroundJob.objects.get(pk=job_id)
    if job.status in (BackgroundJob.Status.DONE, BackgroundJob.Status.RUNNING):
        return  # a redelivered message: the job has been (or is being) done
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJob.Status.RUNNING, started_at=timezone.now()
    )
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            result = work(job)
    except Exception as exc:
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=BackgroundJob.Status.FAILED,
            error="".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000],
            finished_at=timezone.now(),
        )
        return
    fields = {"status": BackgroundJob.Status.DONE, "result": result or {}, "finished_at": timezone.now()}
    if job.result_file:
        fields["result_file"] = job.result_file.name
    BackgroundJob.objects.filter(pk=job.pk).update(**fields)

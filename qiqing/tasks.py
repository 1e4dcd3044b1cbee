"""The one Celery task of background jobs started from a page (see ``qiqing.jobs``)."""

from __future__ import annotations

from celery import shared_task

from qiqing import jobs


@shared_task(name="qiqing.tasks.run_background_job", acks_late=True, ignore_result=True)
def run_background_job(job_id: int) -> None:
    """Acknowledged late: a worker killed mid-job leaves the message to be delivered again, and
    ``jobs.run`` then runs the interrupted job again from the start."""
    jobs.run(job_id)

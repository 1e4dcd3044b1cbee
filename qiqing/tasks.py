"""The shared Celery tasks: the one runner of background jobs (``qiqing.jobs``) and the e-mail of
a notification (``qiqing.notifications``), registered here where the workers discover them."""

from __future__ import annotations

from celery import shared_task

from qiqing import jobs, notifications


@shared_task(name="qiqing.tasks.run_background_job", acks_late=True, ignore_result=True)
def run_background_job(job_id: int) -> None:
    """Acknowledged late: a worker killed mid-job leaves the message to be delivered again, and
    ``jobs.run`` then runs the interrupted job again from the start."""
    jobs.run(job_id)


@shared_task(name="qiqing.notifications.send_notification_email", ignore_result=True)
def send_notification_email(pk: int) -> str:
    """The e-mail of one notification (the name predates this module: queued messages still run)."""
    return notifications.send_one(pk)

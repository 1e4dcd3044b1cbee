"""Background jobs started from a page never wait for ever when the broker is unreachable."""

import pytest
from django.db import transaction

from qiqing import broker
from qiqing.models import BackgroundJob

pytestmark = pytest.mark.django_db(transaction=True)


class _DeadBrokerTask:
    name = "tests.dead_broker"

    def delay(self, *args, **kwargs):
        raise OSError("connection refused")


def test_a_job_that_cannot_be_queued_is_marked_failed_with_a_reason():
    broker.resume()
    with transaction.atomic():
        job = BackgroundJob.objects.create(kind="test", title="月报")
        broker.publish_job_on_commit(job, _DeadBrokerTask())
    job.refresh_from_db()
    broker.resume()
    assert job.status == "failed" and "任务队列暂时不可用" in job.error


def test_a_queued_job_stays_pending_for_its_worker():
    calls = []

    class Task:
        name = "tests.ok"

        def delay(self, *args, **kwargs):
            calls.append(args)

    broker.resume()
    with transaction.atomic():
        job = BackgroundJob.objects.create(kind="test", title="月报")
        broker.publish_job_on_commit(job, Task())
    job.refresh_from_db()
    assert (job.status, calls) == ("pending", [(job.pk,)])

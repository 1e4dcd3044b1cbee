"""The e-mail of a notification travels through the real broker to a real worker (Redis)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from qiqing import notifications
from qiqing.celery import app
from qiqing.models import Notification
from tests import factories as f

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(shared_broker):
    app.conf.task_always_eager = False
    app.loader.import_default_modules()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_notice_committed_is_mailed_by_the_worker_once(worker):
    user = f.UserFactory(username="erin", email="erin@example.cn")
    with transaction.atomic():
        item = notifications.notify(user, "assigned", "新交办诉求 QQ2026000009", "请签收。", "/requests/9/")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not Notification.objects.get(pk=item.pk).emailed_at:
        time.sleep(0.2)
    assert Notification.objects.get(pk=item.pk).emailed_at is not None
    assert [message.to for message in mail.outbox] == [["erin@example.cn"]]
    assert notifications.drain_outbox() == {"sent": 0, "skipped": 0, "failed": 0}

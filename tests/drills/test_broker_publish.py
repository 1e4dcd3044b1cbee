"""Publishing from a page when the broker cannot be reached: refused at once, nothing raised,
and the broker left alone for a while so an outage costs one request one wait (no services needed:
the broker here is a port where nothing listens)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid

import pytest
from celery import Celery

from qiqing import broker
from tests.drills import support


@pytest.fixture
def dead_task(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it over the app's own
    app = Celery("dead-broker", broker=f"redis://127.0.0.1:{support.free_port()}/0", set_as_current=False)
    app.conf.broker_connection_timeout = 1

    @app.task(name=f"drill.ping.{uuid.uuid4().hex[:8]}")  # a fresh name: Celery keeps names process-wide
    def ping():
        return "pong"

    broker.resume()
    yield ping
    broker.resume()


def test_an_unreachable_broker_is_reported_not_raised_then_left_alone(dead_task, caplog):
    caplog.set_level(logging.INFO, logger="qiqing.broker")
    assert broker.publish(dead_task) is False
    assert broker.publish(dead_task) is False
    messages = [record.getMessage() for record in caplog.records]
    assert "broker unreachable" in messages[0] and "paused" in messages[1]


def test_after_the_pause_the_broker_is_tried_again(dead_task, caplog):
    caplog.set_level(logging.INFO, logger="qiqing.broker")
    broker.publish(dead_task)
    broker.resume()
    broker.publish(dead_task)
    assert sum("broker unreachable" in record.getMessage() for record in caplog.records) == 2


def test_redis_broker_settings_give_up_within_seconds():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "o = s.CELERY_BROKER_TRANSPORT_OPTIONS; "
        "print(o['socket_connect_timeout'], o['socket_timeout'], o['visibility_timeout'], "
        "s.CELERY_TASK_PUBLISH_RETRY_POLICY['max_retries'], s.CELERY_BROKER_CONNECTION_TIMEOUT)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="qiqing.settings",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        QIQING_VAR_DIR="/tmp/qiqing-settings-test",
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=support.ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "3", "3600", "1", "3"]

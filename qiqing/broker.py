"""Queueing Celery tasks from a web request without depending on the broker being up.

Everything a page queues is also recoverable without the broker (an e-mail's Notification row
is its outbox entry; drain_outbox sends what never left), so a page must answer even when Redis
is down or hung. ``publish()`` gives up quickly (timeouts in settings: QIQING_BROKER_TIMEOUT),
logs, returns False — and then skips the broker for ``PAUSE`` seconds, so an outage costs one
request one wait instead of every request the same wait.
"""

from __future__ import annotations

import logging
import time

from kombu.exceptions import OperationalError

logger = logging.getLogger("qiqing.broker")

# What publishing raises when the broker cannot be reached: kombu wraps connection and channel
# errors as OperationalError; a read that times out on a hung Redis may surface as the client's
# own error (redis-py's TimeoutError / ConnectionError) or a socket error.
UNAVAILABLE: tuple[type[BaseException], ...] = (OperationalError, OSError)
try:
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    UNAVAILABLE += (_RedisConnectionError, _RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a pinned dependency
    pass

PAUSE = 30.0
_paused_until = 0.0


def publish(task, *args, **kwargs) -> bool:
    """``task.delay(*args, **kwargs)``; False (logged, nothing raised) if the broker is unreachable."""
    global _paused_until
    if time.monotonic() < _paused_until:
        logger.info("broker paused after a failure: %s not queued (its outbox picks it up)", task.name)
        return False
    try:
        task.delay(*args, **kwargs)
    except UNAVAILABLE as exc:
        _paused_until = time.monotonic() + PAUSE
        logger.warning("broker unreachable, %s not queued (pausing %ss): %s", task.name, PAUSE, exc)
        return False
    return True


def resume() -> None:
    """Try the broker again on the next publish (tests; an operator's shell)."""
    global _paused_until
    _paused_until = 0.0


def publish_job_on_commit(job, task) -> None:
    """Queue ``task(job.pk)`` once the transaction commits; with no broker, fail the job visibly.

    The page that started a background job (an import, a report) then shows "failed: the task
    queue is unavailable, try again" instead of a job that waits for ever.
    """
    from django.db import transaction
    from django.utils.translation import gettext as _

    from qiqing.models import BackgroundJob

    def queue():
        if not publish(task, job.pk):
            BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.PENDING).update(
                status=BackgroundJob.Status.FAILED,
                # In the language of the page that started the job, like the job's title.
                error=_("任务队列暂时不可用，未能开始处理。请稍后重试；如持续失败请联系系统管理员。"),
            )

    transaction.on_commit(queue)

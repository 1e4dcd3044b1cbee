"""Two people acting on the same request at once, on PostgreSQL with two real connections:
exactly one succeeds; the other is told the request changed and nothing of theirs is written."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from requests_tracker import services
from requests_tracker.models import Request, RequestEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(target):
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_second_writer_waits_for_the_lock_then_is_told_the_request_changed(cast):
    request = cast.build_request("assigned")
    version = request.version
    lead = cast.users["lead"]
    signed = threading.Event()
    release = threading.Event()

    def sign_and_hold():
        with transaction.atomic():
            services.request_sign(actor=lead, request=request, version=version)
            signed.set()
            release.wait(10)  # keep the row lock while the other writer arrives

    first, first_outcome = _in_thread(sign_and_hold)
    assert signed.wait(10)
    second, second_outcome = _in_thread(
        lambda: services.request_return(actor=lead, request=request, reason="wrong_town", version=version)
    )
    time.sleep(0.5)
    assert second.is_alive(), "the second writer should be waiting on the row lock"
    release.set()
    first.join(10)
    second.join(10)
    assert "error" not in first_outcome
    assert isinstance(second_outcome.get("error"), services.StaleRequest)
    assert "办理中" in second_outcome["error"].messages[0]
    fresh = Request.objects.get(pk=request.pk)
    assert (fresh.status, fresh.version, fresh.return_count) == ("in_progress", version + 1, 0)
    assert list(RequestEvent.objects.filter(request=request).values_list("action", flat=True)) == ["sign"]


def test_simultaneous_identical_actions_write_one_event(cast):
    request = cast.build_request("responded_rated")
    version = request.version
    barrier = threading.Barrier(2)

    def close():
        barrier.wait(10)
        return services.request_close(actor=cast.users["supervisor"], request=request, version=version)

    threads = [_in_thread(close) for _ in range(2)]
    for thread, _ in threads:
        thread.join(20)
    outcomes = [outcome for _, outcome in threads]
    assert sum("result" in outcome for outcome in outcomes) == 1
    errors = [outcome["error"] for outcome in outcomes if "error" in outcome]
    assert len(errors) == 1 and isinstance(errors[0], services.StaleRequest)
    assert RequestEvent.objects.filter(request=request, action="close").count() == 1
    assert Request.objects.get(pk=request.pk).version == version + 1

"""Signed webhooks on public status changes, sent to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery
from api.receiver import Receiver
from qiqing import notifications, programme
from requests_tracker import services as lifecycle
from requests_tracker.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(hotline, submit_body):
    ref = hotline.post("/api/v1/requests/", submit_body).json()["service_request_id"]
    return Request.objects.get(ref=ref)


def _assign(world, request):
    return lifecycle.request_assign(actor=world.users["supervisor"], request=request, lead_unit=world.unit_hr)


def test_status_change_is_pushed_signed_to_the_receiver(
    hotline, world, submitted, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        hotline.client.webhook_url = receiver.url
        hotline.client.save()
        with django_capture_on_commit_callbacks(execute=True):
            _assign(world, submitted)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert webhooks.verify(body, hotline.client.webhook_secret, headers["X-Qiqing-Signature"])
    assert not webhooks.verify(body, "another-secret", headers["X-Qiqing-Signature"])
    payload = json.loads(body)
    assert payload["service_request_id"] == submitted.ref and payload["external_ref"] == "12345-2026-000001"
    assert (payload["status_code"], payload["previous_status_code"]) == ("assigned", "submitted")
    assert WebhookDelivery.objects.get().delivered_at is not None


def test_non_public_or_unchanged_events_are_not_pushed(
    hotline, world, submitted, django_capture_on_commit_callbacks
):
    hotline.client.webhook_url = "http://127.0.0.1:9/hook"
    hotline.client.save()
    with django_capture_on_commit_callbacks(execute=False):
        submitted.events.create(
            action="note", note="内部", public=False, from_status="submitted", to_status="assigned"
        )
        submitted.events.create(
            action="note", note="进展", public=True, from_status="submitted", to_status="submitted"
        )
    assert not WebhookDelivery.objects.exists()


def test_requests_not_submitted_by_the_client_are_not_pushed(
    hotline, world, django_capture_on_commit_callbacks
):
    hotline.client.webhook_url = "http://127.0.0.1:9/hook"
    hotline.client.save()
    world.req_a1.events.create(action="sign", from_status="assigned", to_status="in_progress")
    assert not WebhookDelivery.objects.exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_failing_endpoint_never_blocks_the_transition(
    hotline, world, submitted, django_capture_on_commit_callbacks
):
    hotline.client.webhook_url = f"http://127.0.0.1:{_closed_port()}/hook"
    hotline.client.save()
    with django_capture_on_commit_callbacks(execute=True):
        _assign(world, submitted)
    submitted.refresh_from_db()
    delivery = WebhookDelivery.objects.get()
    assert submitted.status == "assigned"
    assert delivery.delivered_at is None and delivery.attempts == 1 and "Error" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + dt.timedelta(seconds=30)


def test_refused_push_is_retried_with_backoff_by_drain_outbox(
    hotline, world, submitted, django_capture_on_commit_callbacks
):
    with Receiver(status=503) as receiver:
        hotline.client.webhook_url = receiver.url
        hotline.client.save()
        with django_capture_on_commit_callbacks(execute=True):
            _assign(world, submitted)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.last_status, delivery.attempts) == (503, 1)
        # Not due yet: the drain leaves it alone.
        assert notifications.drain_outbox() == {"sent": 0, "skipped": 0, "failed": 0}
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        assert notifications.drain_outbox()["failed"] == 1
        second = WebhookDelivery.objects.get()
        assert second.attempts == 2
        assert second.next_attempt_at - timezone.now() > dt.timedelta(minutes=1, seconds=50)
        receiver.status = 200
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        assert notifications.drain_outbox() == {"sent": 1, "skipped": 0, "failed": 0}
        assert notifications.drain_outbox() == {"sent": 0, "skipped": 0, "failed": 0}
    assert len(receiver.received) == 3
    assert len({body for _headers, body in receiver.received}) == 1


def test_push_is_given_up_after_the_admin_set_attempts(
    hotline, world, submitted, django_capture_on_commit_callbacks
):
    programme.settings_update(actor=world.users["admin"], values={"api_webhook_max_attempts": 2})
    with Receiver(status=500) as receiver:
        hotline.client.webhook_url = receiver.url
        hotline.client.save()
        with django_capture_on_commit_callbacks(execute=True):
            _assign(world, submitted)
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        notifications.drain_outbox()
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2 and delivery.gave_up_at is not None
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert notifications.drain_outbox() == {"sent": 0, "skipped": 0, "failed": 0}


def test_claimed_delivery_is_not_sent_twice(hotline, world, submitted):
    hotline.client.webhook_url = "http://127.0.0.1:9/hook"
    hotline.client.save()
    _assign(world, submitted)  # on_commit not run: the row waits in the outbox
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + webhooks.LEASE)
    assert webhooks.send_one(delivery.pk) == "skipped"

"""Signed webhooks (回调推送) on each public status change of a request a client submitted.

The WebhookDelivery row is the outbox entry: it is written in the transition's own transaction
(so a push exists exactly when the change was committed), queued to a worker on commit, and the
periodic ``drain_outbox`` sends whatever the broker never delivered or the endpoint refused. A
delivery is claimed with a conditional UPDATE before sending, so two senders never both post it;
a failure waits 1, 2, 4, 8 … minutes before the next try and is given up after the admin-set
number of attempts. The transition never waits on the client's endpoint.

The body is JSON; ``X-Qiqing-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes
with the client's webhook secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone

from qiqing import broker, programme
from requests_tracker.models import Request, RequestEvent

logger = logging.getLogger("api.webhooks")

TIMEOUT_SECONDS = 5
# A claimed delivery is left alone this long: a sender that died mid-post is retried after it.
LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)
SIGNATURE_HEADER = "X-Qiqing-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """What a receiver does: recompute the HMAC of the raw body and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), signature or "")


def payload(event: RequestEvent, external_ref: str) -> dict:
    from api.serializers import open311_status

    request = event.request
    body = {
        "event": "request.status_changed",
        "event_id": event.pk,
        "service_request_id": request.ref,
        "external_ref": external_ref,
        "status": open311_status(event.to_status),
        "status_code": event.to_status,
        "previous_status_code": event.from_status,
        "status_notes": event.note,
        "updated_datetime": timezone.localtime(event.at).isoformat(),
    }
    if event.to_status in (Request.Status.RESPONDED, Request.Status.CLOSED) and request.response:
        body["reply"] = {"outcome": request.outcome, "response": request.response}
    return body


def _on_event(sender, instance: RequestEvent, created: bool, raw: bool = False, **kwargs):
    if not created or raw or not instance.public or instance.from_status == instance.to_status:
        return
    if instance.action == RequestEvent.Action.SUBMIT:
        return
    from api.models import ApiSubmission, WebhookDelivery

    submission = (
        ApiSubmission.objects.filter(request_id=instance.request_id, client__active=True)
        .exclude(client__webhook_url="")
        .select_related("client")
        .first()
    )
    if submission is None:
        return
    body = json.dumps(payload(instance, submission.external_ref), ensure_ascii=False, sort_keys=True)
    delivery = WebhookDelivery.objects.create(
        client=submission.client, request_id=instance.request_id, event=instance, body=body
    )
    transaction.on_commit(lambda pk=delivery.pk: _queue(pk))


def _queue(pk: int) -> None:
    if not broker.publish(send_webhook, pk):
        logger.warning("could not queue webhook %s; drain_outbox will send it", pk)


def connect() -> None:
    post_save.connect(_on_event, sender=RequestEvent, dispatch_uid="api.webhooks.on_event")


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict) -> int:
    """POST the body; the HTTP status (an HTTPError's too), raising only for transport failures."""
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(req, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def send_one(pk: int) -> str:
    """Deliver one push unless another sender has it or it is not due: "sent", "skipped" or "failed"."""
    from api.models import WebhookDelivery

    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.due(now)
        .filter(pk=pk)
        .update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("client").get(pk=pk)
    client = delivery.client
    if not client.active or not client.webhook_url:
        WebhookDelivery.objects.filter(pk=pk).update(gave_up_at=now, last_error="client disabled or no URL")
        return "skipped"
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "qiqing-webhook/1",
        SIGNATURE_HEADER: sign(body, client.webhook_secret),
        "X-Qiqing-Event-Id": str(delivery.event_id),
        "X-Qiqing-Delivery": str(delivery.pk),
    }
    status, error = None, ""
    try:
        status = post(client.webhook_url, body, headers)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried with backoff
        error = f"{type(exc).__name__}: {exc}"
    finished = timezone.now()
    if status is not None and 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=pk).update(delivered_at=finished, last_status=status, last_error="")
        return "sent"
    attempts = delivery.attempts
    update = {"last_status": status, "last_error": (error or f"HTTP {status}")[:300]}
    if attempts >= programme.value("api_webhook_max_attempts"):
        update["gave_up_at"] = finished
    else:
        update["next_attempt_at"] = finished + _backoff(attempts)
    WebhookDelivery.objects.filter(pk=pk).update(**update)
    logger.warning(
        "webhook %s to client %s failed (attempt %s): %s", pk, client.code, attempts, update["last_error"]
    )
    return "failed"


def drain(limit: int = 500) -> dict[str, int]:
    from api.models import WebhookDelivery

    counts = {"sent": 0, "skipped": 0, "failed": 0}
    for pk in list(
        WebhookDelivery.objects.due().order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    ):
        counts[send_one(pk)] += 1
    return counts


@shared_task(name="api.webhooks.send_webhook", ignore_result=True)
def send_webhook(pk: int) -> str:
    return send_one(pk)

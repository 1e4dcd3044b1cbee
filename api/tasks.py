"""Celery tasks of the API (found by autodiscovery): the webhook sender lives with the outbox code."""

from api.webhooks import send_webhook

__all__ = ["send_webhook"]

"""The notification centre: in-app notices whose rows double as the e-mail outbox.

``notify()`` writes the Notification row inside the caller's transaction — so a notice exists
exactly when the change it reports was committed — and queues the e-mail task on commit. The
task and the periodic ``drain_outbox()`` both send through ``send_one()``, which claims a row
with a conditional UPDATE (``emailed_at IS NULL``) before sending: two senders racing for the
same row cannot both win, so nothing is e-mailed twice; whatever the broker never delivered is
picked up by the next drain.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, signals
from django.utils import timezone

from qiqing import broker, links, readahead
from qiqing.models import Notification

logger = logging.getLogger("qiqing.notifications")


def _row(recipient_id, kind, title, body, url, dedupe_key, email) -> Notification:
    return Notification(
        recipient_id=recipient_id,
        kind=kind[:40],
        title=title[:200],
        body=body,
        url=url[:300],
        dedupe_key=dedupe_key[:120],
        email_wanted=bool(email),
    )


def notify(recipient, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str = ""):
    """Record a notice for ``recipient`` and queue its e-mail once the transaction commits.

    With a ``dedupe_key`` the same (recipient, key) is recorded only once; a repeat returns None.
    """
    notification = _row(recipient.pk, kind, title, body, url, dedupe_key, getattr(recipient, "email", ""))
    if dedupe_key:
        if Notification.objects.filter(recipient=recipient, dedupe_key=notification.dedupe_key).exists():
            return None
        try:
            # A savepoint: a concurrent twin hitting the unique constraint must not spoil the caller.
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            return None
    else:
        notification.save()
    if notification.email_wanted:
        transaction.on_commit(lambda pk=notification.pk: _queue_email(pk))
    return notification


def notify_many(notices) -> int:
    """Many notices in one statement (a weekly reminder run), with ``notify``'s rules: each
    (recipient, dedupe_key) is recorded once — a run racing another cannot make a second — and
    e-mails are queued on commit (the outbox drain sends whatever the broker missed).

    ``notices``: dicts with recipient_id, kind, title, body, url, dedupe_key and email (the
    recipient's address, or ""). Returns how many were new."""
    notices = list(notices)
    keyed = [n for n in notices if n.get("dedupe_key")]
    existing = set(
        Notification.objects.filter(
            recipient_id__in={n["recipient_id"] for n in keyed},
            dedupe_key__in={n["dedupe_key"] for n in keyed},
        ).values_list("recipient_id", "dedupe_key")
    )
    rows = [
        _row(
            n["recipient_id"],
            n["kind"],
            n["title"],
            n.get("body", ""),
            n.get("url", ""),
            n.get("dedupe_key", ""),
            n.get("email", ""),
        )
        for n in notices
        if (n["recipient_id"], n.get("dedupe_key", "")) not in existing
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    forget_unread(*{row.recipient_id for row in rows})
    wanted = [(row.recipient_id, row.dedupe_key) for row in rows if row.email_wanted and row.dedupe_key]
    if wanted:
        transaction.on_commit(lambda: _queue_emails(wanted))
    return len(rows)


def _queue_emails(keys) -> None:
    condition = Q()
    for recipient_id, dedupe_key in keys:
        condition |= Q(recipient_id=recipient_id, dedupe_key=dedupe_key)
    for pk in Notification.objects.email_pending().filter(condition).values_list("pk", flat=True):
        _queue_email(pk)


def _queue_email(pk: int) -> None:
    # A broker outage must not fail (or hold) the committed request: the row stays in the outbox.
    from qiqing.tasks import send_notification_email  # the task module the workers discover

    if not broker.publish(send_notification_email, pk):
        logger.warning("could not queue e-mail for notification %s; drain_outbox will send it", pk)


def send_one(pk: int) -> str:
    """Send one notification's e-mail unless someone else has: "sent", "skipped" or "failed"."""
    claimed = Notification.objects.filter(
        pk=pk,
        email_wanted=True,
        emailed_at__isnull=True,
        email_attempts__lt=settings.QIQING_EMAIL_MAX_ATTEMPTS,
    ).update(emailed_at=timezone.now(), email_attempts=F("email_attempts") + 1)
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=pk)
    address = notification.recipient.email
    if not address:
        Notification.objects.filter(pk=pk).update(email_wanted=False, emailed_at=None)
        return "skipped"
    link = links.absolute(notification.url)
    message = "\n\n".join(part for part in (notification.body, link) if part)
    try:
        send_mail(notification.title, message, None, [address], fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried by the next drain
        Notification.objects.filter(pk=pk).update(emailed_at=None, email_error=str(exc)[:300])
        logger.warning("e-mail for notification %s failed: %s", pk, exc)
        return "failed"
    if notification.email_error:
        Notification.objects.filter(pk=pk).update(email_error="")
    return "sent"


# Other outboxes drained with the e-mails (name → function returning sent/skipped/failed counts),
# registered by the apps that own them (the API's webhooks) so this module imports no app.
_OUTBOXES: dict = {}


def register_outbox(name: str, drain) -> None:
    _OUTBOXES[name] = drain


def drain_outbox(limit: int = 500) -> dict[str, int]:
    """Send whatever is still unsent (the broker was down, a worker died, SMTP failed): e-mails and
    every registered outbox (webhooks), counted together."""
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    for drain in _OUTBOXES.values():
        for key, value in drain(limit=limit).items():
            counts[key] += value
    pending = (
        Notification.objects.email_pending()
        .filter(email_attempts__lt=settings.QIQING_EMAIL_MAX_ATTEMPTS)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(pending):
        counts[send_one(pk)] += 1
    return counts


def mark_read(user, pks=None) -> int:
    """Mark the user's notices read (all unread ones when ``pks`` is None); returns how many."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pks is not None:
        queryset = queryset.filter(pk__in=pks)
    changed = queryset.update(read_at=timezone.now())
    forget_unread(user.pk)
    return changed


# The bell's unread count, on every signed-in page, is read from the cache: per user, dropped by
# every write above (at once and again on commit, so a page that counted before the commit cannot
# keep the old figure) and by the model's signals (the Django admin); ``UNREAD_SECONDS`` bounds
# what a write that bypasses all of them could leave behind.
UNREAD_SECONDS = 60


def unread_key(user_id) -> str:
    return f"qiqing:unread:v1:{user_id}"


def unread_count(user) -> int:
    key = unread_key(user.pk)
    count = readahead.take(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def forget_unread(*user_ids) -> None:
    keys = [unread_key(pk) for pk in user_ids if pk]
    if keys:
        cache.delete_many(keys)
        readahead.forget(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def _forget_recipient(sender, instance, **kwargs):
    forget_unread(instance.recipient_id)


def connect_invalidation() -> None:
    """Signals used for cache invalidation only (``QiqingConfig.ready``)."""
    signals.post_save.connect(_forget_recipient, sender=Notification, dispatch_uid="unread-save")
    signals.post_delete.connect(_forget_recipient, sender=Notification, dispatch_uid="unread-delete")

"""The notification centre: the Notification row is the outbox, written with the change; its
e-mail goes out once, on commit or from the periodic drain, never twice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse

from qiqing import notifications
from qiqing import tasks as qiqing_tasks
from qiqing.models import Notification
from requests_tracker import tasks
from tests import factories as f

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def alice(db):
    return f.UserFactory(username="alice", email="alice@example.cn")


def _notify(user, **extra):
    defaults = {
        "kind": "assigned",
        "title": "新交办诉求 QQ2026000001",
        "body": "请签收。",
        "url": "/requests/1/",
    }
    return notifications.notify(user, **{**defaults, **extra})


def test_notice_is_written_in_the_callers_transaction_and_mailed_on_commit(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = _notify(alice)
        assert mail.outbox == []
    item.refresh_from_db()
    assert item.emailed_at is not None and item.email_attempts == 1
    assert mail.outbox[0].subject == "新交办诉求 QQ2026000001" and mail.outbox[0].to == ["alice@example.cn"]
    assert "http://127.0.0.1:8000/requests/1/" in mail.outbox[0].body


def test_rolled_back_change_leaves_no_notice_and_no_mail(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _notify(alice)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert not Notification.objects.exists() and mail.outbox == []


def test_user_without_email_is_marked_not_wanted(db, django_capture_on_commit_callbacks):
    bob = f.UserFactory(username="bob", email="")
    with django_capture_on_commit_callbacks(execute=True):
        item = _notify(bob)
    item.refresh_from_db()
    assert item.email_wanted is False and mail.outbox == []
    assert tasks.drain_outbox(trigger="manual") == {"sent": 0, "skipped": 0, "failed": 0}


def test_dedupe_key_notifies_once(alice):
    assert _notify(alice, dedupe_key="due:response:1:2026-11-16") is not None
    assert _notify(alice, dedupe_key="due:response:1:2026-11-16") is None
    assert Notification.objects.count() == 1


def test_broker_down_loses_nothing_and_drain_sends_it_once(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(qiqing_tasks.send_notification_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        item = _notify(alice)
    item.refresh_from_db()
    assert item.emailed_at is None and mail.outbox == []
    assert tasks.drain_outbox(trigger="manual")["sent"] == 1
    assert tasks.drain_outbox(trigger="manual")["sent"] == 0
    assert len(mail.outbox) == 1


def test_two_senders_racing_for_one_row_send_it_once(alice):
    item = _notify(alice)
    assert notifications.send_one(item.pk) == "sent"
    assert notifications.send_one(item.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_smtp_failure_is_retried_then_given_up(alice, settings):
    settings.EMAIL_BACKEND = "tests.requests_tracker.test_notifications.FailingBackend"
    settings.QIQING_EMAIL_MAX_ATTEMPTS = 2
    item = _notify(alice)
    assert notifications.send_one(item.pk) == "failed"
    item.refresh_from_db()
    assert item.emailed_at is None and "unreachable" in item.email_error and item.email_attempts == 1
    assert tasks.drain_outbox(trigger="manual") == {"sent": 0, "skipped": 0, "failed": 1}
    assert tasks.drain_outbox(trigger="manual") == {"sent": 0, "skipped": 0, "failed": 0}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_one(item.pk) == "skipped"


# --- pages -------------------------------------------------------------------------------
def test_notification_list_needs_a_login(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_list_shows_only_ones_own_notices(alice, login):
    other = f.UserFactory(username="carol")
    _notify(alice, title="给 alice 的通知")
    _notify(other, title="给 carol 的通知")
    body = login(alice).get(reverse("notifications")).content.decode()
    assert "给 alice 的通知" in body and "给 carol 的通知" not in body


def test_opening_a_notice_marks_it_read_and_follows_its_link(alice, login):
    item = _notify(alice)
    client = login(alice)
    assert client.get(reverse("notification_open", args=[item.pk])).status_code == 405
    response = client.post(reverse("notification_open", args=[item.pk]))
    item.refresh_from_db()
    assert response.status_code == 302 and response.url == "/requests/1/" and item.read_at is not None


def test_a_notice_never_redirects_off_site(alice, login):
    item = _notify(alice, url="https://evil.example.com/phish")
    response = login(alice).post(reverse("notification_open", args=[item.pk]))
    assert response.url == reverse("notifications")


def test_someone_elses_notice_is_404(alice, login):
    item = _notify(f.UserFactory(username="dave"))
    assert login(alice).post(reverse("notification_open", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_read_all_and_the_unread_count_in_the_navigation(alice, login):
    _notify(alice)
    _notify(alice, title="第二条")
    client = login(alice)
    body = client.get(reverse("notifications")).content.decode()
    assert 'qq-unread">2<' in body
    client.post(reverse("notification_read_all"))
    body = client.get(reverse("notifications")).content.decode()
    assert "qq-unread" not in body.split("</nav>")[0]
    assert not Notification.objects.unread().exists()


def test_unread_filter(alice, login):
    read = _notify(alice, title="已读的")
    notifications.mark_read(alice, [read.pk])
    _notify(alice, title="未读的")
    body = login(alice).get(reverse("notifications") + "?unread=1").content.decode()
    assert "未读的" in body and "已读的" not in body


@pytest.mark.parametrize("size", [3, 30])
def test_notification_list_query_count_is_constant(alice, login, django_assert_num_queries, size):
    for index in range(size):
        _notify(alice, title=f"通知 {index}")
    client = login(alice)
    client.get(reverse("notifications"))  # warm the session
    # session, count for the pager, the page (the roles, the user and the bell's count come from the cache)
    with django_assert_num_queries(3):
        client.get(reverse("notifications"))

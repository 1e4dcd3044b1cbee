"""Drill: Redis (the Celery broker) down or hung while people work.

The app runs under gunicorn with production settings, its broker pointing at a private
redis-server's port. Pages still render and visits and requests still save; every notice is
written with its change (the Notification row is the e-mail outbox) and nothing is sent while the
broker is away. Once Redis is back, a real worker's drain_outbox sends each e-mail exactly once,
and a second drain sends nothing.
"""

from __future__ import annotations

import pytest

from qiqing.models import JobRun, Notification
from requests_tracker.models import Request, RequestEvent
from tests.drills import support
from tests.drills.support import AppServer, Browser, PrivateRedis, SmtpSink
from visits.models import Visit

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def sink():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def stack(tmp_path, test_database_url, sink):
    """Start and stop (always) whatever a drill starts."""
    started = []

    def start(thing):
        started.append(thing)
        return thing

    yield start
    for thing in reversed(started):
        thing.stop()


def _act(browser: Browser, request: Request, action: str, **data) -> support.Page:
    request.refresh_from_db()
    return browser.post(f"/requests/{request.pk}/{action}/", {"version": request.version, **data})


def _work_through_the_lifecycle(scene, base: str) -> Request:
    """Log a visit raising a problem, assign it, sign for it and answer it — all through the pages."""
    from django.utils import timezone

    cadre = Browser.logged_in(base, scene.users["cadre"])
    supervisor = Browser.logged_in(base, scene.users["supervisor"])
    handler = Browser.logged_in(base, scene.users["handler"])

    assert cadre.get("/visits/mine/").status == 200
    logged = cadre.post(
        "/visits/new/",
        {
            "enterprise": scene.enterprise.pk,
            "date": timezone.localdate().isoformat(),
            "mode": "onsite",
            "summary": "走访时企业反映普工缺口较大。",
            "problems-TOTAL_FORMS": "1",
            "problems-INITIAL_FORMS": "0",
            "problems-0-category": scene.category.pk,
            "problems-0-description": "春节后普工缺口 30 人，希望协助招工。",
        },
    )
    assert logged.status == 302, logged.text[-2000:]
    request = Request.objects.get(visit__enterprise=scene.enterprise)
    assert cadre.get(f"/visits/enterprises/{scene.enterprise.pk}/").status == 200

    steps = [
        (supervisor, "assign", {"category": scene.category.pk, "lead_unit": scene.unit.pk}),
        (handler, "sign", {}),
        (handler, "respond", {"outcome": "solved", "response": "已于2026年12月15日前安排专场招聘会。"}),
    ]
    for browser, action, data in steps:
        answer = _act(browser, request, action, **data)
        assert answer.status == 302 and answer.location == f"/requests/{request.pk}/", (action, answer.status)
    assert handler.get(f"/requests/{request.pk}/").status == 200
    assert "新交办诉求" in handler.get("/notifications/").text
    return request


def _worker_drains(tmp_path, stack, redis, sink, test_database_url, *, expected_runs: int):
    """Send drain_outbox by name, as beat does, to a real worker; wait for that run to finish."""
    support.send_task(redis.url, "requests_tracker.tasks.drain_outbox")
    support.wait_for(
        lambda: JobRun.objects.filter(name="drain_outbox", ok=True).count() >= expected_runs,
        timeout=60,
        what="drain_outbox on the worker",
    )


@pytest.mark.django_db(transaction=True)
def test_broker_down_pages_work_and_the_outbox_is_mailed_once_when_it_is_back(
    scene, tmp_path, test_database_url, sink, stack
):
    redis = PrivateRedis(tmp_path)  # its port has nothing listening yet: the broker is down
    server = stack(
        AppServer(tmp_path, DATABASE_URL=test_database_url, CELERY_BROKER_URL=redis.url, **sink.env())
    )

    request = _work_through_the_lifecycle(scene, server.base)
    admin = Browser.logged_in(server.base, scene.users["admin"])
    queued = admin.post("/analytics/jobs/flag_overdue/run/", {})
    assert queued.status == 302
    assert "任务队列暂时不可用" in admin.get("/analytics/jobs/").text

    assert Visit.objects.count() == 1
    assert list(RequestEvent.objects.filter(request=request).values_list("action", flat=True)) == [
        "submit", "assign", "sign", "respond",
    ]  # fmt: skip
    outbox = list(Notification.objects.filter(email_wanted=True).values_list("pk", "recipient__email"))
    assert {email for _, email in outbox} >= {"handler@example.cn", "contact@example.cn"}
    assert Notification.objects.email_pending().count() == len(outbox)
    assert sink.messages == []
    assert "broker unreachable" in server.log()  # the app tried, failed fast and carried on

    stack(redis.start())
    stack(
        support.celery_worker(
            tmp_path, "w1", DATABASE_URL=test_database_url, CELERY_BROKER_URL=redis.url, **sink.env()
        )
    )
    _worker_drains(tmp_path, stack, redis, sink, test_database_url, expected_runs=1)

    assert Notification.objects.email_pending().count() == 0
    assert sorted(m.to[0] for m in sink.messages) == sorted(email for _, email in outbox)
    _worker_drains(tmp_path, stack, redis, sink, test_database_url, expected_runs=2)
    assert len(sink.messages) == len(outbox)


@pytest.mark.django_db(transaction=True)
def test_hung_broker_costs_one_page_a_short_wait_and_loses_nothing(
    scene, tmp_path, test_database_url, sink, stack
):
    redis = stack(PrivateRedis(tmp_path).start())
    redis.freeze()  # accepts connections, never answers
    server = stack(
        AppServer(tmp_path, DATABASE_URL=test_database_url, CELERY_BROKER_URL=redis.url, **sink.env())
    )

    # A hung publish would hold the page until the client's timeout (30 s) and fail the drill.
    request = _work_through_the_lifecycle(scene, server.base)
    assert (
        Notification.objects.email_pending().count()
        == Notification.objects.filter(email_wanted=True).count()
        >= 2
    )
    assert request.events.count() == 4
    assert "Timeout" in server.log()  # the publish gave up on the silent broker

    redis.thaw()
    stack(
        support.celery_worker(
            tmp_path, "w1", DATABASE_URL=test_database_url, CELERY_BROKER_URL=redis.url, **sink.env()
        )
    )
    _worker_drains(tmp_path, stack, redis, sink, test_database_url, expected_runs=1)
    assert Notification.objects.email_pending().count() == 0
    assert len(sink.messages) == Notification.objects.filter(email_wanted=True).count()

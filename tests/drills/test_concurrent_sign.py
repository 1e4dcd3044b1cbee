"""Drill: many browsers sign for the same request at the same instant, through the real server.

Twenty sessions of the lead unit's handlers (two per gunicorn thread, two workers) post 签收 with
the version their page showed, released together by a barrier. Exactly one succeeds and writes
the one sign event; every other browser is told the request was just handled by someone else.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from requests_tracker import services
from requests_tracker.models import Request, RequestEvent
from tests.drills import support
from tests.drills.support import AppServer, Browser

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BROWSERS = 20
SIGNED = "已签收。请在联系期限内联系企业。"
STALE = "刚刚已被其他人处理"


def test_twenty_simultaneous_signs_one_wins_the_rest_are_told(scene, tmp_path):
    request = services.request_submit(
        actor=scene.users["cadre"], enterprise=scene.enterprise, category=scene.category,
        description="春节后普工缺口 30 人，希望协助招工。", source=Request.Source.VISIT,
    )  # fmt: skip
    request = services.request_assign(
        actor=scene.users["supervisor"], request=request, lead_unit=scene.unit, category=scene.category,
        version=request.version,
    )  # fmt: skip
    version = request.version
    dead_broker = f"redis://127.0.0.1:{support.free_port()}/0"
    server = AppServer(
        tmp_path,
        workers=2,
        threads=10,
        DATABASE_URL=support.database_url(connection),
        CELERY_BROKER_URL=dead_broker,
    )
    try:
        browsers = [Browser.logged_in(server.base, scene.users["handler"]) for _ in range(BROWSERS)]
        barrier = threading.Barrier(BROWSERS)
        answers: dict[int, tuple[int, str]] = {}

        def sign(i: int, browser: Browser) -> None:
            barrier.wait(30)
            posted = browser.post(f"/requests/{request.pk}/sign/", {"version": version, "note": ""})
            shown = browser.get(f"/requests/{request.pk}/") if posted.status == 302 else posted
            answers[i] = (posted.status, shown.text)

        threads = [threading.Thread(target=sign, args=(i, b)) for i, b in enumerate(browsers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        server.stop()

    assert sorted(status for status, _ in answers.values()) == [302] * BROWSERS
    assert sum(SIGNED in text for _, text in answers.values()) == 1
    assert sum(STALE in text for _, text in answers.values()) == BROWSERS - 1
    assert RequestEvent.objects.filter(request=request, action="sign").count() == 1
    fresh = Request.objects.get(pk=request.pk)
    assert (fresh.status, fresh.version) == ("in_progress", version + 1)

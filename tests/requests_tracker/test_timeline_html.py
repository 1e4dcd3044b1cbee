"""The request page's timeline (drawn by the ``timeline`` simple tag): what internal readers see,
what the enterprise's contact sees, and that every value is escaped."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_tracker.models import RequestEvent

pytestmark = pytest.mark.django_db


def _body(client, request):
    return client.get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()


def test_events_show_time_actor_status_change_note_and_escalation_reason(cast, login):
    request = cast.build_request("in_progress")
    supervisor = cast.users["supervisor"]
    supervisor.first_name, supervisor.last_name = "", "<张三>"
    supervisor.save()
    at = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 5))
    RequestEvent.objects.create(
        request=request, actor=supervisor, at=at, action="escalate", from_status="in_progress",
        to_status="escalated", note="请<b>协调</b>", public=False, data={"reason": "跨部门 & 难办"},
    )  # fmt: skip
    body = _body(login(supervisor), request)
    assert (
        '<li class="qq-event-escalate"><div class="small text-body-secondary">2026-03-02 09:05'
        ' · &lt;张三&gt; · <span class="badge text-bg-light">内部</span> · 办理中 → 已上报</div>'
        '<div><strong>上报</strong>：<span class="qq-prewrap">请&lt;b&gt;协调&lt;/b&gt;</span></div>'
        '<div class="small text-body-secondary qq-prewrap">上报理由：跨部门 &amp; 难办</div></li>'
    ) in body


def test_the_contact_sees_public_events_without_internals(cast, login):
    request = cast.build_request("in_progress")
    RequestEvent.objects.create(
        request=request, actor=cast.users["supervisor"], action="respond", from_status="in_progress",
        to_status="responded", note="已答复。", imported=True,
    )  # fmt: skip
    body = _body(login(cast.users["contact"]), request)
    assert " · 台账导入</div><div><strong>" in body and "已答复。" in body
    assert "t_supervisor" not in body and " → " not in body

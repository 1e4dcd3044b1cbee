"""Every (state × action × party) combination of the request lifecycle.

The expectations below are written out by hand from DESIGN.md §4 and the issue, independently
of ``requests_tracker.lifecycle.TRANSITIONS``: an allowed combination succeeds and writes exactly
one event; every other one raises and leaves the request, its history and its side rows as
they were.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from qiqing.models import Notification
from requests_tracker import services
from requests_tracker.models import Escalation, ExtensionRequest, Request, RequestAssist, SupervisionNotice
from requests_tracker.workdays import WorkCalendar
from tests.requests_tracker.conftest import STATES

pytestmark = pytest.mark.django_db

PARTIES = ["supervisor", "lead", "assist", "contact", "cadre", "admin"]
CLOCK = {"assigned", "in_progress", "escalated", "reopened"}

# action → {state: parties allowed}
ALLOWED = {
    "assign": {"submitted": {"supervisor"}},
    "reject": {"submitted": {"supervisor"}},
    "sign": {"assigned": {"lead"}, "reopened": {"lead"}},
    "contact": {"in_progress": {"lead"}},
    "note": {state: {"lead", "supervisor"} for state in CLOCK},
    "assist": {state: {"assist"} for state in CLOCK},
    "return": {"assigned": {"lead"}, "in_progress": {"lead"}},
    "extend_ask": {"in_progress": {"lead"}},
    "extend_decide": {state: {"supervisor"} for state in CLOCK},
    "escalate": {"in_progress": {"supervisor"}},
    "escalate_reply": {"escalated": {"supervisor"}},
    "respond": {"in_progress": {"lead"}},
    "rate": {"responded": {"contact"}},
    "close": {"responded_rated": {"supervisor"}},
    "reopen": {"responded": {"supervisor"}, "responded_rated": {"supervisor"}},
}
# action → (event written, status afterwards; None = unchanged)
EFFECT = {
    "assign": ("assign", "assigned"),
    "reject": ("reject", "rejected"),
    "sign": ("sign", "in_progress"),
    "contact": ("contact", None),
    "note": ("note", None),
    "assist": ("assist", None),
    "return": ("return", "submitted"),
    "extend_ask": ("extend_ask", None),
    "extend_decide": ("extend_ok", None),
    "escalate": ("escalate", "escalated"),
    "escalate_reply": ("escalate_reply", "in_progress"),
    "respond": ("respond", "responded"),
    "rate": ("rate", None),
    "close": ("close", "closed"),
    "reopen": ("reopen", "reopened"),
}


def _perform(cast, action, actor, request):
    """Call the service for ``action`` with valid input, carrying the request's version."""
    common = {"actor": actor, "request": request, "version": request.version}
    calendar = WorkCalendar.load()
    match action:
        case "assign":
            return services.request_assign(
                **common, lead_unit=cast.lead_unit, assist_units=[cast.assist_unit]
            )
        case "reject":
            return services.request_reject(**common, kind="out_of_scope", reason="属于民事纠纷。")
        case "sign":
            return services.request_sign(**common)
        case "contact":
            return services.request_contact(**common, method="phone", note="已电话联系企业负责人。")
        case "note":
            return services.request_note(**common, text="已与企业约定面谈。", public=True)
        case "assist":
            return services.request_assist_answer(**common, answer="可提供学位 3 个。")
        case "return":
            return services.request_return(**common, reason="wrong_function", note="应由教育局主办。")
        case "extend_ask":
            due = calendar.add_workdays(request.response_due or timezone.localdate(), 5)[0]
            return services.request_extend_ask(**common, proposed_due=due, reason="需等待市级批复。")
        case "extend_decide":
            return services.request_extend_decide(**common, approve=True)
        case "escalate":
            return services.request_escalate(
                **common, level="county", reason="跨部门用地指标需县领导小组协调。"
            )
        case "escalate_reply":
            return services.request_escalate_reply(**common, answer="县领导小组同意调剂用地指标。")
        case "respond":
            return services.request_respond(
                **common, outcome="solved", response="已于2026年12月1日组织专场招聘会，企业招到 20 人。"
            )
        case "rate":
            return services.request_rate(**common, satisfaction="satisfied")
        case "close":
            return services.request_close(**common)
        case "reopen":
            return services.request_reopen(**common, reason="企业来电反映仍未落实。")
    raise AssertionError(action)


def _snapshot(request: Request) -> dict:
    request = Request.objects.get(pk=request.pk)
    return {
        "row": model_to_dict(request, exclude=["co_units"]),
        "events": list(request.events.values_list("pk", flat=True)),
        "assists": list(RequestAssist.objects.filter(request=request).values()),
        "extensions": list(ExtensionRequest.objects.filter(request=request).values()),
        "escalations": list(Escalation.objects.filter(request=request).values()),
        "notices": SupervisionNotice.objects.filter(request=request).count(),
        "notifications": Notification.objects.count(),
    }


CASES = [(state, action, party) for action in ALLOWED for state in STATES for party in PARTIES]


@pytest.mark.parametrize("state,action,party", CASES)
def test_transition_table(cast, state, action, party):
    request = cast.build_request(state, pending_extension=action == "extend_decide" and state in CLOCK)
    before = _snapshot(request)
    allowed = party in ALLOWED[action].get(state, set())
    if allowed:
        _perform(cast, action, cast.users[party], request)
        after = Request.objects.get(pk=request.pk)
        new_events = list(after.events.exclude(pk__in=before["events"]).values_list("action", "to_status"))
        event_action, target = EFFECT[action]
        assert new_events == [(event_action, target or state_status(state))]
        assert after.status == (target or state_status(state))
        assert after.version == before["row"]["version"] + 1
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            _perform(cast, action, cast.users[party], request)
        assert _snapshot(request) == before


def state_status(state: str) -> str:
    return "responded" if state == "responded_rated" else state


def test_every_service_action_is_in_the_table():
    from requests_tracker.lifecycle import USER_ACTIONS

    assert set(USER_ACTIONS) == set(ALLOWED)


def test_wrong_party_is_permission_denied_and_wrong_state_is_refused(cast):
    request = cast.build_request("submitted")
    with pytest.raises(PermissionDenied):
        services.request_sign(actor=cast.users["contact"], request=request)
    with pytest.raises(services.TransitionRefused, match="已答复"):
        services.request_sign(actor=cast.users["lead"], request=cast.build_request("responded"))


def test_town_supervisor_acts_only_in_their_town(cast):
    request = cast.build_request("submitted")
    services.request_assign(actor=cast.users["town_supervisor"], request=request, lead_unit=cast.lead_unit)
    other = cast.build_request("submitted")
    with pytest.raises(PermissionDenied):
        services.request_assign(
            actor=cast.users["other_town_supervisor"], request=other, lead_unit=cast.lead_unit
        )
    assert Request.objects.get(pk=other.pk).status == "submitted"

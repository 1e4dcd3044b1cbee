"""The request state machine (DESIGN.md §4): the one table of which action may happen in which
state, by which party, and under which extra condition.

Services consult it before changing anything; the request page consults it to decide which
forms to show; the table-driven tests check it against an independent list of expectations.
A *party* is the actor's relation to one request, not their role in general: a handler is the
``lead`` on requests their unit leads and an ``assist`` on those it assists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from qiqing import programme, scope
from qiqing.access import access_for
from requests_tracker.models import ExtensionRequest, Request

SUPERVISOR = "supervisor"
LEAD = "lead"
ASSIST = "assist"
CONTACT = "contact"
SYSTEM = "system"
# The parties of a request a transition may name (SYSTEM is the scheduler, no user).
REQUEST_PARTIES = frozenset({SUPERVISOR, LEAD, ASSIST, CONTACT})

S = Request.Status
CLOCK = frozenset(Request.CLOCK_STATUSES)


def _has_pending_extension(request: Request) -> bool:
    """From the extensions a page already loaded (prefetched), else one query; services always
    query, because they lock a fresh row."""
    loaded = getattr(request, "_prefetched_objects_cache", {}).get("extensions")
    if loaded is not None:
        return any(e.status == ExtensionRequest.Status.PENDING for e in loaded)
    return request.extensions.filter(status=ExtensionRequest.Status.PENDING).exists()


def _no_pending_extension(request: Request, actor) -> str | None:
    if _has_pending_extension(request):
        return _("已有一份延期申请在审批中，请等待审批结果。")
    if request.response_due is None:
        return _("该诉求没有答复期限，无需延期。")
    return None


def _pending_extension(request: Request, actor) -> str | None:
    if not _has_pending_extension(request):
        return _("该诉求没有待审批的延期申请。")
    return None


def _not_rated(request: Request, actor) -> str | None:
    if request.satisfaction:
        return _("企业已评价该答复，不能重复评价。")
    return None


def _rated_acceptable(request: Request, actor) -> str | None:
    if request.satisfaction not in (Request.Satisfaction.SATISFIED, Request.Satisfaction.BASIC):
        return _("企业评价满意或基本满意后才能销号（未评价的答复在评价期满后自动办结）。")
    if actor is not None and closeout_waits_for_county(actor):
        return str(COUNTY_CLOSEOUT)
    return None


COUNTY_CLOSEOUT = pgettext_lazy("close-out", "待县服务企业办销号")


def closeout_waits_for_county(actor) -> bool:
    """销号 at the county office (系统设置): a town-level supervisor does not close out."""
    if not programme.value("closeout_county_only"):
        return False
    access = access_for(actor)
    return not (access.is_admin or access.supervises_county)


# Actions a merged child (并单) does not take itself: it follows its parent; its own enterprise
# still rates it and it is closed on that rating.
FOLLOWS_PARENT = frozenset(
    {
        "assign",
        "reject",
        "sign",
        "contact",
        "note",
        "assist",
        "return",
        "extend_ask",
        "extend_decide",
        "escalate",
        "escalate_reply",
        "respond",
        "reopen",
    }
)


def _assist_open(request: Request, actor) -> str | None:
    units = scope.handled_units(actor)
    if not any(a.unit_id in units and a.answered_at is None for a in request.assists.all()):
        return _("本单位已提交协办意见。")
    return None


def _rating_window_passed(request: Request, actor) -> str | None:
    if request.satisfaction:
        return _("企业已评价，不能自动办结。")
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    # None: the status stays (notes, contact, extension …); rating decides its own target.
    target: str | None
    parties: frozenset[str]
    # An extra condition beyond the status, given the request and the actor (None for jobs).
    guard: Callable[[Request, object], str | None] | None = None


def _t(action, label, sources, target, parties, guard=None) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(parties), guard)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("assign", pgettext_lazy("request action", "交办"), {S.SUBMITTED}, S.ASSIGNED, {SUPERVISOR}),
        _t("reject", pgettext_lazy("request action", "不予受理"), {S.SUBMITTED}, S.REJECTED, {SUPERVISOR}),
        _t("sign", pgettext_lazy("request action", "签收"), {S.ASSIGNED, S.REOPENED}, S.IN_PROGRESS, {LEAD}),
        _t("contact", pgettext_lazy("request action", "联系企业"), {S.IN_PROGRESS}, None, {LEAD}),
        _t("note", pgettext_lazy("request action", "办理进展"), CLOCK, None, {LEAD, SUPERVISOR}),
        _t("assist", pgettext_lazy("request action", "协办反馈"), CLOCK, None, {ASSIST}, _assist_open),
        _t(
            "return",
            pgettext_lazy("request action", "退回"),
            {S.ASSIGNED, S.IN_PROGRESS},
            S.SUBMITTED,
            {LEAD},
        ),
        _t(
            "extend_ask",
            pgettext_lazy("request action", "申请延期"),
            {S.IN_PROGRESS},
            None,
            {LEAD},
            _no_pending_extension,
        ),
        _t(
            "extend_decide",
            pgettext_lazy("request action", "审批延期"),
            CLOCK,
            None,
            {SUPERVISOR},
            _pending_extension,
        ),
        _t("escalate", pgettext_lazy("request action", "上报"), {S.IN_PROGRESS}, S.ESCALATED, {SUPERVISOR}),
        _t(
            "escalate_reply",
            pgettext_lazy("request action", "登记上级答复"),
            {S.ESCALATED},
            S.IN_PROGRESS,
            {SUPERVISOR},
        ),
        _t("respond", pgettext_lazy("request action", "答复企业"), {S.IN_PROGRESS}, S.RESPONDED, {LEAD}),
        _t("rate", pgettext_lazy("request action", "评价"), {S.RESPONDED}, None, {CONTACT}, _not_rated),
        _t(
            "close",
            pgettext_lazy("request action", "销号"),
            {S.RESPONDED},
            S.CLOSED,
            {SUPERVISOR},
            _rated_acceptable,
        ),
        _t("reopen", pgettext_lazy("request action", "重新办理"), {S.RESPONDED}, S.REOPENED, {SUPERVISOR}),
        _t(
            "auto_close",
            pgettext_lazy("request action", "自动办结"),
            {S.RESPONDED},
            S.CLOSED,
            {SYSTEM},
            _rating_window_passed,
        ),
        # A callback (回访) found a closed request not solved; the callback service checks that
        # the actor is the supervisor, so it is not offered as a form on the request page.
        _t(
            "callback_reopen",
            pgettext_lazy("request action", "回访重新办理"),
            {S.CLOSED},
            S.REOPENED,
            {SYSTEM},
        ),
    ]
}

# Actions people take from the request page (the jobs' actions are not offered as forms).
USER_ACTIONS = tuple(action for action, t in TRANSITIONS.items() if SYSTEM not in t.parties)


def parties_of(user, request: Request) -> frozenset[str]:
    """How ``user`` stands to ``request``: supervisor in scope, lead or assisting unit, its contact
    (the request's declared scope decides; see ``qiqing.scope``)."""
    return scope.parties(user, request, among=REQUEST_PARTIES)


def refusal(transition: Transition, request: Request, actor=None) -> str | None:
    """Why the action cannot happen in the request's current state (None when it can)."""
    if request.parent_id and transition.action in FOLLOWS_PARENT:
        return _("该诉求已并入主诉求 %(ref)s，随主诉求办理；如需单独办理请先撤销并单。") % {
            "ref": request.parent.ref
        }
    if request.status not in transition.sources:
        return _("诉求当前为“%(status)s”，不能%(action)s。") % {
            "status": request.get_status_display(),
            "action": transition.label,
        }
    if transition.guard is not None:
        return transition.guard(request, actor)
    return None


def available_actions(request: Request, user) -> list[str]:
    """The user actions ``user`` may take now (for showing forms; services check again)."""
    parties = parties_of(user, request)
    return [
        action
        for action in USER_ACTIONS
        if TRANSITIONS[action].parties & parties and refusal(TRANSITIONS[action], request, user) is None
    ]

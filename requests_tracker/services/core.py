"""Shared pieces of the lifecycle services: the refusals, the lock-check-write pair every
transition goes through, recipients of notifications, and counting deadlines.

Order of checks in ``begin``, each refusing before anything is written:
1. the actor's relation to the request (``PermissionDenied`` — the view answers 403);
2. the version the actor's form was built from (``StaleRequest`` — someone else acted first);
3. the current state and the action's extra condition (``TransitionRefused``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.models import StaffRole
from enterprises.models import EnterpriseContact
from qiqing.notifications import notify
from requests_tracker import lifecycle
from requests_tracker.lifecycle import TRANSITIONS
from requests_tracker.models import (
    Request,
    RequestEvent,
)
from requests_tracker.workdays import WorkCalendar

S = Request.Status
A = RequestEvent.Action


class StaleRequest(ValidationError):
    """The request changed after the actor's page was loaded: nothing was done."""


class TransitionRefused(ValidationError):
    """The action is not allowed in the request's current state: nothing was done."""


class ReturnReason:
    CHOICES = [
        ("wrong_town", gettext_lazy("属地不符")),
        ("wrong_function", gettext_lazy("职能不符")),
        ("incomplete", gettext_lazy("信息不全")),
        ("not_ours", gettext_lazy("非本单位事权")),
        ("other", gettext_lazy("其他")),
    ]
    LABELS = dict(CHOICES)


class ContactMethod:
    # One list with the request's first-contact field (问题见面率 counts onsite and meeting).
    CHOICES = Request.FirstContact.choices
    LABELS = dict(CHOICES)


# --- helpers -----------------------------------------------------------------------------
def _today() -> dt.date:
    return timezone.localdate()


def _url(request: Request) -> str:
    return reverse("requests_tracker:detail", args=[request.pk])


def _fmt(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else "—"


def _begin(request: Request, actor, action: str, version: int | None, *, as_party: str | None = None):
    """Lock the request row and check party, version and state; return the locked, fresh row."""
    transition = TRANSITIONS[action]
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related("enterprise", "category", "lead_unit")
        .get(pk=request.pk)
    )
    parties = frozenset({as_party}) if as_party else lifecycle.parties_of(actor, locked)
    if not parties & transition.parties:
        raise PermissionDenied(
            _("您不能对诉求 %(ref)s 执行“%(action)s”。") % {"ref": locked.ref, "action": transition.label}
        )
    if version is not None and locked.version != int(version):
        raise StaleRequest(
            _("诉求 %(ref)s 刚刚已被其他人处理，现为“%(status)s”。您的操作没有执行，请查看最新情况后再决定。")
            % {"ref": locked.ref, "status": locked.get_status_display()}
        )
    reason = lifecycle.refusal(transition, locked, actor)
    if reason:
        raise TransitionRefused(reason)
    return locked


def _finish(
    locked: Request,
    actor,
    action: str,
    from_status: str,
    *,
    note: str = "",
    public: bool = True,
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> RequestEvent:
    """Save the changed row with a new version and write its one event, in the caller's transaction."""
    locked.version += 1
    locked.full_clean()
    locked.save()
    event = RequestEvent.objects.create(
        request=locked,
        actor=actor,
        at=at or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=locked.status,
        note=note,
        public=public,
        data=data or {},
    )
    if action in FOLLOWED and locked.parent_id is None:
        _carry_to_children(locked, actor, action, from_status, event)
    return event


# --- merged cases (并单): children follow their parent --------------------------------------------
# The parent's transitions the children follow. Rating and close-out are each enterprise's own:
# every child is rated by its own enterprise and closed on its own rating (``rate``, ``close``,
# ``auto_close`` are not carried), so a parent rated 不满意 reopens alone.
FOLLOWED = frozenset(
    {
        A.ASSIGN,
        A.SIGN,
        A.CONTACT,
        A.RETURN,
        A.ESCALATE,
        A.ESCALATE_REPLY,
        A.RESPOND,
        A.REOPEN,
        A.EXTEND_OK,
        A.NOTE,
    }
)
# What a child copies from its parent on each followed transition.
CARRIED_FIELDS = (
    "status",
    "lead_unit",
    "batch",
    "assigned_at",
    "signed_at",
    "contacted_at",
    "first_contact_method",
    "clock_start",
    "sign_days",
    "contact_days",
    "response_days",
    "sign_due",
    "contact_due",
    "response_due",
    "deadline_estimated",
    "responded_at",
    "outcome",
    "response",
    "satisfaction",
    "rated_at",
    "rating_due",
    "is_overdue",
    "sign_overdue",
    "contact_overdue",
)
# Children hear of these, each child's enterprise on its own (the parent's contacts are told by
# the transition itself).
_CHILD_NOTICES = {
    A.ASSIGN: ("assigned", "您的诉求 {ref} 已随主诉求 {parent} 交办{unit}办理"),
    A.RESPOND: ("responded", "您的诉求 {ref} 已答复（随主诉求 {parent}），请评价"),
    A.REOPEN: ("progress", "您的诉求 {ref} 随主诉求 {parent} 重新办理"),
    A.RETURN: ("progress", "您的诉求 {ref} 随主诉求 {parent} 重新分办"),
}


def _carry_to_children(parent: Request, actor, action: str, from_status: str, event: RequestEvent) -> None:
    """Every child that was following (same status as the parent before the transition) takes the
    parent's new state and gets exactly one event of the same action; its enterprise is told."""
    from qiqing.notifications import notify_many
    from requests_tracker.models import RequestAssist

    following = Request.objects.select_for_update(of=("self",)).filter(parent=parent, status=from_status)
    if action == A.REOPEN:  # a child its own enterprise has already rated keeps that rating
        following = following.filter(satisfaction="")
    children = list(following.select_related("enterprise").order_by("pk"))
    if not children:
        return
    assists = list(parent.assists.all()) if action in (A.ASSIGN, A.RETURN) else None
    events = []
    for child in children:
        for name in CARRIED_FIELDS:
            setattr(child, name, getattr(parent, name))
        if action == A.REOPEN:
            child.reopen_count += 1
            child.closed_at = None
        if action == A.RETURN:
            child.return_count += 1
        child.version += 1
        child.full_clean()
        child.save()
        if assists is not None:
            child.assists.all().delete()
            RequestAssist.objects.bulk_create(
                [RequestAssist(request=child, unit_id=a.unit_id, due=a.due) for a in assists]
            )
        events.append(
            RequestEvent(
                request=child,
                actor=actor,
                at=event.at,
                action=action,
                from_status=from_status,
                to_status=child.status,
                note=f"随主诉求 {parent.ref}：{event.note}",
                public=event.public,
                data={**event.data, "parent": parent.pk},
            )
        )
    RequestEvent.objects.bulk_create(events)
    if action == A.NOTE and event.public:
        kind, title = "progress", "您的诉求 {ref} 有新进展（随主诉求 {parent}）"
    elif action in _CHILD_NOTICES:
        kind, title = _CHILD_NOTICES[action]
    else:
        return
    contacts = EnterpriseContact.objects.filter(
        enterprise_id__in={c.enterprise_id for c in children}, user__is_active=True
    ).select_related("user")
    by_enterprise: dict[int, list] = {}
    for contact in contacts:
        by_enterprise.setdefault(contact.enterprise_id, []).append(contact.user)
    unit = parent.lead_unit.name if parent.lead_unit_id else ""
    notify_many(
        {
            "recipient_id": user.pk,
            "kind": kind,
            "title": title.format(ref=child.ref, parent=parent.ref, unit=unit),
            "body": (parent.response or event.note)[:200],
            "url": _url(child),
            "dedupe_key": f"follow:{child.pk}:{child.version}:{user.pk}",
            "email": user.email,
        }
        for child in children
        for user in by_enterprise.get(child.enterprise_id, [])
    )


def _unit_handlers(unit_ids) -> list:
    User = get_user_model()
    return list(
        User.objects.filter(
            is_active=True, staff_roles__role=StaffRole.Role.HANDLER, staff_roles__unit_id__in=list(unit_ids)
        ).distinct()
    )


def _supervisors(request: Request) -> list:
    """County-wide supervisors and those of the enterprise's town (one filter call: one join)."""
    User = get_user_model()
    role = StaffRole.Role.SUPERVISOR
    return list(
        User.objects.filter(
            Q(staff_roles__role=role, staff_roles__town__isnull=True)
            | Q(staff_roles__role=role, staff_roles__town_id=request.enterprise.town_id),
            is_active=True,
        ).distinct()
    )


def _contacts(request: Request) -> list:
    return [
        contact.user
        for contact in EnterpriseContact.objects.filter(
            enterprise_id=request.enterprise_id, user__is_active=True
        ).select_related("user")
    ]


def _tell(users, kind: str, title: str, body: str, request: Request, dedupe_key: str = "", skip=None):
    for user in users:
        if skip is not None and user.pk == getattr(skip, "pk", None):
            continue
        notify(user, kind, title, body, _url(request), dedupe_key=dedupe_key)


def recount(request: Request, calendar: WorkCalendar) -> list[str]:
    """Recount every deadline from its stored basis; return the names of the fields that moved.

    The basis is ``clock_start`` plus the number of working days of each clock; a response
    deadline set by an approved extension (``response_days`` empty) stays as it is but still
    counts toward the estimated flag.
    """
    changed = []
    estimated = False
    start = request.clock_start
    for days_field, due_field in (
        ("sign_days", "sign_due"),
        ("contact_days", "contact_due"),
        ("response_days", "response_due"),
    ):
        days = getattr(request, days_field)
        if start is not None and days is not None:
            due, guess = calendar.add_workdays(start, days)
            estimated = estimated or guess
            if getattr(request, due_field) != due:
                setattr(request, due_field, due)
                changed.append(due_field)
    if start is not None and request.response_days is None and request.response_due:
        estimated = estimated or calendar.explain(start, request.response_due).estimated
    if request.status == S.RESPONDED and request.responded_at and not request.satisfaction:
        due, guess = calendar.add_workdays(
            timezone.localdate(request.responded_at), settings.QIQING_RATING_WINDOW_DAYS
        )
        estimated = estimated or guess
        if request.rating_due != due:
            request.rating_due = due
            changed.append("rating_due")
    if request.deadline_estimated != estimated:
        request.deadline_estimated = estimated
        changed.append("deadline_estimated")
    return changed


def _start_clocks(
    request: Request,
    calendar: WorkCalendar,
    start: dt.date,
    *,
    contact: bool,
    response_days: int | None = None,
) -> None:
    """Start the sign, contact and response clocks; ``response_days`` is the catalogue's time
    limit when the assignment follows the dispatch catalogue, else the category's."""
    request.clock_start = start
    request.sign_days = settings.QIQING_SIGN_DAYS
    request.response_days = response_days or request.category.time_limit_days
    if contact:
        request.contact_days = settings.QIQING_CONTACT_DAYS
    else:
        request.contact_days = None
    request.sign_overdue = request.contact_overdue = request.is_overdue = False
    recount(request, calendar)


def _reopen(locked: Request, today: dt.date) -> None:
    """Back to the same unit with a fresh response deadline, counted as a reopening (重新办理).

    Also used when a callback finds a closed request not solved: it is no longer closed.
    """
    locked.status = S.REOPENED
    locked.reopen_count += 1
    locked.satisfaction = ""
    locked.rated_at = None
    locked.outcome = ""
    locked.rating_due = None
    locked.closed_at = None
    _start_clocks(locked, WorkCalendar.load(), today, contact=False)

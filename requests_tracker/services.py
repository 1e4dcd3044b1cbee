"""Writes for requests (诉求): every transition is a service that checks the actor, the version
and the state against the one table in ``lifecycle.py``, changes the row, and writes its
RequestEvent and notifications in the same transaction (DESIGN.md §4).

Order of checks, each refusing before anything is written:
1. the actor's relation to the request (``PermissionDenied`` — the view answers 403);
2. the version the actor's form was built from (``StaleRequest`` — someone else acted first);
3. the current state and the action's extra condition (``TransitionRefused``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cadres.models import StaffRole, Unit
from enterprises.models import Enterprise, EnterpriseContact
from qiqing.access import access_for
from qiqing.notifications import notify
from requests_tracker import lifecycle, rules
from requests_tracker.lifecycle import SYSTEM, TRANSITIONS
from requests_tracker.models import (
    Category,
    Escalation,
    ExtensionRequest,
    Request,
    RequestAssist,
    RequestAttachment,
    RequestEvent,
    RequestSequence,
    SupervisionNotice,
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
        ("wrong_town", "属地不符"),
        ("wrong_function", "职能不符"),
        ("incomplete", "信息不全"),
        ("not_ours", "非本单位事权"),
        ("other", "其他"),
    ]
    LABELS = dict(CHOICES)


class ContactMethod:
    CHOICES = [("phone", "电话联系"), ("onsite", "上门走访"), ("meeting", "约见座谈"), ("online", "线上沟通")]
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
        raise PermissionDenied(f"您不能对诉求 {locked.ref} 执行“{transition.label}”。")
    if version is not None and locked.version != int(version):
        raise StaleRequest(
            f"诉求 {locked.ref} 刚刚已被其他人处理，现为“{locked.get_status_display()}”。"
            "您的操作没有执行，请查看最新情况后再决定。"
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
    return RequestEvent.objects.create(
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


def _start_clocks(request: Request, calendar: WorkCalendar, start: dt.date, *, contact: bool) -> None:
    request.clock_start = start
    request.sign_days = settings.QIQING_SIGN_DAYS
    request.response_days = request.category.time_limit_days
    if contact:
        request.contact_days = settings.QIQING_CONTACT_DAYS
    else:
        request.contact_days = None
    request.sign_overdue = request.contact_overdue = request.is_overdue = False
    recount(request, calendar)


# --- submission --------------------------------------------------------------------------
@transaction.atomic
def request_submit(
    *,
    actor,
    enterprise: Enterprise,
    category: Category,
    description: str,
    source: str,
    visit=None,
    cadre=None,
    contact_name: str = "",
    contact_phone: str = "",
    submitted_at: dt.datetime | None = None,
    attachments: Sequence = (),
) -> Request:
    """Raise a request for an enterprise the actor may see; it enters the lifecycle as submitted.

    ``attachments`` are uploaded files (PDF or images), checked by content and size; each is
    stored under a generated name and served only through the scoped attachment view.
    """
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied("不能为不在您联系或管理范围内的企业提交诉求。")
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "请填写问题描述。"})
    if category is None or not category.active:
        raise ValidationError({"category": "请选择有效的问题类别。"})
    if source not in Request.Source.values:
        raise ValidationError({"source": "请选择诉求来源。"})
    try:
        checked = rules.check_attachments(attachments)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc
    submitted_at = submitted_at or timezone.now()
    request = Request(
        ref=RequestSequence.next_ref(timezone.localtime(submitted_at).year),
        enterprise=enterprise,
        source=source,
        visit=visit,
        category=category,
        description=description,
        cadre=cadre,
        submitted_by=actor,
        contact_name=contact_name,
        contact_phone=contact_phone,
        submitted_at=submitted_at,
        status=Request.Status.SUBMITTED,
    )
    request.full_clean()
    request.save()
    stored = []
    try:
        for upload, content_type in checked:
            attachment = RequestAttachment(
                request=request,
                original_name=(upload.name or "附件")[-200:],
                content_type=content_type,
                size=upload.size,
                uploaded_by=actor,
            )
            attachment.file.save(upload.name or "upload", upload, save=False)
            stored.append(attachment.file)
            attachment.save()
    except Exception:
        # The rows roll back with the transaction; the files on disk must go with them.
        for file in stored:
            file.storage.delete(file.name)
        raise
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        at=submitted_at,
        action=RequestEvent.Action.SUBMIT,
        from_status="",
        to_status=Request.Status.SUBMITTED,
        note=f"{request.get_source_display()}：{category.name}",
        data={"attachments": len(checked)} if checked else {},
    )
    return request


# --- triage ------------------------------------------------------------------------------
@transaction.atomic
def request_assign(
    *,
    actor,
    request: Request,
    lead_unit: Unit,
    category: Category | None = None,
    assist_units: Sequence[Unit] = (),
    note: str = "",
    version: int | None = None,
) -> Request:
    """Assign (交办) to a lead unit with optional assisting units; start the working-day clocks."""
    locked = _begin(request, actor, "assign", version)
    if lead_unit is None or not lead_unit.active:
        raise ValidationError({"lead_unit": "请选择启用中的牵头单位。"})
    assist_units = [unit for unit in dict.fromkeys(assist_units) if unit.pk != lead_unit.pk]
    if any(not unit.active for unit in assist_units):
        raise ValidationError({"assist_units": "协办单位中有已停用的单位。"})
    note = (note or "").strip()
    if locked.return_flagged and not note:
        raise ValidationError(
            {"note": f"该诉求已被退回 {locked.return_count} 次，请写明本次交办的决定理由。"}
        )
    if category is not None:
        if not category.active:
            raise ValidationError({"category": "请选择启用中的问题类别。"})
        locked.category = category
    now = timezone.now()
    calendar = WorkCalendar.load()
    today = timezone.localdate(now)
    from_status = locked.status
    locked.status = S.ASSIGNED
    locked.lead_unit = lead_unit
    locked.assigned_at = now
    locked.signed_at = None
    locked.contacted_at = None
    _start_clocks(locked, calendar, today, contact=True)
    locked.assists.all().delete()
    assist_due, _ = calendar.add_workdays(today, settings.QIQING_ASSIST_DAYS)
    for unit in assist_units:
        RequestAssist.objects.create(request=locked, unit=unit, due=assist_due)
    co = "、".join(unit.name for unit in assist_units)
    public_note = (
        f"交办{lead_unit.name}办理{f'，{co}协办' if co else ''}；"
        f"签收期限 {_fmt(locked.sign_due)}，联系企业期限 {_fmt(locked.contact_due)}，"
        f"答复期限 {_fmt(locked.response_due)}（{locked.response_days}个工作日）。"
    )
    _finish(
        locked,
        actor,
        A.ASSIGN,
        from_status,
        note=public_note + (f"\n{note}" if note else ""),
        data={"lead_unit": lead_unit.pk, "assist_units": [u.pk for u in assist_units]},
        at=now,
    )
    title = f"新交办诉求 {locked.ref}：{locked.enterprise.name}"
    body = f"{locked.category.name}。签收期限 {_fmt(locked.sign_due)}，答复期限 {_fmt(locked.response_due)}。"
    _tell(_unit_handlers([lead_unit.pk]), "assigned", title, body + "（主办）", locked)
    if assist_units:
        _tell(
            _unit_handlers([u.pk for u in assist_units]),
            "assigned",
            title,
            f"{body}（协办，{_fmt(assist_due)} 前向牵头单位反馈）",
            locked,
        )
    return locked


@transaction.atomic
def request_reject(
    *,
    actor,
    request: Request,
    kind: str,
    reason: str,
    duplicate_of: Request | None = None,
    version: int | None = None,
) -> Request:
    """Refuse to accept (不予受理): a duplicate (linked to its original) or out of scope, with a reason."""
    locked = _begin(request, actor, "reject", version)
    reason = (reason or "").strip()
    if kind not in Request.RejectKind.values:
        raise ValidationError({"kind": "请选择不予受理的类型。"})
    if not reason:
        raise ValidationError({"reason": "请写明不予受理的理由，企业会看到这段说明。"})
    if kind == Request.RejectKind.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": "重复诉求请选择与之重复的原诉求。"})
        if duplicate_of.pk == locked.pk:
            raise ValidationError({"duplicate_of": "不能与自身重复。"})
        if duplicate_of.enterprise_id != locked.enterprise_id:
            raise ValidationError({"duplicate_of": "原诉求必须是同一企业的诉求。"})
        if not Request.objects.visible_to(actor).filter(pk=duplicate_of.pk).exists():
            raise ValidationError({"duplicate_of": "找不到该原诉求。"})
    else:
        duplicate_of = None
    from_status = locked.status
    locked.status = S.REJECTED
    locked.reject_kind = kind
    locked.reject_reason = reason
    locked.duplicate_of = duplicate_of
    label = Request.RejectKind(kind).label
    if duplicate_of is not None:
        label = f"{label}（与 {duplicate_of.ref} 重复）"
    _finish(
        locked,
        actor,
        A.REJECT,
        from_status,
        note=f"{label}：{reason}",
        data={"kind": kind, "duplicate_of": duplicate_of.pk if duplicate_of else None},
    )
    _tell(
        _contacts(locked),
        "rejected",
        f"诉求 {locked.ref} 不予受理",
        f"{label}：{reason}",
        locked,
    )
    return locked


# --- the unit's work ---------------------------------------------------------------------
@transaction.atomic
def request_sign(*, actor, request: Request, note: str = "", version: int | None = None) -> Request:
    """Sign for (签收) an assigned or reopened request; the unit now holds it."""
    locked = _begin(request, actor, "sign", version)
    from_status = locked.status
    now = timezone.now()
    locked.status = S.IN_PROGRESS
    if locked.signed_at is None:
        locked.signed_at = now
    locked.sign_overdue = False
    late = locked.sign_due and timezone.localdate(now) > locked.sign_due
    _finish(
        locked,
        actor,
        A.SIGN,
        from_status,
        note=(
            f"{locked.lead_unit.name}已签收"
            + ("（超过签收期限）" if late else "")
            + (f"。{note}" if note else "")
        ),
        at=now,
    )
    return locked


@transaction.atomic
def request_contact(
    *, actor, request: Request, method: str, note: str, version: int | None = None
) -> Request:
    """Record contact with the enterprise (联系企业); the first one stops the 3-working-day clock."""
    locked = _begin(request, actor, "contact", version)
    if method not in ContactMethod.LABELS:
        raise ValidationError({"method": "请选择联系方式。"})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请简要记录联系情况（联系了谁、了解到什么）。"})
    now = timezone.now()
    first = locked.contacted_at is None
    if first:
        locked.contacted_at = now
        locked.contact_overdue = False
    _finish(
        locked,
        actor,
        A.CONTACT,
        locked.status,
        note=f"{ContactMethod.LABELS[method]}：{note}",
        data={"method": method, "first": first},
        at=now,
    )
    return locked


@transaction.atomic
def request_note(
    *, actor, request: Request, text: str, public: bool = False, version: int | None = None
) -> Request:
    """Add a progress note (办理进展), internal or visible to the enterprise."""
    locked = _begin(request, actor, "note", version)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写办理进展。"})
    _finish(locked, actor, A.NOTE, locked.status, note=text, public=bool(public))
    if public:
        _tell(_contacts(locked), "progress", f"诉求 {locked.ref} 有新进展", text[:200], locked)
    return locked


@transaction.atomic
def request_assist_answer(*, actor, request: Request, answer: str, version: int | None = None) -> Request:
    """An assisting unit's answer to the lead unit (协办反馈); internal to the units."""
    locked = _begin(request, actor, "assist", version)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写协办意见。"})
    assist = (
        locked.assists.select_for_update()
        .select_related("unit")
        .filter(unit_id__in=access_for(actor).handler_unit_ids, answered_at__isnull=True)
        .order_by("pk")
        .first()
    )
    now = timezone.now()
    assist.answered_at = now
    assist.answer = answer
    assist.full_clean()
    assist.save()
    _finish(
        locked,
        actor,
        A.ASSIST,
        locked.status,
        note=f"{assist.unit.name}协办意见：{answer}",
        public=False,
        data={"unit": assist.unit_id, "late": bool(assist.due and timezone.localdate(now) > assist.due)},
        at=now,
    )
    _tell(
        _unit_handlers([locked.lead_unit_id]),
        "assist_answered",
        f"{assist.unit.name}已反馈协办意见（{locked.ref}）",
        answer[:200],
        locked,
    )
    return locked


def _withdraw_pending_extension(locked: Request, why: str) -> None:
    locked.extensions.filter(status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.WITHDRAWN, decided_at=timezone.now(), decision_note=why
    )


@transaction.atomic
def request_return(
    *, actor, request: Request, reason: str, note: str = "", version: int | None = None
) -> Request:
    """Return a mis-routed request (退回) to triage with a structured reason."""
    locked = _begin(request, actor, "return", version)
    if reason not in ReturnReason.LABELS:
        raise ValidationError({"reason": "请选择退回原因。"})
    note = (note or "").strip()
    if reason == "other" and not note:
        raise ValidationError({"note": "退回原因为“其他”时请写明具体理由。"})
    from_status = locked.status
    unit = locked.lead_unit
    locked.status = S.SUBMITTED
    locked.lead_unit = None
    locked.assigned_at = None
    locked.signed_at = None
    locked.contacted_at = None
    locked.clock_start = None
    locked.sign_days = locked.contact_days = locked.response_days = None
    locked.sign_due = locked.contact_due = locked.response_due = None
    locked.deadline_estimated = False
    locked.is_overdue = locked.sign_overdue = locked.contact_overdue = False
    locked.return_count += 1
    locked.assists.all().delete()
    _withdraw_pending_extension(locked, "诉求已退回。")
    label = ReturnReason.LABELS[reason]
    _finish(
        locked,
        actor,
        A.RETURN,
        from_status,
        note=f"{unit.name}退回（{label}）" + (f"：{note}" if note else ""),
        public=False,
        data={"reason": reason, "unit": unit.pk, "count": locked.return_count},
    )
    flagged = "，已多次退回，请决定" if locked.return_flagged else ""
    _tell(
        _supervisors(locked),
        "returned",
        f"诉求 {locked.ref} 被{unit.name}退回（{label}）{flagged}",
        note or label,
        locked,
    )
    return locked


@transaction.atomic
def request_extend_ask(
    *,
    actor,
    request: Request,
    proposed_due: dt.date,
    reason: str,
    version: int | None = None,
) -> ExtensionRequest:
    """Ask for more time (申请延期) with a reason and a new date; only approval moves the deadline."""
    locked = _begin(request, actor, "extend_ask", version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明申请延期的理由。"})
    if proposed_due is None or proposed_due <= locked.response_due:
        raise ValidationError(
            {"proposed_due": f"延期后的日期必须晚于当前答复期限 {_fmt(locked.response_due)}。"}
        )
    calendar = WorkCalendar.load()
    info = calendar.day(proposed_due)
    if not info.working:
        raise ValidationError(
            {"proposed_due": f"{_fmt(proposed_due)} 是非工作日（{info.reason}），请选择一个工作日。"}
        )
    extension = ExtensionRequest(
        request=locked,
        unit=locked.lead_unit,
        asked_by=actor,
        reason=reason,
        previous_due=locked.response_due,
        proposed_due=proposed_due,
    )
    extension.full_clean()
    extension.save()
    _finish(
        locked,
        actor,
        A.EXTEND_ASK,
        locked.status,
        note=f"申请将答复期限由 {_fmt(locked.response_due)} 延至 {_fmt(proposed_due)}：{reason}",
        public=False,
        data={"extension": extension.pk, "proposed_due": proposed_due.isoformat()},
    )
    _tell(
        _supervisors(locked),
        "extension_asked",
        f"{locked.lead_unit.name}申请延期（{locked.ref}）",
        f"申请延至 {_fmt(proposed_due)}：{reason[:150]}",
        locked,
    )
    return extension


@transaction.atomic
def request_extend_decide(
    *, actor, request: Request, approve: bool, note: str = "", version: int | None = None
) -> ExtensionRequest:
    """Approve or refuse the pending extension (审批延期); approval alone moves the deadline."""
    locked = _begin(request, actor, "extend_decide", version)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不同意延期时请写明理由。"})
    extension = locked.extensions.select_for_update().get(status=ExtensionRequest.Status.PENDING)
    now = timezone.now()
    extension.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_note = note
    extension.full_clean()
    extension.save()
    if approve:
        old_due = locked.response_due
        locked.response_due = extension.proposed_due
        locked.response_days = None  # a fixed date from now on: a calendar change leaves it alone
        locked.is_overdue = locked.response_due < timezone.localdate(now)
        recount(locked, WorkCalendar.load())
        _finish(
            locked,
            actor,
            A.EXTEND_OK,
            locked.status,
            note=f"同意延期，答复期限由 {_fmt(old_due)} 延至 {_fmt(locked.response_due)}。"
            + (f"{note}" if note else ""),
            data={"extension": extension.pk, "previous_due": old_due.isoformat()},
            at=now,
        )
    else:
        _finish(
            locked,
            actor,
            A.EXTEND_NO,
            locked.status,
            note=f"不同意延期（申请延至 {_fmt(extension.proposed_due)}）：{note}",
            public=False,
            data={"extension": extension.pk},
            at=now,
        )
    verdict = "同意" if approve else "不同意"
    _tell(
        _unit_handlers([locked.lead_unit_id]),
        "extension_decided",
        f"延期申请{verdict}（{locked.ref}）",
        f"答复期限：{_fmt(locked.response_due)}。{note}",
        locked,
    )
    return extension


@transaction.atomic
def request_escalate(
    *, actor, request: Request, level: str, reason: str, version: int | None = None
) -> Escalation:
    """Report upward (上报) what the unit cannot solve; tracked until the higher level answers."""
    locked = _begin(request, actor, "escalate", version)
    if level not in Escalation.Level.values:
        raise ValidationError({"level": "请选择上报层级。"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明上报理由（单位为何无法解决、需要上级协调什么）。"})
    escalation = Escalation(request=locked, level=level, reason=reason, escalated_by=actor)
    escalation.full_clean()
    escalation.save()
    from_status = locked.status
    locked.status = S.ESCALATED
    label = Escalation.Level(level).label
    _finish(
        locked,
        actor,
        A.ESCALATE,
        from_status,
        note=f"已上报{label}协调办理。",
        data={"escalation": escalation.pk, "level": level, "reason": reason},
    )
    _tell(
        _unit_handlers([locked.lead_unit_id]),
        "escalated",
        f"诉求 {locked.ref} 已上报{label}",
        reason[:200],
        locked,
    )
    return escalation


@transaction.atomic
def request_escalate_reply(*, actor, request: Request, answer: str, version: int | None = None) -> Request:
    """Record the higher level's answer; the lead unit then responds to the enterprise."""
    locked = _begin(request, actor, "escalate_reply", version)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写上级的答复意见。"})
    escalation = locked.escalations.select_for_update().get(answered_at__isnull=True)
    now = timezone.now()
    escalation.answered_at = now
    escalation.answer = answer
    escalation.answer_recorded_by = actor
    escalation.full_clean()
    escalation.save()
    from_status = locked.status
    locked.status = S.IN_PROGRESS
    _finish(
        locked,
        actor,
        A.ESCALATE_REPLY,
        from_status,
        note=f"{escalation.get_level_display()}答复：{answer}",
        data={"escalation": escalation.pk},
        at=now,
    )
    _tell(
        _unit_handlers([locked.lead_unit_id]),
        "escalation_answered",
        f"上级已答复（{locked.ref}），请答复企业",
        answer[:200],
        locked,
    )
    return locked


@transaction.atomic
def request_respond(
    *, actor, request: Request, outcome: str, response: str, version: int | None = None
) -> Request:
    """Answer the enterprise (答复) with an outcome; a promise must carry a committed date."""
    locked = _begin(request, actor, "respond", version)
    if outcome not in Request.Outcome.values:
        raise ValidationError({"outcome": "请选择办理结果。"})
    response = (response or "").strip()
    if len(response) < 10:
        raise ValidationError({"response": "请向企业写明办理情况（至少 10 个字）。"})
    rules.check_reply(response)
    now = timezone.now()
    from_status = locked.status
    locked.status = S.RESPONDED
    locked.outcome = outcome
    locked.response = response
    locked.responded_at = now
    locked.is_overdue = False
    locked.sign_overdue = locked.contact_overdue = False
    locked.satisfaction = ""
    locked.rated_at = None
    recount(locked, WorkCalendar.load())
    _withdraw_pending_extension(locked, "已答复企业。")
    label = Request.Outcome(outcome).label
    _finish(
        locked,
        actor,
        A.RESPOND,
        from_status,
        note=f"【{label}】{response}",
        data={"outcome": outcome, "on_time": locked.on_time},
        at=now,
    )
    _tell(
        _contacts(locked),
        "responded",
        f"您的诉求 {locked.ref} 已答复（{label}），请评价",
        response[:200],
        locked,
    )
    return locked


# --- the enterprise's verdict ------------------------------------------------------------
@transaction.atomic
def request_rate(
    *,
    actor,
    request: Request,
    satisfaction: str,
    comment: str = "",
    version: int | None = None,
    via_link: bool = False,
) -> Request:
    """The enterprise rates the response (评价). 不满意 reopens it to the same unit with a new deadline.

    ``via_link`` is the signed no-login link (the view has verified the token); ``actor`` is
    then None and the enterprise itself is the party.
    """
    locked = _begin(request, actor, "rate", version, as_party=lifecycle.CONTACT if via_link else None)
    if satisfaction not in Request.Satisfaction.values:
        raise ValidationError({"satisfaction": "请选择满意、基本满意或不满意。"})
    comment = (comment or "").strip()
    if satisfaction == Request.Satisfaction.UNSATISFIED and not comment:
        raise ValidationError({"comment": "选择不满意时请说明原因，便于重新办理。"})
    now = timezone.now()
    from_status = locked.status
    label = Request.Satisfaction(satisfaction).label
    channel = "（扫码评价）" if via_link else ""
    if satisfaction == Request.Satisfaction.UNSATISFIED:
        _reopen(locked, timezone.localdate(now))
        note = f"不满意{channel}：{comment}。已重新交办{locked.lead_unit.name}，答复期限 {_fmt(locked.response_due)}。"
        kind, title = "reopened", f"诉求 {locked.ref} 企业不满意，已重新办理"
    else:
        locked.satisfaction = satisfaction
        locked.rated_at = now
        locked.rating_due = None
        note = f"{label}{channel}" + (f"：{comment}" if comment else "")
        kind, title = "rated", f"诉求 {locked.ref} 企业评价：{label}"
    _finish(
        locked,
        actor,
        A.RATE,
        from_status,
        note=note,
        data={"satisfaction": satisfaction, "via_link": via_link},
        at=now,
    )
    recipients = _unit_handlers([locked.lead_unit_id]) + _supervisors(locked)
    _tell(recipients, kind, title, comment[:200] or label, locked)
    return locked


def _reopen(locked: Request, today: dt.date) -> None:
    """Back to the same unit with a fresh response deadline, counted as a reopening (重新办理)."""
    locked.status = S.REOPENED
    locked.reopen_count += 1
    locked.satisfaction = ""
    locked.rated_at = None
    locked.outcome = ""
    locked.rating_due = None
    _start_clocks(locked, WorkCalendar.load(), today, contact=False)


@transaction.atomic
def request_reopen(*, actor, request: Request, reason: str, version: int | None = None) -> Request:
    """A supervisor reopens a responded request (e.g. the enterprise complained by phone)."""
    locked = _begin(request, actor, "reopen", version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明重新办理的原因。"})
    from_status = locked.status
    _reopen(locked, _today())
    _finish(
        locked,
        actor,
        A.REOPEN,
        from_status,
        note=f"重新交办{locked.lead_unit.name}办理：{reason}。答复期限 {_fmt(locked.response_due)}。",
    )
    _tell(
        _unit_handlers([locked.lead_unit_id]),
        "reopened",
        f"诉求 {locked.ref} 重新办理",
        reason[:200],
        locked,
    )
    return locked


@transaction.atomic
def request_close(*, actor, request: Request, note: str = "", version: int | None = None) -> Request:
    """Close out (销号) a response the enterprise rated 满意 or 基本满意."""
    locked = _begin(request, actor, "close", version)
    now = timezone.now()
    from_status = locked.status
    locked.status = S.CLOSED
    locked.closed_at = now
    note = (note or "").strip()
    _finish(
        locked,
        actor,
        A.CLOSE,
        from_status,
        note=f"企业评价{locked.get_satisfaction_display()}，销号办结。" + (note and f"{note}"),
        at=now,
    )
    return locked


# --- scheduled work ----------------------------------------------------------------------
@transaction.atomic
def request_auto_close(*, request: Request, today: dt.date | None = None) -> bool:
    """Close a response left unrated past its rating window; False when it no longer applies."""
    today = today or _today()
    try:
        locked = _begin(request, None, "auto_close", None, as_party=SYSTEM)
    except TransitionRefused:
        return False
    if locked.rating_due is None or locked.rating_due >= today:
        return False
    now = timezone.now()
    from_status = locked.status
    locked.status = S.CLOSED
    locked.closed_at = now
    _finish(
        locked,
        None,
        A.AUTO_CLOSE,
        from_status,
        note=f"答复后 {settings.QIQING_RATING_WINDOW_DAYS} 个工作日内企业未评价，自动办结。",
        at=now,
    )
    return True


def auto_close_requests(today: dt.date | None = None) -> dict[str, int]:
    """Close every response whose rating window has passed; each in its own transaction."""
    today = today or _today()
    due = Request.objects.filter(status=S.RESPONDED, satisfaction="", rating_due__lt=today)
    closed = 0
    for request in due.only("pk").order_by("pk"):
        closed += request_auto_close(request=request, today=today)
    return {"closed": closed}


def _notice_level(days_overdue: int) -> str | None:
    """The highest rung whose threshold the request has reached."""
    reached = None
    for level in SupervisionNotice.LADDER:
        if days_overdue >= settings.QIQING_NOTICE_THRESHOLDS[level]:
            reached = level
    return reached


@transaction.atomic
def _supervise_one(pk: int, today: dt.date, now: dt.datetime, calendar: WorkCalendar) -> dict[str, int]:
    """Flags, the next supervision notice and reminders for one request, in one transaction."""
    counts = dict.fromkeys(("overdue", "sign_late", "contact_late", "notices", "reminders"), 0)
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related("enterprise", "lead_unit")
        .filter(pk=pk, status__in=Request.CLOCK_STATUSES)
        .first()
    )
    if locked is None:
        return counts
    fields = []
    sign_late = locked.awaiting_sign and bool(locked.sign_due) and locked.sign_due < today
    if sign_late != locked.sign_overdue:
        locked.sign_overdue = sign_late
        fields.append("sign_overdue")
        counts["sign_late"] += sign_late
    contact_late = locked.awaiting_contact and bool(locked.contact_due) and locked.contact_due < today
    if contact_late != locked.contact_overdue:
        locked.contact_overdue = contact_late
        fields.append("contact_overdue")
        counts["contact_late"] += contact_late
    overdue = bool(locked.response_due) and locked.response_due < today
    newly_overdue = overdue and not locked.is_overdue
    if overdue != locked.is_overdue:
        locked.is_overdue = overdue
        fields.append("is_overdue")
    if fields:
        # Flags only: no version bump, so a handler's open form is not invalidated by the job.
        Request.objects.filter(pk=locked.pk).update(**{name: getattr(locked, name) for name in fields})
    handlers = _unit_handlers([locked.lead_unit_id]) if locked.lead_unit_id else []
    if newly_overdue:
        counts["overdue"] += 1
        RequestEvent.objects.create(
            request=locked,
            action=A.OVERDUE,
            from_status=locked.status,
            to_status=locked.status,
            note=f"已超过答复期限 {_fmt(locked.response_due)}。",
            public=False,
            data={"due": locked.response_due.isoformat()},
            at=now,
        )
        _tell(
            handlers,
            "overdue",
            f"诉求 {locked.ref} 已超期",
            f"答复期限 {_fmt(locked.response_due)} 已过，请尽快答复企业。",
            locked,
            dedupe_key=f"overdue:{locked.pk}:{locked.response_due}",
        )
    if overdue and locked.status != S.ESCALATED and locked.lead_unit_id:
        counts["notices"] += _issue_notice(locked, today, now, calendar, handlers)
    # "Due tomorrow": the deadline is the next working day — once per request and deadline.
    next_workday = calendar.next_workday(today)
    for kind, due, waiting, label in (
        ("sign", locked.sign_due, locked.awaiting_sign, "签收"),
        ("contact", locked.contact_due, locked.awaiting_contact, "联系企业"),
        ("response", locked.response_due, locked.status != S.ESCALATED, "答复"),
    ):
        if waiting and due and today < due <= next_workday:
            for user in handlers:
                if notify(
                    user,
                    "due_soon",
                    f"诉求 {locked.ref} {label}期限将至（{_fmt(due)}）",
                    f"{locked.enterprise.name}：请在 {_fmt(due)} 前完成{label}。",
                    _url(locked),
                    dedupe_key=f"due:{kind}:{locked.pk}:{due}",
                ):
                    counts["reminders"] += 1
    return counts


def _issue_notice(locked: Request, today, now, calendar: WorkCalendar, handlers) -> int:
    days_overdue = calendar.workdays_between(locked.response_due, today)
    level = _notice_level(days_overdue)
    if level is None:
        return 0
    issued = set(locked.notices.filter(due=locked.response_due).values_list("level", flat=True))
    ladder = SupervisionNotice.LADDER
    highest_issued = max((ladder.index(x) for x in issued), default=-1)
    if ladder.index(level) <= highest_issued:
        return 0
    year = timezone.localtime(now).year
    notice = SupervisionNotice(
        request=locked,
        unit=locked.lead_unit,
        town_id=locked.enterprise.town_id,
        level=level,
        year=year,
        number=_next_notice_number(year),
        issued_at=now,
        due=locked.response_due,
        days_overdue=days_overdue,
    )
    notice.full_clean()
    notice.save()
    label = notice.get_level_display()
    RequestEvent.objects.create(
        request=locked,
        action=A.NOTICE,
        from_status=locked.status,
        to_status=locked.status,
        note=f"{notice.label}：{label}，{locked.lead_unit.name}超期 {days_overdue} 个工作日。",
        public=False,
        data={"notice": notice.pk, "level": level},
        at=now,
    )
    _tell(
        handlers,
        "notice",
        f"{notice.label} {label}：诉求 {locked.ref}",
        f"答复期限 {_fmt(locked.response_due)} 已超 {days_overdue} 个工作日，请立即办理。",
        locked,
    )
    return 1


def _next_notice_number(year: int) -> int:
    from requests_tracker.models import NoticeSequence

    return NoticeSequence.next_number(year)


def flag_overdue_requests(today: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark late sign-for / contact / response, issue the next supervision notice, send reminders.

    Each request is handled in its own transaction, so a run killed half-way leaves every
    request either done or untouched, and the next run finishes the rest; a second run for the
    same day changes nothing (flags compare, notices are unique per rung, reminders deduplicated).
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    calendar = WorkCalendar.load()
    totals = dict.fromkeys(("checked", "overdue", "sign_late", "contact_late", "notices", "reminders"), 0)
    # Only rows with something to do: a flag to set or clear, an overdue ladder, a deadline tomorrow.
    soon = (today, calendar.next_workday(today))
    awaiting_sign = Q(status__in=(S.ASSIGNED, S.REOPENED))
    candidates = Request.objects.filter(status__in=Request.CLOCK_STATUSES).filter(
        Q(is_overdue=True)
        | Q(response_due__lt=today)
        | Q(sign_overdue=True)
        | (awaiting_sign & Q(sign_due__lt=today))
        | Q(contact_overdue=True)
        | Q(contacted_at__isnull=True, contact_due__lt=today)
        | Q(sign_due__gt=soon[0], sign_due__lte=soon[1])
        | Q(contact_due__gt=soon[0], contact_due__lte=soon[1])
        | Q(response_due__gt=soon[0], response_due__lte=soon[1])
    )
    pks = list(candidates.order_by("pk").values_list("pk", flat=True))
    for pk in pks:
        totals["checked"] += 1
        for key, value in _supervise_one(pk, today, now, calendar).items():
            totals[key] += value
    return totals


# --- calendar changes --------------------------------------------------------------------
def recount_open_requests(changed_dates: Sequence[dt.date]) -> dict[str, int]:
    """After admins edit the working-day calendar, recount the deadlines it touches.

    Only requests whose clock started on or before the last changed date can move; each moved
    request gets a DEADLINE event (and a new version) in its own transaction.
    """
    if not changed_dates:
        return {"recounted": 0}
    latest = max(changed_dates)
    calendar = WorkCalendar.load()
    candidates = (
        Request.objects.filter(status__in=(*Request.CLOCK_STATUSES, S.RESPONDED), clock_start__lte=latest)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    moved = 0
    for pk in list(candidates):
        moved += _recount_one(pk, calendar)
    return {"recounted": moved}


@transaction.atomic
def _recount_one(pk: int, calendar: WorkCalendar) -> int:
    locked = Request.objects.select_for_update(of=("self",)).get(pk=pk)
    before = {
        name: getattr(locked, name) for name in ("sign_due", "contact_due", "response_due", "rating_due")
    }
    changed = recount(locked, calendar)
    if not changed:
        return 0
    today = _today()
    if locked.status in Request.CLOCK_STATUSES and locked.response_due:
        locked.is_overdue = locked.response_due < today
    moved = [
        f"{label} {_fmt(before[name])} → {_fmt(getattr(locked, name))}"
        for name, label in (
            ("sign_due", "签收期限"),
            ("contact_due", "联系期限"),
            ("response_due", "答复期限"),
            ("rating_due", "评价期限"),
        )
        if before[name] != getattr(locked, name)
    ]
    note = "节假日安排更新，" + ("；".join(moved) if moved else "期限已按正式安排确认，不再为估算") + "。"
    _finish(locked, None, A.DEADLINE, locked.status, note=note, data={"fields": changed})
    return 1

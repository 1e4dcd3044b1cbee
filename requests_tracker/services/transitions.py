"""The transitions people make (DESIGN.md §4): submit, triage, the unit's work, the enterprise's verdict.

Each is ``@transaction.atomic``, goes through ``core._begin`` (lock, party, version, state) and
``core._finish`` (new version + exactly one RequestEvent), and queues its notifications in the same
transaction.

What the acting user is told (a refusal, a missing field) is in their language; the event notes
and notifications are records others read later, so they are written in Chinese (``i18n.stored``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Unit
from enterprises.models import Enterprise
from qiqing import i18n, scope
from qiqing.scope import require_visible
from requests_tracker import lifecycle, rules
from requests_tracker.dispatch import selectors as dispatch_selectors
from requests_tracker.models import (
    Category,
    Escalation,
    ExtensionRequest,
    Request,
    RequestAssist,
    RequestAttachment,
    RequestEvent,
    RequestSequence,
)
from requests_tracker.services import trust
from requests_tracker.services.core import (
    ContactMethod,
    ReturnReason,
    _begin,
    _contacts,
    _finish,
    _fmt,
    _reopen,
    _start_clocks,
    _supervisors,
    _tell,
    _today,
    _unit_handlers,
    recount,
)
from requests_tracker.workdays import WorkCalendar

S = Request.Status
A = RequestEvent.Action


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
    meetup=None,
    team=None,
    cadre=None,
    contact_name: str = "",
    contact_phone: str = "",
    submitted_at: dt.datetime | None = None,
    attachments: Sequence = (),
    scope=None,
) -> Request:
    """Raise a request for an enterprise the actor may see; it enters the lifecycle as submitted.

    ``scope`` replaces the actor's own enterprise scope for actors that are not people: an API
    client's service account files only for the enterprises of the client's towns.

    ``attachments`` are uploaded files (PDF or images), checked by content and size; each is
    stored under a generated name and served only through the scoped attachment view.

    ``meetup`` is the meetup (亲清会) the problem was raised at; ``team`` the service team the
    raising cadre routed it to (a suggestion the triage desk sees, not an assignment).
    """
    allowed = Enterprise.objects.visible_to(actor) if scope is None else scope
    if not allowed.filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("不能为不在您联系或管理范围内的企业提交诉求。"))
    description = (description or "").strip()
    contact_phone = rules.normalize_phone(contact_phone)
    if source in rules.TYPED_SOURCES:
        rules.check_typed_request(description=description, contact_phone=contact_phone)
    elif not description:
        raise ValidationError({"description": _("请填写问题描述。")})
    elif problem := rules.phone_problem(contact_phone):
        raise ValidationError({"contact_phone": problem})
    if category is None or not category.active:
        raise ValidationError({"category": _("请选择有效的问题类别。")})
    if source not in Request.Source.values:
        raise ValidationError({"source": _("请选择诉求来源。")})
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
        meetup=meetup,
        team=team,
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
    source_label = i18n.stored(request.get_source_display)
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        at=submitted_at,
        action=RequestEvent.Action.SUBMIT,
        from_status="",
        to_status=Request.Status.SUBMITTED,
        note=f"{source_label}：{category.name}",
        data={"attachments": len(checked)} if checked else {},
    )
    # The triage desk learns of it at once instead of at its next look at the queue.
    _tell(
        _supervisors(request),
        "submitted",
        f"新诉求 {request.ref} 待受理",
        f"{enterprise.name}（{source_label}）：{category.name}",
        request,
        skip=actor,
    )
    if scope is None:  # (the parameter: an API client's own scope, checked above)
        require_visible(actor, request)
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
    batch=None,
    catalogue=None,
) -> Request:
    """Assign (交办) to a lead unit with optional assisting units; start the working-day clocks.

    The dispatch catalogue (派单目录) routes the request: following it, the catalogue's time limit
    counts; routing against it (another lead unit or other assisting units) needs a note saying
    why. ``batch`` names the assignment batch (交办批次) the request goes out in; ``catalogue``
    is an already loaded ``dispatch.selectors.Catalogue`` (a batch routes many requests).
    """
    locked = _begin(request, actor, "assign", version)
    if lead_unit is None or not lead_unit.active:
        raise ValidationError({"lead_unit": _("请选择启用中的牵头单位。")})
    assist_units = [unit for unit in dict.fromkeys(assist_units) if unit.pk != lead_unit.pk]
    if any(not unit.active for unit in assist_units):
        raise ValidationError({"assist_units": _("协办单位中有已停用的单位。")})
    note = (note or "").strip()
    if locked.return_flagged and not note:
        raise ValidationError(
            {"note": _("该诉求已被退回 %(n)s 次，请写明本次交办的决定理由。") % {"n": locked.return_count}}
        )
    if category is not None:
        if not category.active:
            raise ValidationError({"category": _("请选择启用中的问题类别。")})
        locked.category = category
    route = (catalogue or dispatch_selectors.Catalogue()).route(locked)
    by_catalogue = route is not None and route.matches(lead_unit, assist_units)
    if route is not None and not by_catalogue and not note:
        raise ValidationError(
            {
                "note": _("交办说明：派单目录规定由%(lead)s牵头%(co)s，本次交办与目录不一致，请写明理由。")
                % {
                    "lead": route.lead_unit.name,
                    "co": (_("、%(co)s协办") % {"co": "、".join(u.name for u in route.assist_units)})
                    if route.assist_units
                    else "",
                }
            }
        )
    now = timezone.now()
    calendar = WorkCalendar.load()
    today = timezone.localdate(now)
    from_status = locked.status
    locked.status = S.ASSIGNED
    locked.lead_unit = lead_unit
    locked.assigned_at = now
    locked.signed_at = None
    locked.contacted_at = None
    locked.batch = batch
    _start_clocks(
        locked, calendar, today, contact=True, response_days=route.time_limit_days if by_catalogue else None
    )
    locked.assists.all().delete()
    assist_due, _estimated = calendar.add_workdays(today, settings.QIQING_ASSIST_DAYS)
    for unit in assist_units:
        RequestAssist.objects.create(request=locked, unit=unit, due=assist_due)
    co = "、".join(unit.name for unit in assist_units)
    public_note = (
        (f"{batch.label}：" if batch is not None else "")
        + f"交办{lead_unit.name}办理{f'，{co}协办' if co else ''}"
        + ("（按派单目录）" if by_catalogue else "")
        + "；"
        f"签收期限 {_fmt(locked.sign_due)}，联系企业期限 {_fmt(locked.contact_due)}，"
        f"签收期限 {_fmt(locked.sign_due)}，联系企业期限 {_fmt(locked.contact_due)}，"
        f"答复期限 {_fmt(locked.response_due)}（{locked.response_days}个工作日）。"
    )
    _finish(
        locked,
        actor,
        A.ASSIGN,
        from_status,
        note=public_note + (f"\n{note}" if note else ""),
        data={
            "lead_unit": lead_unit.pk,
            "assist_units": [u.pk for u in assist_units],
            "by_catalogue": by_catalogue,
            "batch": batch.pk if batch is not None else None,
        },
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
    if locked.children.exists():
        raise ValidationError({"kind": _("该诉求是并单的主诉求，请先撤销并入它的诉求，再作不予受理处理。")})
    reason = (reason or "").strip()
    if kind not in Request.RejectKind.values:
        raise ValidationError({"kind": _("请选择不予受理的类型。")})
    if not reason:
        raise ValidationError({"reason": _("请写明不予受理的理由，企业会看到这段说明。")})
    if kind == Request.RejectKind.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": _("重复诉求请选择与之重复的原诉求。")})
        if duplicate_of.pk == locked.pk:
            raise ValidationError({"duplicate_of": _("不能与自身重复。")})
        if duplicate_of.enterprise_id != locked.enterprise_id:
            raise ValidationError({"duplicate_of": _("原诉求必须是同一企业的诉求。")})
        if not Request.objects.visible_to(actor).filter(pk=duplicate_of.pk).exists():
            raise ValidationError({"duplicate_of": _("找不到该原诉求。")})
    else:
        duplicate_of = None
    from_status = locked.status
    locked.status = S.REJECTED
    locked.reject_kind = kind
    locked.reject_reason = reason
    locked.duplicate_of = duplicate_of
    label = i18n.stored(Request.RejectKind(kind).label)
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
        raise ValidationError({"method": _("请选择联系方式。")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请简要记录联系情况（联系了谁、了解到什么）。")})
    now = timezone.now()
    first = locked.contacted_at is None
    if first:
        locked.contacted_at = now
        locked.contact_overdue = False
        # What 问题见面率 counts (analytics.metrics): how the unit first reached the enterprise.
        locked.first_contact_method = method
    _finish(
        locked,
        actor,
        A.CONTACT,
        locked.status,
        note=f"{i18n.stored(ContactMethod.LABELS[method])}：{note}",
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
        raise ValidationError({"text": _("请填写办理进展。")})
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
        raise ValidationError({"answer": _("请填写协办意见。")})
    assist = (
        locked.assists.select_for_update()
        .select_related("unit")
        .filter(unit_id__in=scope.handled_units(actor), answered_at__isnull=True)
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
        raise ValidationError({"reason": _("请选择退回原因。")})
    note = (note or "").strip()
    if reason == "other" and not note:
        raise ValidationError({"note": _("退回原因为“其他”时请写明具体理由。")})
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
    label = i18n.stored(ReturnReason.LABELS[reason])
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
        raise ValidationError({"reason": _("请写明申请延期的理由。")})
    if proposed_due is None or proposed_due <= locked.response_due:
        raise ValidationError(
            {
                "proposed_due": _("延期后的日期必须晚于当前答复期限 %(due)s。")
                % {"due": _fmt(locked.response_due)}
            }
        )
    calendar = WorkCalendar.load()
    info = calendar.day(proposed_due)
    if not info.working:
        raise ValidationError(
            {
                "proposed_due": _("%(day)s 是非工作日（%(reason)s），请选择一个工作日。")
                % {"day": _fmt(proposed_due), "reason": info.reason}
            }
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
        raise ValidationError({"note": _("不同意延期时请写明理由。")})
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
        raise ValidationError({"level": _("请选择上报层级。")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明上报理由（单位为何无法解决、需要上级协调什么）。")})
    escalation = Escalation(request=locked, level=level, reason=reason, escalated_by=actor)
    escalation.full_clean()
    escalation.save()
    from_status = locked.status
    locked.status = S.ESCALATED
    label = i18n.stored(Escalation.Level(level).label)
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
        raise ValidationError({"answer": _("请填写上级的答复意见。")})
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
        note=f"{i18n.stored(escalation.get_level_display)}答复：{answer}",
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
        raise ValidationError({"outcome": _("请选择办理结果。")})
    response = (response or "").strip()
    if len(response) < 10:
        raise ValidationError({"response": _("请向企业写明办理情况（至少 10 个字）。")})
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
    label = i18n.stored(Request.Outcome(outcome).label)
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
        raise ValidationError({"satisfaction": _("请选择满意、基本满意或不满意。")})
    comment = (comment or "").strip()
    if satisfaction == Request.Satisfaction.UNSATISFIED and not comment:
        raise ValidationError({"comment": _("选择不满意时请说明原因，便于重新办理。")})
    now = timezone.now()
    from_status = locked.status
    label = i18n.stored(Request.Satisfaction(satisfaction).label)
    channel = "（扫码评价）" if via_link else ""
    locked.last_rating, locked.last_rated_at = satisfaction, now
    detached = None
    if satisfaction == Request.Satisfaction.UNSATISFIED:
        if locked.parent_id:  # a merged child its enterprise rejects is handled on its own again
            detached, locked.parent = locked.parent_id, None
        _reopen(locked, timezone.localdate(now))
        note = f"不满意{channel}：{comment}。已重新交办{locked.lead_unit.name}，答复期限 {_fmt(locked.response_due)}。"
        kind, title = "reopened", f"诉求 {locked.ref} 企业不满意，已重新办理"
    else:
        locked.satisfaction = satisfaction
        locked.rated_at = now
        locked.rating_due = None
        note = f"{label}{channel}" + (f"：{comment}" if comment else "")
        kind, title = "rated", f"诉求 {locked.ref} 企业评价：{label}"
    event = _finish(
        locked,
        actor,
        A.RATE,
        from_status,
        note=note,
        data={"satisfaction": satisfaction, "via_link": via_link, "detached_from": detached},
        at=now,
    )
    trust.callback_for_rating(locked, event)
    recipients = _unit_handlers([locked.lead_unit_id]) + _supervisors(locked)
    _tell(recipients, kind, title, comment[:200] or label, locked)
    return locked


@transaction.atomic
def request_reopen(*, actor, request: Request, reason: str, version: int | None = None) -> Request:
    """A supervisor reopens a responded request (e.g. the enterprise complained by phone)."""
    locked = _begin(request, actor, "reopen", version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明重新办理的原因。")})
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
        note=f"企业评价{i18n.stored(locked.get_satisfaction_display)}，销号办结。{note}",
        at=now,
    )
    return locked

"""Writes for requests (诉求): every transition is a service that checks the actor and the state
and writes its RequestEvent in the same transaction (DESIGN.md §4)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from enterprises.models import Enterprise
from requests_tracker.models import Category, Request, RequestEvent, RequestSequence


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
) -> Request:
    """Raise a request for an enterprise the actor may see; it enters the lifecycle as submitted."""
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied("不能为不在您联系或管理范围内的企业提交诉求。")
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "请填写问题描述。"})
    if category is None or not category.active:
        raise ValidationError({"category": "请选择有效的问题类别。"})
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
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        at=submitted_at,
        action=RequestEvent.Action.SUBMIT,
        from_status="",
        to_status=Request.Status.SUBMITTED,
        note=f"{request.get_source_display()}：{category.name}",
    )
    return request

"""Visits sent from the phone's queue (离线走访同步): accepted once per client id, or refused with reasons.

The phone keeps a visit (IndexedDB) under an id it made itself and sends it whenever it has a
network. Whatever happens to the answer on the way back, the phone may send the same visit
again; so the id is an idempotency key:

- first arrival → the visit is logged (201, ``accepted``);
- the same id with the same content → the visit already logged (200, ``accepted``, ``replay``);
- the same id with other content → 409 ``conflict``, the first visit kept;
- a visit that can no longer be accepted (pair ended, enterprise deactivated, a date in the
  future, a bad photo …) → 422 ``refused`` with every reason; the phone keeps it until the cadre
  fixes or discards it. Nothing is written for a refusal.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils.translation import gettext as _

from cadres.models import Assignment
from enterprises.models import Enterprise
from qiqing.access import access_for
from visits.forms import PROBLEM_PREFIX, ProblemFormSet, VisitLogForm
from visits.models import Visit
from visits.photos import upload_digest
from visits.services import AlreadyAccepted, DuplicateVisit, visit_log

# Not part of what the cadre wrote: tokens, the id itself, and the answer to the duplicate question.
IGNORED_FIELDS = {"csrfmiddlewaretoken", "client_id", "confirm_duplicate", "offline", "foreground"}


@dataclass
class SyncAnswer:
    status: int
    body: dict = field(default_factory=dict)


def submission_digest(data, uploads) -> str:
    """sha256 of what the cadre sent: every field value (in a fixed order) and every photo's bytes."""
    fields = sorted((key, value) for key in data if key not in IGNORED_FIELDS for value in data.getlist(key))
    payload = {"fields": fields, "photos": [upload_digest(u) for u in uploads]}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _accepted(visit: Visit, *, replay: bool) -> SyncAnswer:
    return SyncAnswer(
        200 if replay else 201,
        {
            "status": "accepted",
            "replay": replay,
            "visit": visit.pk,
            "problems": visit.requests.count(),
            "url": reverse("visits:detail", args=[visit.pk]),
            "file_url": reverse("visits:enterprise_file", args=[visit.enterprise_id]),
            "message": _("已同步：走访已登记。") if not replay else _("这条走访此前已同步，未重复登记。"),
        },
    )


def _replay(actor, client_id, digest) -> SyncAnswer | None:
    existing = Visit.objects.filter(client_id=client_id).first()
    if existing is None:
        return None
    if existing.created_by_id == actor.pk and existing.client_digest == digest:
        return _accepted(existing, replay=True)
    return SyncAnswer(
        409,
        {
            "status": "conflict",
            "message": _(
                "这条走访（编号 %(id)s）已经同步过，但这次发送的内容与已登记的不同；"
                "已登记的走访保持不变。如需修改，请在走访记录中更正。"
            )
            % {"id": str(client_id)[:8]},
        },
    )


def _refused(messages: list[str], *, code: str = "invalid", **extra) -> SyncAnswer:
    return SyncAnswer(422, {"status": "refused", "code": code, "errors": messages, **extra})


def _form_messages(form, problems) -> list[str]:
    """Every error as 'field: reason', so a message on the phone names what to fix."""
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and form.fields[name].label else ""
        out += [f"{label}：{e}" if label else e for e in errors]
    out += list(problems.non_form_errors())
    for number, problem_form in enumerate(problems.forms, start=1):
        for name, errors in problem_form.errors.items():
            label = problem_form.fields[name].label if name in problem_form.fields else ""
            out += [
                _("第 %(n)s 个问题：%(message)s") % {"n": number, "message": f"{label}：{e}"} for e in errors
            ]
    return out


def _exception_messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    labels = {"photos": _("照片"), "checkin": _("签到"), "date": _("走访日期"), "cadre": _("走访干部")}
    out = []
    for name, errors in exc.message_dict.items():
        label = labels.get(name, "")
        out += [f"{label}：{e}" if label and name != "problems" else e for e in errors]
    return out


def enterprise_refusal(actor, raw_pk) -> str | None:
    """Why a cadre can no longer log for an enterprise they held: the pair ended, or it left the register.

    Only for an enterprise the cadre was paired with, so no one learns of others' enterprises.
    """
    access = access_for(actor)
    if access.is_staff_reader or not access.cadre_id or not str(raw_pk).isdigit():
        return None
    pairs = Assignment.objects.filter(cadre_id=access.cadre_id, enterprise_id=int(raw_pk))
    last = pairs.select_related("enterprise").order_by("-start").first()
    if last is None:
        return None
    enterprise: Enterprise = last.enterprise
    if not enterprise.active:
        return _("“%(name)s”已不在册（注销或迁出），不能再登记走访。") % {"name": enterprise.name}
    if not pairs.filter(end__isnull=True).exists():
        return _("您与“%(name)s”的联系关系已于 %(end)s 结束，不能再以联企干部身份登记走访。") % {
            "name": enterprise.name,
            "end": f"{last.end:%Y-%m-%d}",
        }
    return None


def visit_sync(*, actor, data, files) -> SyncAnswer:
    """Accept one visit from the phone's queue, at most once per client id."""
    try:
        client_id = uuid.UUID(str(data.get("client_id", "")))
    except ValueError:
        return SyncAnswer(
            400, {"status": "refused", "code": "client_id", "errors": [_("缺少或无效的客户端编号。")]}
        )
    uploads = files.getlist("photos")
    digest = submission_digest(data, uploads)
    answer = _replay(actor, client_id, digest)
    if answer:
        return answer
    reason = enterprise_refusal(actor, data.get("enterprise", ""))
    if reason:
        return _refused([reason], code="enterprise")
    form = VisitLogForm(data, actor=actor)
    problems = ProblemFormSet(data, prefix=PROBLEM_PREFIX)
    if not (form.is_valid() and problems.is_valid()):
        return _refused(_form_messages(form, problems))
    try:
        visit = visit_log(
            actor=actor,
            problems=problems.problems(),
            photos=uploads,
            client_id=client_id,
            client_digest=digest,
            **form.service_kwargs(),
        )
    except AlreadyAccepted:
        return _replay(actor, client_id, digest)
    except IntegrityError:
        # Two sends of one visit by different cadres' locks: the unique client id decided.
        answer = _replay(actor, client_id, digest)
        if answer:
            return answer
        raise
    except DuplicateVisit as exc:
        return _refused(
            list(exc.messages),
            code="duplicate",
            existing=reverse("visits:detail", args=[exc.existing.pk]),
        )
    except PermissionDenied as exc:
        return _refused([str(exc) or _("您不能为这家企业登记走访。")], code="permission")
    except ValidationError as exc:
        return _refused(_exception_messages(exc))
    return _accepted(visit, replay=False)

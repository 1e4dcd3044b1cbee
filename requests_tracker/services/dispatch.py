"""Dispatch writes (派单): catalogue entries with history, batch assignment (交办批次, all or
nothing), and merging duplicates into one parent case (并单) or undoing it before assignment.

A batch is one transaction: every request is assigned through ``request_assign`` (so each gets
its own deadlines and exactly one event) or none is. A merge writes one event on each request it
touches; the children then follow their parent (``core._carry_to_children``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Unit
from qiqing.scope import require_visible
from requests_tracker.dispatch.models import Batch, BatchSequence, DispatchRule, DispatchRuleChange
from requests_tracker.dispatch.selectors import Catalogue
from requests_tracker.models import Category, Request, RequestEvent
from requests_tracker.services.core import _contacts, _tell
from requests_tracker.services.transitions import request_assign

S = Request.Status
A = RequestEvent.Action
# A selection larger than this is assigned in the background (one transaction all the same).
BATCH_INLINE_MAX = 100


# --- the dispatch catalogue --------------------------------------------------------------------
def _rule_state(rule: DispatchRule, assist_ids) -> dict:
    return {
        "category": rule.category_id,
        "town": rule.town_id,
        "lead_unit": rule.lead_unit_id,
        "assist_units": sorted(assist_ids),
        "time_limit_days": rule.time_limit_days,
        "active": rule.active,
    }


@transaction.atomic
def dispatch_rule_save(
    *,
    actor,
    category: Category,
    lead_unit: Unit,
    time_limit_days: int,
    town=None,
    assist_units: Sequence[Unit] = (),
    active: bool = True,
    rule: DispatchRule | None = None,
) -> DispatchRule:
    """Create or change a catalogue entry; an inactive unit is refused; every change is recorded."""
    if lead_unit is None or not lead_unit.active:
        raise ValidationError(
            {
                "lead_unit": _("默认牵头单位“%(unit)s”已停用，不能写入派单目录。")
                % {"unit": getattr(lead_unit, "name", "—")}
            }
        )
    assist_units = [unit for unit in dict.fromkeys(assist_units) if unit.pk != lead_unit.pk]
    stopped = [unit.name for unit in assist_units if not unit.active]
    if stopped:
        raise ValidationError(
            {
                "assist_units": _("默认协办单位中“%(units)s”已停用，不能写入派单目录。")
                % {"units": "、".join(stopped)}
            }
        )
    if not time_limit_days or time_limit_days < 1 or time_limit_days > 120:
        raise ValidationError({"time_limit_days": _("办理时限须为 1–120 个工作日。")})
    clash = DispatchRule.objects.filter(category=category, town=town)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise ValidationError({"category": _("该类别在这一属地已有派单目录，请直接修改那一条。")})
    if rule is None:
        before = {}
        rule = DispatchRule()
    else:
        rule = DispatchRule.objects.select_for_update().get(pk=rule.pk)
        before = _rule_state(rule, rule.assist_units.values_list("pk", flat=True))
    rule.category = category
    rule.town = town
    rule.lead_unit = lead_unit
    rule.time_limit_days = time_limit_days
    rule.active = active
    rule.updated_by = actor
    rule.updated_at = timezone.now()
    rule.full_clean()
    rule.save()
    rule.assist_units.set(assist_units)
    after = _rule_state(rule, [unit.pk for unit in assist_units])
    if after != before:
        DispatchRuleChange.objects.create(rule=rule, actor=actor, before=before, after=after)
    return rule


# --- batches (交办批次) ---------------------------------------------------------------------------
def _selection(actor, request_ids) -> list[Request]:
    ids = list(dict.fromkeys(int(pk) for pk in request_ids))
    if not ids:
        raise ValidationError({"requests": _("请勾选要交办的诉求。")})
    found = list(
        Request.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("enterprise", "category", "parent")
        .filter(pk__in=ids)
        .order_by("submitted_at", "pk")
    )
    if len(found) != len(ids):
        raise ValidationError({"requests": _("所选诉求中有找不到或不在您管理范围内的诉求，整批未交办。")})
    return found


@transaction.atomic
def batch_assign(
    *, actor, request_ids: Sequence[int], note: str, fallback_lead_unit: Unit | None = None, progress=None
) -> Batch:
    """Assign the selected requests as one numbered batch with one note — all or nothing.

    Each request is routed by the dispatch catalogue (a request whose category has no entry goes
    to ``fallback_lead_unit``, with the batch note as the reason) and gets its own deadlines and
    its own assignment event. A request already assigned (or merged into another) refuses the
    whole batch: nothing is written.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("交办说明：请写明本批交办的说明（如“第N周新收诉求”）。")})
    selected = _selection(actor, request_ids)
    taken = [r.ref for r in selected if r.status != S.SUBMITTED]
    if taken:
        raise ValidationError(
            {
                "requests": _("以下诉求已交办或不在待受理状态：%(refs)s。整批未交办，请取消勾选后重试。")
                % {"refs": "、".join(taken)}
            }
        )
    merged = [r.ref for r in selected if r.parent_id]
    if merged:
        raise ValidationError(
            {
                "requests": _("以下诉求已并入主诉求，随主诉求交办：%(refs)s。整批未交办。")
                % {"refs": "、".join(merged)}
            }
        )
    catalogue = Catalogue()
    routes = {r.pk: catalogue.route(r) for r in selected}
    unrouted = [r.ref for r in selected if routes[r.pk] is None]
    if unrouted and fallback_lead_unit is None:
        raise ValidationError(
            {
                "fallback_lead_unit": _(
                    "以下诉求的类别没有派单目录：%(refs)s。请选择“目录外诉求的牵头单位”，或单独交办。"
                )
                % {"refs": "、".join(unrouted)}
            }
        )
    now = timezone.now()
    year = timezone.localdate(now).year
    batch = Batch(
        year=year, number=BatchSequence.next_number(year), note=note, created_by=actor, created_at=now
    )
    batch.full_clean()
    batch.save()
    for done, obj in enumerate(selected, start=1):
        route = routes[obj.pk]
        if route is not None:
            lead, assists, why = route.lead_unit, list(route.assist_units), ""
        else:
            lead, assists, why = fallback_lead_unit, [], note
        request_assign(
            actor=actor,
            request=obj,
            lead_unit=lead,
            assist_units=assists,
            note=why,
            batch=batch,
            catalogue=catalogue,
        )
        if progress is not None:
            progress(done, len(selected))
    require_visible(actor, batch)
    return batch


# --- merged cases (并单) --------------------------------------------------------------------------
def _bump(obj: Request) -> None:
    obj.version += 1
    obj.full_clean()
    obj.save()


@transaction.atomic
def request_merge(*, actor, parent: Request, children: Sequence[Request], note: str = "") -> Request:
    """Merge duplicates into one parent case (并单) before assignment: the children then follow it.

    Refused, nothing written: a request outside the actor's scope, one not waiting for triage
    (closed, assigned …), a child that is itself a parent, a parent that is itself merged.
    """
    ids = [parent.pk, *(child.pk for child in children)]
    if len(set(ids)) != len(ids) or len(ids) < 2:
        raise ValidationError({"requests": _("并单至少需要一件主诉求和一件不同的诉求。")})
    rows = {r.pk: r for r in _selection(actor, ids)}
    parent, children = rows[parent.pk], [rows[child.pk] for child in children]
    for obj in rows.values():
        if obj.status == S.CLOSED:
            raise ValidationError({"requests": _("诉求 %(ref)s 已办结，不能并单。") % {"ref": obj.ref}})
        if obj.status != S.SUBMITTED:
            raise ValidationError(
                {
                    "requests": _("诉求 %(ref)s 当前为“%(status)s”，只有待受理的诉求可以并单。")
                    % {"ref": obj.ref, "status": obj.get_status_display()}
                }
            )
        if obj.parent_id:
            raise ValidationError(
                {
                    "requests": _("诉求 %(ref)s 已并入 %(parent)s。")
                    % {"ref": obj.ref, "parent": obj.parent.ref}
                }
            )
    if Request.objects.filter(parent__in=[c.pk for c in children]).exists():
        raise ValidationError({"requests": _("所选诉求中有已作为主诉求的诉求，不能再并入其他诉求。")})
    note = (note or "").strip()
    for child in children:
        child.parent = parent
        _bump(child)
        RequestEvent.objects.create(
            request=child,
            actor=actor,
            action=A.MERGE,
            from_status=child.status,
            to_status=child.status,
            note=f"并入主诉求 {parent.ref}，随主诉求办理，办结后请对答复单独评价。"
            + (f"{note}" if note else ""),
            data={"parent": parent.pk},
        )
        _tell(
            _contacts(child),
            "progress",
            f"您的诉求 {child.ref} 已与同类诉求合并办理",
            f"并入 {parent.ref}，办理进展和答复会同步告知您，答复后请您单独评价。",
            child,
        )
    _bump(parent)
    RequestEvent.objects.create(
        request=parent,
        actor=actor,
        action=A.MERGE,
        from_status=parent.status,
        to_status=parent.status,
        note=f"并单：{'、'.join(c.ref for c in children)} 并入本诉求办理。" + (f"{note}" if note else ""),
        public=False,
        data={"children": [c.pk for c in children]},
    )
    return parent


@transaction.atomic
def request_unmerge(*, actor, child: Request) -> Request:
    """Undo a merge (撤销并单) while the parent still waits for assignment."""
    locked = _selection(actor, [child.pk])[0]
    if locked.parent_id is None:
        raise ValidationError({"requests": _("诉求 %(ref)s 没有并入其他诉求。") % {"ref": locked.ref}})
    parent = locked.parent
    if parent.status != S.SUBMITTED:
        raise ValidationError(
            {"requests": _("主诉求 %(ref)s 已交办，不能再撤销并单。") % {"ref": parent.ref}}
        )
    locked.parent = None
    _bump(locked)
    RequestEvent.objects.create(
        request=locked,
        actor=actor,
        action=A.UNMERGE,
        from_status=locked.status,
        to_status=locked.status,
        note=f"撤销并单，不再随 {parent.ref} 办理。",
        data={"parent": parent.pk},
    )
    return locked

"""Writes for units, cadres and their enterprise pairings.

Every change to a pair writes an AssignmentChange row (who, when, before → after) in the same
transaction, so the log can never disagree with the pairs it describes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cadres import rules
from cadres.models import Assignment, AssignmentChange, Cadre, pair_state
from enterprises.models import Enterprise
from qiqing.i18n import join


def _actor(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _log(*, actor, action: str, assignment: Assignment, before: dict, note: str = "") -> AssignmentChange:
    return AssignmentChange.objects.create(
        actor=_actor(actor),
        action=action,
        assignment=assignment,
        cadre_id=assignment.cadre_id,
        enterprise_id=assignment.enterprise_id,
        before=before,
        after=pair_state(assignment),
        note=note[:200],
    )


def _lock_cadres(cadres: Iterable[Cadre]) -> dict[int, Cadre]:
    """Lock cadre rows in a fixed order so two admins changing pairs at once cannot both pass
    the 10 check, and cannot deadlock each other."""
    ids = sorted({cadre.pk for cadre in cadres})
    return {cadre.pk: cadre for cadre in Cadre.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _active_counts(cadre_ids) -> dict[int, int]:
    counts = defaultdict(int)
    for cadre_id in (
        Assignment.objects.active().filter(cadre_id__in=cadre_ids).values_list("cadre_id", flat=True)
    ):
        counts[cadre_id] += 1
    return counts


def _has_active_lead(enterprise_id: int) -> bool:
    return Assignment.objects.active().filter(enterprise_id=enterprise_id, is_lead=True).exists()


def _create(
    *, actor, cadre: Cadre, enterprise: Enterprise, start: dt.date, is_lead: bool, action: str, note: str
):
    if not cadre.active:
        raise ValidationError(
            {"cadre": _("干部“%(name)s”已不在岗，不能新增联系企业。") % {"name": cadre.name}}
        )
    if not enterprise.active:
        raise ValidationError(
            {"enterprise": _("企业“%(name)s”已不在册，不能新增联系干部。") % {"name": enterprise.name}}
        )
    assignment = Assignment(
        cadre=cadre, enterprise=enterprise, start=start, is_lead=is_lead, created_by=_actor(actor)
    )
    assignment.full_clean()
    assignment.save()
    _log(actor=actor, action=action, assignment=assignment, before={}, note=note)
    return assignment


@transaction.atomic
def assignment_create(
    *,
    actor,
    cadre: Cadre,
    enterprise: Enterprise,
    start: dt.date,
    is_lead: bool = True,
    note: str = "",
) -> Assignment:
    """Pair a cadre with an enterprise, refusing an 11th active pair with a clear message."""
    cadre = _lock_cadres([cadre])[cadre.pk]
    return _create(
        actor=actor,
        cadre=cadre,
        enterprise=enterprise,
        start=start,
        is_lead=is_lead,
        action=AssignmentChange.Action.CREATE,
        note=note,
    )


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment, end: dt.date, note: str = "") -> Assignment:
    """End a pairing; the row stays as history with its last day."""
    assignment = Assignment.objects.select_for_update().select_related("cadre").get(pk=assignment.pk)
    if assignment.end is not None:
        raise ValidationError(
            {"end": _("该联系关系已于 %(date)s 结束。") % {"date": f"{assignment.end:%Y-%m-%d}"}}
        )
    before = pair_state(assignment)
    assignment.end = end
    assignment.full_clean()
    assignment.save(update_fields=["end"])
    _log(actor=actor, action=AssignmentChange.Action.END, assignment=assignment, before=before, note=note)
    return assignment


@transaction.atomic
def assignments_add(
    *, actor, cadre: Cadre, enterprises: Iterable[Enterprise], start: dt.date
) -> list[Assignment]:
    """Pair one cadre with several enterprises at once: all of them, or none if the cadre would pass 10."""
    enterprises = list(enterprises)
    if not enterprises:
        raise ValidationError({"enterprises": _("请至少勾选一家企业。")})
    cadre = _lock_cadres([cadre])[cadre.pk]
    current = _active_counts([cadre.pk])[cadre.pk]
    if rules.exceeds(current + len(enterprises)):
        raise ValidationError(
            {"enterprises": rules.over_limit_message(cadre.name, current, len(enterprises))}
        )
    return [
        _create(
            actor=actor,
            cadre=cadre,
            enterprise=enterprise,
            start=start,
            is_lead=not _has_active_lead(enterprise.pk),
            action=AssignmentChange.Action.CREATE,
            note="",
        )
        for enterprise in enterprises
    ]


@transaction.atomic
def assignments_transfer(
    *,
    actor,
    from_cadre: Cadre,
    to_cadre: Cadre,
    enterprises: Iterable[Enterprise],
    on: dt.date,
) -> list[Assignment]:
    """Move enterprises from one cadre to another (调离、换岗) in one all-or-nothing step.

    The old pair ends the day before ``on`` (its last day) and the new pair starts on ``on``, so
    on any given day exactly one of the two cadres is responsible.
    """
    enterprises = list(enterprises)
    if not enterprises:
        raise ValidationError({"enterprises": _("请至少勾选一家要移交的企业。")})
    if from_cadre.pk == to_cadre.pk:
        raise ValidationError({"to_cadre": _("移交对象不能是原干部本人。")})
    locked = _lock_cadres([from_cadre, to_cadre])
    from_cadre, to_cadre = locked[from_cadre.pk], locked[to_cadre.pk]
    if not to_cadre.active:
        raise ValidationError(
            {"to_cadre": _("干部“%(name)s”已不在岗，不能接收企业。") % {"name": to_cadre.name}}
        )
    enterprise_ids = [e.pk for e in enterprises]
    old = {
        a.enterprise_id: a
        for a in Assignment.objects.active()
        .select_for_update()
        .select_related("cadre", "enterprise")
        .filter(cadre=from_cadre, enterprise_id__in=enterprise_ids)
    }
    missing = [e.name for e in enterprises if e.pk not in old]
    if missing:
        raise ValidationError(
            {
                "enterprises": _("干部“%(name)s”目前没有联系这些企业：%(names)s。")
                % {"name": from_cadre.name, "names": join(missing)}
            }
        )
    already = set(
        Assignment.objects.active()
        .filter(cadre=to_cadre, enterprise_id__in=enterprise_ids)
        .values_list("enterprise__name", flat=True)
    )
    if already:
        raise ValidationError(
            {
                "enterprises": _("干部“%(name)s”已在联系：%(names)s，请取消勾选。")
                % {"name": to_cadre.name, "names": join(sorted(already))}
            }
        )
    current = _active_counts([to_cadre.pk])[to_cadre.pk]
    if rules.exceeds(current + len(enterprises)):
        raise ValidationError(
            {
                "to_cadre": rules.over_limit_message(to_cadre.name, current, len(enterprises), moving_in=True)
                + _("本次未做任何调整。")
            }
        )
    late = [f"{a.enterprise.name}（{a.start:%Y-%m-%d}）" for a in old.values() if a.start > on]
    if late:
        raise ValidationError({"on": _("移交日期不能早于联系开始日期：%(names)s。") % {"names": join(late)}})

    created = []
    for enterprise_id in enterprise_ids:
        assignment = old[enterprise_id]
        before = pair_state(assignment)
        # A pair that started on the transfer day itself ends that same day (end ≥ start).
        assignment.end = max(assignment.start, on - dt.timedelta(days=1))
        assignment.full_clean()
        assignment.save(update_fields=["end"])
        _log(
            actor=actor,
            action=AssignmentChange.Action.TRANSFER,
            assignment=assignment,
            before=before,
            note=f"移交给 {to_cadre.name}（{to_cadre.code}）",
        )
        new = Assignment(
            cadre=to_cadre,
            enterprise=assignment.enterprise,
            start=on,
            is_lead=assignment.is_lead,
            created_by=_actor(actor),
        )
        new.full_clean()
        new.save()
        _log(
            actor=actor,
            action=AssignmentChange.Action.TRANSFER,
            assignment=new,
            before={},
            note=f"由 {from_cadre.name}（{from_cadre.code}）移交",
        )
        created.append(new)
    return created


@transaction.atomic
def assignments_accept_suggestions(
    *, actor, pairs: Iterable[tuple[Cadre, Enterprise]], start: dt.date
) -> list[Assignment]:
    """Create the auto-suggested pairs the admin kept: all of them, or none (with every reason)."""
    pairs = list(pairs)
    if not pairs:
        raise ValidationError({"pairs": _("请至少勾选一条建议。")})
    problems = []
    seen: dict[int, str] = {}
    for cadre, enterprise in pairs:
        if enterprise.pk in seen:
            problems.append(
                _("企业“%(enterprise)s”被同时建议给 %(first)s 和 %(second)s。")
                % {"enterprise": enterprise.name, "first": seen[enterprise.pk], "second": cadre.name}
            )
        seen[enterprise.pk] = cadre.name
    locked = _lock_cadres(cadre for cadre, _enterprise in pairs)
    adding = defaultdict(int)
    for cadre, _enterprise in pairs:
        adding[cadre.pk] += 1
    counts = _active_counts(list(adding))
    for cadre_id, count in adding.items():
        cadre = locked[cadre_id]
        if rules.exceeds(counts[cadre_id] + count):
            problems.append(rules.over_limit_message(cadre.name, counts[cadre_id], count))
        if not cadre.active:
            problems.append(_("干部“%(name)s”已不在岗。") % {"name": cadre.name})
    taken = set(
        Assignment.objects.active()
        .filter(enterprise_id__in=[e.pk for _cadre, e in pairs])
        .values_list("enterprise__name", flat=True)
    )
    if taken:
        problems.append(
            _("这些企业已经有了联企干部，请刷新建议：%(names)s。") % {"names": join(sorted(taken))}
        )
    if problems:
        raise ValidationError({"pairs": problems})
    return [
        _create(
            actor=actor,
            cadre=locked[cadre.pk],
            enterprise=enterprise,
            start=start,
            is_lead=True,
            action=AssignmentChange.Action.SUGGEST,
            note="",
        )
        for cadre, enterprise in pairs
    ]

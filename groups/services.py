"""Writes for the groups: teams (with their change log), meetups with the problems raised at them.

Every write is one transaction; a meetup and its requests are written together or not at all
(each request goes through ``requests_tracker.services.request_submit``, so a meeting problem
obeys the same input rules, numbering, events and notifications as any other request).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Cadre, Unit
from enterprises.models import Enterprise, Town
from groups import rules
from groups.models import Meetup, MeetupPhoto, ServiceTeam, ServiceTeamChange, team_state
from qiqing import scope
from requests_tracker import rules as request_rules
from requests_tracker.models import Category, Request
from requests_tracker.services import request_submit


# --- teams ---------------------------------------------------------------------------------------
@transaction.atomic
def team_save(
    *,
    actor,
    team: ServiceTeam | None = None,
    code: str,
    name: str,
    kind: str,
    leader: Cadre | None,
    members: Iterable[Cadre] = (),
    units: Iterable[Unit] = (),
    enterprises: Iterable[Enterprise] = (),
    town: Town | None = None,
    chain=None,
    note: str = "",
    active: bool = True,
    action: str | None = None,
) -> ServiceTeam:
    """Create a team or change one; the change log keeps before → after in the same transaction."""
    members, units, enterprises = list(members), list(units), list(enterprises)
    creating = team is None
    if creating:
        team = ServiceTeam()
        before = {}
    else:
        team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
        before = team_state(team)
    errors = rules.team_errors(
        kind=kind, leader=leader, members=members, enterprises=enterprises, team_pk=team.pk
    )
    team.code, team.name, team.kind = (code or "").strip(), (name or "").strip(), kind
    team.leader, team.town, team.chain, team.note, team.active = leader, town, chain, note or "", active
    try:
        team.full_clean()
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    team.save()
    team.members.set(members)
    team.units.set(units)
    team.enterprises.set(enterprises)
    after = team_state(team)
    if after != before:
        ServiceTeamChange.objects.create(
            actor=actor,
            action=action
            or (ServiceTeamChange.Action.CREATE if creating else ServiceTeamChange.Action.UPDATE),
            team=team,
            before=before,
            after=after,
        )
    return team


# --- meetups ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetupProblem:
    """A problem an attending enterprise raised at the meetup; it becomes one request (诉求)."""

    enterprise: Enterprise | None
    category: Category | None
    description: str
    contact_name: str = ""
    contact_phone: str = ""


def future_message() -> str:
    return _("日期：亲清会日期不能晚于今天（%(today)s）。") % {"today": f"{timezone.localdate():%Y-%m-%d}"}


@transaction.atomic
def meetup_log(
    *,
    actor,
    theme: str,
    date: dt.date,
    host_town: Town,
    enterprises: Iterable[Enterprise],
    kind: str = Meetup.Kind.QINQING,
    place: str = "",
    host_unit: Unit | None = None,
    cadres: Iterable[Cadre] = (),
    units: Iterable[Unit] = (),
    minutes: str = "",
    minutes_shareable: bool = False,
    problems: Sequence[MeetupProblem] = (),
    photos: Sequence = (),
) -> Meetup:
    """Log a meetup with its attending enterprises, cadres and departments, and raise every problem
    heard there as a request (source 座谈会/亲清会, linked to the meetup) — all or nothing.

    Each attending enterprise counts as visited on the meetup's date (``analytics.metrics``).
    """
    enterprises = list(dict.fromkeys(enterprises))
    errors = {}
    if not (theme or "").strip():
        errors["theme"] = _("主题：请填写亲清会主题。")
    if date is None:
        errors["date"] = _("日期：请填写亲清会日期。")
    elif date > timezone.localdate():
        errors["date"] = future_message()
    if not enterprises:
        errors["enterprises"] = _("参会企业：请至少选择一家参会企业。")
    if host_town is None:
        errors["host_town"] = _("主办镇街：请选择主办镇街。")
    if errors:
        raise ValidationError(errors)
    if not Town.objects.visible_to(actor).filter(pk=host_town.pk).exists():
        raise PermissionDenied(_("不能为不在您管理范围内的镇街登记亲清会。"))
    visible = set(
        Enterprise.objects.visible_to(actor)
        .filter(pk__in=[e.pk for e in enterprises])
        .values_list("pk", flat=True)
    )
    outside = [e.name for e in enterprises if e.pk not in visible]
    if outside:
        raise ValidationError(
            {"enterprises": _("参会企业：%(names)s不在您的管理范围内。") % {"names": "、".join(outside)}}
        )
    try:
        checked = request_rules.check_attachments(photos)
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from exc
    if any(not content_type.startswith("image/") for _upload, content_type in checked):
        raise ValidationError({"photos": _("会议照片：只能上传图片。")})
    meetup = Meetup(
        kind=kind,
        theme=theme.strip(),
        date=date,
        place=(place or "").strip(),
        host_town=host_town,
        host_unit=host_unit,
        minutes=(minutes or "").strip(),
        minutes_shareable=minutes_shareable,
        created_by=actor,
    )
    meetup.full_clean()
    meetup.save()
    meetup.enterprises.set(enterprises)
    meetup.cadres.set(list(cadres))
    meetup.units.set(list(units))
    attending = {e.pk for e in enterprises}
    for number, problem in enumerate(problems, start=1):
        try:
            if problem.enterprise is None or problem.enterprise.pk not in attending:
                raise ValidationError({"enterprise": _("提出问题的企业须是参会企业。")})
            request_submit(
                actor=actor,
                enterprise=problem.enterprise,
                category=problem.category,
                description=problem.description,
                source=Request.Source.MEETING,
                meetup=meetup,
                contact_name=problem.contact_name,
                contact_phone=problem.contact_phone,
            )
        except ValidationError as exc:
            messages = [m for values in exc.message_dict.values() for m in values]
            raise ValidationError(
                {
                    "problems": [
                        _("第 %(n)s 个问题：%(message)s") % {"n": number, "message": m} for m in messages
                    ]
                }
            ) from exc
    scope.require_visible(actor, meetup)
    _store_photos(meetup, checked, actor)
    return meetup


def _store_photos(meetup: Meetup, checked, actor) -> None:
    stored = []
    try:
        for upload, content_type in checked:
            photo = MeetupPhoto(meetup=meetup, content_type=content_type, uploaded_by=actor)
            photo.file.save(upload.name or "photo", upload, save=False)
            stored.append(photo.file)
            photo.save()
    except Exception:
        for file in stored:
            file.storage.delete(file.name)
        raise

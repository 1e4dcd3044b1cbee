"""Writes for visits (走访): logging a visit with the problems raised during it, and corrections.

Problems become requests through ``requests_tracker.services.request_submit`` inside the visit's
own transaction, so a visit and the requests it raised are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Assignment, Cadre
from enterprises.models import Enterprise
from groups import selectors as group_selectors
from qiqing import programme, scope
from qiqing.access import ADMIN, SUPERVISOR, access_for
from qiqing.i18n import join, stored
from requests_tracker.models import Category, Request
from requests_tracker.services import request_submit
from visits import checkin
from visits import photos as visit_photos
from visits.models import Visit, VisitPhoto, VisitRevision

# The author may correct a visit for this long after logging it; then it is settled for them
# (supervisors and admins in scope may still correct). Seven days covers a visit logged on a
# phone and tidied at the desk the following week without letting old records drift.
CORRECTION_WINDOW = dt.timedelta(days=7)

SURVEY_FIELDS = ("orders", "headcount", "vacancies", "output_yoy", "profit_trend")
CORRECTABLE_FIELDS = ("date", "mode", "summary", "participants", *SURVEY_FIELDS)


@dataclass(frozen=True)
class Problem:
    """A problem the enterprise reported during the visit; it becomes one request (诉求)."""

    category: Category | None
    description: str
    # Route it to the cadre's service team (服务小组): a suggestion the triage desk sees.
    to_team: bool = False


class DuplicateVisit(ValidationError):
    """The cadre already logged a visit to this enterprise on this day; ask before adding another."""

    def __init__(self, existing: Visit):
        self.existing = existing
        super().__init__(
            _("%(cadre)s已于 %(day)s 登记过对“%(enterprise)s”的走访，确认是同一天的另一次走访后再提交。")
            % {
                "cadre": existing.cadre.name,
                "day": f"{existing.date:%Y-%m-%d}",
                "enterprise": existing.enterprise.name,
            },
            code="duplicate",
        )


class AlreadyAccepted(Exception):
    """A visit with this client id is already on the server (a resend, a double tap, a second tab)."""

    def __init__(self, existing: Visit):
        self.existing = existing
        super().__init__(str(existing.client_id))


def manages_enterprise(user, enterprise: Enterprise) -> bool:
    """Supervisors (county-wide or of the enterprise's town) and admins act for any cadre there."""
    return bool(scope.parties(user, enterprise, among={ADMIN, SUPERVISOR}))


def _assignment_covering(cadre: Cadre, enterprise: Enterprise, day: dt.date) -> Assignment | None:
    return (
        Assignment.objects.filter(cadre=cadre, enterprise=enterprise)
        .active_on(day)
        .order_by("-start")
        .first()
    )


def _check_cadre_and_date(*, actor, access, cadre: Cadre, enterprise: Enterprise, day: dt.date) -> None:
    """The visiting cadre was this enterprise's liaison on ``day``, and ``day`` is not in the future."""
    today = timezone.localdate()
    if day > today:
        raise ValidationError({"date": future_date_message(today)})
    if manages_enterprise(actor, enterprise):
        if _assignment_covering(cadre, enterprise, day):
            return
        current = Assignment.objects.filter(cadre=cadre, enterprise=enterprise).active().first()
        if current and day < current.start:
            raise ValidationError(
                {
                    "date": _("走访日期不能早于%(cadre)s联系该企业的开始日期（%(start)s）。")
                    % {"cadre": cadre.name, "start": f"{current.start:%Y-%m-%d}"}
                }
            )
        raise ValidationError(
            {
                "cadre": _("%(cadre)s在 %(day)s 不是“%(enterprise)s”的联企干部。")
                % {"cadre": cadre.name, "day": f"{day:%Y-%m-%d}", "enterprise": enterprise.name}
            }
        )
    # A cadre logs only for enterprises they hold now, and only from the day the pairing began.
    if access.cadre_id != cadre.pk:
        raise PermissionDenied(_("只能以本人身份登记走访。"))
    current = Assignment.objects.filter(cadre=cadre, enterprise=enterprise).active().first()
    if current is None:
        raise PermissionDenied(
            _("“%(name)s”不是您当前联系的企业，不能登记走访。") % {"name": enterprise.name}
        )
    if day < current.start:
        raise ValidationError(
            {
                "date": _("走访日期不能早于您联系该企业的开始日期（%(start)s）。")
                % {"start": f"{current.start:%Y-%m-%d}"}
            }
        )


def _clean_participants(participants: Iterable[Cadre], cadre: Cadre) -> list[Cadre]:
    unique = {p.pk: p for p in participants if p.pk != cadre.pk}
    inactive = [p.name for p in unique.values() if not p.active]
    if inactive:
        raise ValidationError(
            {"participants": _("同行干部已不在岗：%(names)s。") % {"names": join(inactive)}}
        )
    return list(unique.values())


@transaction.atomic
def visit_log(
    *,
    actor,
    enterprise: Enterprise,
    date: dt.date,
    mode: str,
    summary: str,
    cadre: Cadre | None = None,
    participants: Iterable[Cadre] = (),
    orders: str = "",
    headcount: int | None = None,
    vacancies: int | None = None,
    output_yoy: Decimal | None = None,
    profit_trend: str = "",
    problems: Sequence[Problem] = (),
    confirm_duplicate: bool = False,
    photos: Sequence = (),
    position: checkin.Position | None = None,
    client_id=None,
    client_digest: str = "",
    offline: bool = False,
) -> Visit:
    """Log a visit and raise each reported problem as a submitted request linked to it.

    A cadre logs for their own current enterprises; a supervisor or admin logs for any liaison
    cadre of an enterprise in their scope (e.g. typing in a paper ledger). A second visit by the
    same cadre to the same enterprise on the same day raises ``DuplicateVisit`` unless confirmed.

    ``photos`` (uploaded files, at most six) are checked and stored with the visit; ``position``
    is the check-in, kept only while check-in is on. ``client_id`` is the phone's id for the
    visit: a second visit with the same id raises ``AlreadyAccepted`` and writes nothing.
    """
    access = access_for(actor)
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("不能为不在您联系或管理范围内的企业登记走访。"))
    if cadre is None:
        if not access.cadre_id:
            raise ValidationError({"cadre": _("请选择走访干部。")})
        cadre = Cadre.objects.get(pk=access.cadre_id)
    # Lock the cadre so a double-tapped submit cannot slip two same-day visits past the check.
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if client_id is not None:
        # Under the lock: a second tab sending the same visit waits here, then finds the first.
        existing = Visit.objects.filter(client_id=client_id).first()
        if existing:
            raise AlreadyAccepted(existing)
    if not cadre.active:
        raise ValidationError({"cadre": _("%(cadre)s已不在岗，不能登记走访。") % {"cadre": cadre.name}})
    if not enterprise.active:
        raise ValidationError(
            {"enterprise": _("“%(name)s”已不在册，不能登记走访。") % {"name": enterprise.name}}
        )
    _check_cadre_and_date(actor=actor, access=access, cadre=cadre, enterprise=enterprise, day=date)
    participants = _clean_participants(participants, cadre)
    if not (summary or "").strip():
        raise ValidationError({"summary": _("请填写走访情况。")})
    checking_in = programme.value("checkin_enabled")
    prepared = visit_photos.prepare(photos, keep_location=checking_in)
    if not confirm_duplicate:
        existing = (
            Visit.objects.filter(cadre=cadre, enterprise=enterprise, date=date)
            .select_related("enterprise", "cadre")
            .first()
        )
        if existing:
            raise DuplicateVisit(existing)
    visit = Visit(
        enterprise=enterprise,
        cadre=cadre,
        date=date,
        mode=mode,
        summary=(summary or "").strip(),
        orders=orders or "",
        headcount=headcount,
        vacancies=vacancies,
        output_yoy=output_yoy,
        profit_trend=profit_trend or "",
        created_by=actor,
        client_id=client_id,
        client_digest=client_digest,
        offline=offline,
    )
    if checking_in:
        checkin.place(visit, position, enterprise)
    visit.full_clean(validate_unique=False)
    visit.save()
    visit.participants.set(participants)
    for number, problem in enumerate(problems, start=1):
        try:
            request_submit(
                actor=actor,
                enterprise=enterprise,
                category=problem.category,
                description=problem.description,
                source=Request.Source.VISIT,
                visit=visit,
                team=group_selectors.team_for(cadre, enterprise) if problem.to_team else None,
                cadre=cadre,
            )
        except ValidationError as exc:
            # Name the row: the form shows several problems and the cadre must find the bad one.
            messages = [m for values in exc.message_dict.values() for m in values]
            raise ValidationError(
                {
                    "problems": [
                        _("第 %(n)s 个问题：%(message)s") % {"n": number, "message": m} for m in messages
                    ]
                }
            ) from exc
    scope.require_visible(actor, visit)
    # Last, so that nothing after it can roll the rows back and leave the files behind.
    _store_photos(visit, prepared, actor)
    return visit


def _store_photos(visit: Visit, prepared, actor) -> None:
    written = []
    try:
        for photo in prepared:
            name, thumb = visit_photos.store(photo)
            written += [name, thumb]
            VisitPhoto.objects.create(
                visit=visit,
                file=name,
                thumbnail=thumb,
                width=photo.width,
                height=photo.height,
                size=len(photo.content),
                sha256=photo.sha256,
                uploaded_by=actor,
            )
    except Exception:
        # The rows roll back with the transaction; the files on disk must go with them.
        visit_photos.discard(written)
        raise


@transaction.atomic
def enterprise_locate(*, actor, visit: Visit) -> Enterprise:
    """Set an enterprise's coordinates from a visit's check-in (admins; only while it has none).

    The first check-in is the best evidence of where an enterprise is when the ledger has no
    coordinates; once set, later check-ins are measured against it, not allowed to move it.
    """
    if not access_for(actor).is_admin:
        raise PermissionDenied(_("只有系统管理员可以设置企业位置。"))
    enterprise = Enterprise.objects.select_for_update().get(pk=visit.enterprise_id)
    if not visit.checked_in:
        raise ValidationError(_("这次走访没有签到位置。"))
    if enterprise.latitude is not None:
        raise ValidationError(_("“%(name)s”已有企业位置，请在企业资料中修改。") % {"name": enterprise.name})
    enterprise.latitude = visit.checkin_latitude
    enterprise.longitude = visit.checkin_longitude
    enterprise.save(update_fields=["latitude", "longitude", "updated_at"])
    return enterprise


def correction_deadline(visit: Visit) -> dt.datetime:
    return visit.created_at + CORRECTION_WINDOW


def can_correct(user, visit: Visit) -> bool:
    """Supervisors/admins in scope always; the author (登记人 or the visiting cadre) for 7 days."""
    access = access_for(user)
    if manages_enterprise(user, visit.enterprise):
        return True
    is_author = visit.created_by_id == user.pk or (
        access.cadre_id is not None and access.cadre_id == visit.cadre_id
    )
    return is_author and timezone.now() <= correction_deadline(visit)


# Their history shows the choice's label (in Chinese, as stored; the page translates it back).
CHOICE_FIELDS = ("mode", "orders", "profit_trend")


def _shown(field: str, value) -> str:
    """How a value reads in the history (display text in Chinese, not codes)."""
    if value is None or value == "":
        return ""
    if field == "participants":
        return "、".join(sorted(c.name for c in value))
    if field in CHOICE_FIELDS:
        choices = dict(Visit._meta.get_field(field).choices)
        return stored(choices.get(value, value))
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


@transaction.atomic
def visit_correct(*, actor, visit: Visit, reason: str = "", **values) -> VisitRevision | None:
    """Correct some fields of a visit, keeping what changed (before → after) as a revision.

    ``values`` holds any of CORRECTABLE_FIELDS; the enterprise and visiting cadre cannot be
    changed (that would be a different visit). Returns None when nothing actually changed.
    """
    unknown = set(values) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    visit = Visit.objects.select_for_update().select_related("enterprise", "cadre").get(pk=visit.pk)
    if not Visit.objects.visible_to(actor).filter(pk=visit.pk).exists():
        raise PermissionDenied(_("不能更正不在您范围内的走访记录。"))
    if not can_correct(actor, visit):
        raise PermissionDenied(window_closed_message())
    if "date" in values and values["date"] != visit.date:
        _check_date_for_correction(visit=visit, day=values["date"])
    changes = {}
    new_participants = None
    for field, new in values.items():
        if field == "participants":
            new_participants = _clean_participants(new, visit.cadre)
            old = list(visit.participants.all())
            if {c.pk for c in old} == {c.pk for c in new_participants}:
                new_participants = None
                continue
            new = new_participants
        else:
            if field == "summary":
                new = (new or "").strip()
                if not new:
                    raise ValidationError({"summary": _("请填写走访情况。")})
            elif field in ("orders", "profit_trend") and new is None:
                new = ""
            old = getattr(visit, field)
            if old == new:
                continue
            setattr(visit, field, new)
        label = stored(Visit._meta.get_field(field).verbose_name)
        changes[field] = {"label": label, "before": _shown(field, old), "after": _shown(field, new)}
    if not changes:
        return None
    visit.full_clean()
    visit.save()
    if new_participants is not None:
        visit.participants.set(new_participants)
    revision = VisitRevision(visit=visit, actor=actor, changes=changes, reason=(reason or "").strip())
    revision.full_clean()
    revision.save()
    scope.require_visible(actor, visit)
    return revision


def _check_date_for_correction(*, visit: Visit, day: dt.date) -> None:
    """A corrected date obeys the same rules as a new one, for the visit's own cadre."""
    today = timezone.localdate()
    if day > today:
        raise ValidationError({"date": future_date_message(today)})
    if _assignment_covering(visit.cadre, visit.enterprise, day):
        return
    first = (
        Assignment.objects.filter(cadre=visit.cadre, enterprise=visit.enterprise).order_by("start").first()
    )
    if first and day < first.start:
        raise ValidationError(
            {
                "date": _("走访日期不能早于联系关系开始日期（%(start)s）。")
                % {"start": f"{first.start:%Y-%m-%d}"}
            }
        )
    raise ValidationError(
        {
            "date": _("%(cadre)s在 %(day)s 不是该企业的联企干部。")
            % {"cadre": visit.cadre.name, "day": f"{day:%Y-%m-%d}"}
        }
    )


def future_date_message(today: dt.date) -> str:
    return _("走访日期不能晚于今天（%(today)s）。") % {"today": f"{today:%Y-%m-%d}"}


def window_closed_message() -> str:
    return _("走访登记超过 %(days)s 天后不能再由本人更正，如需更正请联系服务企业办。") % {
        "days": CORRECTION_WINDOW.days
    }

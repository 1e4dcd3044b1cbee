"""The scheduled work on requests: overdue flags and the supervision ladder, reminders, automatic
close-out and recounting deadlines after a calendar change. Each request is handled in its own
transaction, so a run killed half-way leaves every request finished or untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from cadres.models import StaffRole
from qiqing import i18n
from qiqing.models import Notification
from qiqing.notifications import notify
from requests_tracker.lifecycle import SYSTEM
from requests_tracker.models import (
    NoticeSequence,
    Request,
    RequestEvent,
    SupervisionNotice,
)
from requests_tracker.services import trust
from requests_tracker.services.core import (
    TransitionRefused,
    _begin,
    _finish,
    _fmt,
    _tell,
    _today,
    _unit_handlers,
    _url,
    recount,
)
from requests_tracker.workdays import WorkCalendar

S = Request.Status
A = RequestEvent.Action


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
    event = _finish(
        locked,
        None,
        A.AUTO_CLOSE,
        from_status,
        note=f"答复后 {settings.QIQING_RATING_WINDOW_DAYS} 个工作日内企业未评价，自动办结，待服务企业办回访。",
        at=now,
    )
    trust.callback_for_auto_close(locked, event, today)
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
    # A merged child (并单) keeps its own flags (it counts as an overdue request) but the unit is
    # chased once, through the parent: no notices or reminders of its own.
    handlers = _unit_handlers([locked.lead_unit_id]) if locked.lead_unit_id and not locked.parent_id else []
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
    if overdue and locked.status != S.ESCALATED and locked.lead_unit_id and not locked.parent_id:
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
    # Notes and notices are records: Chinese, even when the job runs from an English page.
    label = i18n.stored(notice.get_level_display)
    notice_label = i18n.stored(lambda: notice.label)
    RequestEvent.objects.create(
        request=locked,
        action=A.NOTICE,
        from_status=locked.status,
        to_status=locked.status,
        note=f"{notice_label}：{label}，{locked.lead_unit.name}超期 {days_overdue} 个工作日。",
        public=False,
        data={"notice": notice.pk, "level": level},
        at=now,
    )
    _tell(
        handlers,
        "notice",
        f"{notice_label} {label}：诉求 {locked.ref}",
        f"答复期限 {_fmt(locked.response_due)} 已超 {days_overdue} 个工作日，请立即办理。",
        locked,
    )
    return 1


def _next_notice_number(year: int) -> int:
    return NoticeSequence.next_number(year)


def _ladder_cutoff(today: dt.date, threshold: int, calendar: WorkCalendar) -> dt.date:
    """The latest deadline at least ``threshold`` working days behind ``today``
    (``calendar.workdays_between(cutoff, today) >= threshold``, and one day later it is not)."""
    day, counted = today, 0
    while counted < threshold:
        if calendar.day(day).working:
            counted += 1
        day -= dt.timedelta(days=1)
    return min(day, today - dt.timedelta(days=1))


def _reminder_missing(kind: str, due_field: str):
    """An active handler of the lead unit has not yet had the "due soon" notice for this deadline
    (the same dedupe key ``_supervise_one`` sends it under)."""
    key = Concat(
        Value(f"due:{kind}:"),
        Cast(OuterRef(OuterRef("pk")), CharField()),
        Value(":"),
        Cast(OuterRef(OuterRef(due_field)), CharField()),
        output_field=CharField(),
    )
    handlers = get_user_model().objects.filter(
        is_active=True,
        staff_roles__role=StaffRole.Role.HANDLER,
        staff_roles__unit_id=OuterRef("lead_unit_id"),
    )
    told = Notification.objects.filter(recipient=OuterRef("pk"), dedupe_key=key)
    return Exists(handlers.filter(~Exists(told)))


def _changes(today: dt.date, calendar: WorkCalendar) -> Q:
    """The open requests on which a run today would change something, in SQL: a flag to set or
    clear, the next rung of the supervision ladder not yet issued, a "due soon" notice not yet
    sent. Every other open request is left alone (no row read, no transaction), so a run with
    nothing to do costs a couple of queries whatever the size of the county."""
    awaiting_sign = Q(status__in=(S.ASSIGNED, S.REOPENED))
    sign_late = awaiting_sign & Q(sign_due__isnull=False, sign_due__lt=today)
    contact_late = Q(contacted_at__isnull=True, contact_due__isnull=False, contact_due__lt=today)
    late = Q(response_due__isnull=False, response_due__lt=today)
    flags = (
        (Q(sign_overdue=False) & sign_late)
        | (Q(sign_overdue=True) & ~sign_late)
        | (Q(contact_overdue=False) & contact_late)
        | (Q(contact_overdue=True) & ~contact_late)
        | (Q(is_overdue=False) & late)
        | (Q(is_overdue=True) & ~late)
    )
    # A notice is due when the highest rung reached is above every rung issued for this deadline;
    # with the rungs' thresholds that is: reached rung L and nothing at L or above issued yet.
    ladder = SupervisionNotice.LADDER
    notices = Q(pk__in=[])
    for index, level in enumerate(ladder):
        issued = SupervisionNotice.objects.filter(
            request=OuterRef("pk"), due=OuterRef("response_due"), level__in=ladder[index:]
        )
        cutoff = _ladder_cutoff(today, settings.QIQING_NOTICE_THRESHOLDS[level], calendar)
        notices |= Q(response_due__lte=cutoff) & ~Exists(issued)
    notices &= late & ~Q(status=S.ESCALATED) & Q(lead_unit__isnull=False)
    tomorrow = calendar.next_workday(today)
    reminders = Q(pk__in=[])
    for kind, due_field, waiting in (
        ("sign", "sign_due", awaiting_sign),
        ("contact", "contact_due", Q(contacted_at__isnull=True)),
        ("response", "response_due", ~Q(status=S.ESCALATED)),
    ):
        soon = Q(**{f"{due_field}__gt": today, f"{due_field}__lte": tomorrow})
        reminders |= waiting & soon & _reminder_missing(kind, due_field)
    return flags | notices | (Q(lead_unit__isnull=False) & reminders)


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
    candidates = Request.objects.filter(status__in=Request.CLOCK_STATUSES).filter(_changes(today, calendar))
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

"""Writes for trusted ratings: callback tasks (回访), the weekly spot check (抽查) and appeals of a
不满意 rating (申诉复核). Each is ``@transaction.atomic``: a refused input writes nothing.

Callbacks are opened inside the transaction of what calls for them — a 不满意 rating
(``request_rate``) or an automatic close of an unrated response (``request_auto_close``) — so a
rating never exists without its callback. A callback that finds a closed request not solved
reopens it to the same unit (a reopening, ``reopen_count``) and marks a false closure (不实办结).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiqing import i18n, programme
from requests_tracker import lifecycle
from requests_tracker.models import Request, RequestEvent
from requests_tracker.services.core import (
    StaleRequest,
    _begin,
    _finish,
    _fmt,
    _reopen,
    _supervisors,
    _tell,
    _today,
    _unit_handlers,
)
from requests_tracker.trust import spotcheck
from requests_tracker.trust.models import Callback, RatingAppeal, SpotCheckDraw
from requests_tracker.workdays import WorkCalendar

S = Request.Status
A = RequestEvent.Action
SATISFIED = (Request.Satisfaction.SATISFIED, Request.Satisfaction.BASIC)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _require_supervisor(actor, request: Request) -> None:
    if lifecycle.SUPERVISOR not in lifecycle.parties_of(actor, request):
        raise PermissionDenied(_("只有服务企业办可以处理诉求 %(ref)s 的回访和申诉。") % {"ref": request.ref})


# --- callbacks ---------------------------------------------------------------------------
def callback_open(
    *,
    request: Request,
    reason: str,
    event: RequestEvent | None = None,
    draw: SpotCheckDraw | None = None,
    today: dt.date | None = None,
) -> Callback:
    """Create a callback task due in ``callback_days`` working days; call inside a transaction."""
    today = today or _today()
    due, estimated = WorkCalendar.load().add_workdays(today, programme.value("callback_days"))
    callback = Callback(
        request=request,
        reason=reason,
        event=event,
        draw=draw,
        unit_id=request.lead_unit_id,
        town_id=request.enterprise.town_id,
        due=due,
        due_estimated=estimated,
    )
    callback.full_clean()
    callback.save()
    return callback


def callback_for_rating(locked: Request, event: RequestEvent) -> Callback | None:
    """Every 不满意 rating gets a callback (called by ``request_rate``)."""
    if event.data.get("satisfaction") != Request.Satisfaction.UNSATISFIED:
        return None
    return callback_open(request=locked, reason=Callback.Reason.UNSATISFIED, event=event)


def callback_for_auto_close(locked: Request, event: RequestEvent, today: dt.date) -> Callback:
    """Every unrated automatic close gets a callback (called by ``request_auto_close``)."""
    return callback_open(request=locked, reason=Callback.Reason.AUTO_CLOSED, event=event, today=today)


def _callback_event(callback: Callback, actor, note: str, data: dict) -> None:
    request = callback.request
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        action=A.CALLBACK,
        from_status=request.status,
        to_status=request.status,
        note=note,
        public=False,
        data={"callback": callback.pk, **data},
    )


@transaction.atomic
def callback_record(
    *,
    actor,
    callback: Callback,
    result: str,
    verdict: str = "",
    note: str = "",
    version: int | None = None,
) -> Callback:
    """Record one call: not reached (the task stays open until the N-th try) or reached with the
    enterprise's verdict. 未解决 on a closed request reopens it and marks a false closure."""
    locked = Callback.objects.select_for_update(of=("self",)).select_related("request").get(pk=callback.pk)
    request = locked.request
    _require_supervisor(actor, request)
    if version is not None and locked.version != int(version):
        raise StaleRequest(_("该回访任务刚刚已被其他人登记，请查看最新情况。"))
    if locked.status != Callback.Status.PENDING:
        raise ValidationError(_("该回访任务已完成，不能重复登记。"))
    note = (note or "").strip()
    if result not in Callback.Result.values:
        raise ValidationError({"result": _("请选择回访情况：已联系上企业，或未联系上。")})
    now = timezone.now()
    locked.version += 1
    if result == Callback.Result.UNREACHED:
        if verdict:
            raise ValidationError({"verdict": _("未联系上企业时不能登记企业意见。")})
        locked.attempts += 1
        tries = programme.value("callback_tries")
        if locked.attempts >= tries:
            locked.status, locked.result = Callback.Status.DONE, result
            locked.done_at, locked.done_by = now, actor
            locked.note = note
        locked.full_clean()
        locked.save()
        _callback_event(
            locked,
            actor,
            f"回访未接通（第 {locked.attempts} 次）" + (f"：{note}" if note else "") + "。",
            {"result": result, "attempts": locked.attempts},
        )
        return locked
    if verdict not in Callback.Verdict.values:
        raise ValidationError({"verdict": _("请选择企业意见：已解决、未解决或非企业本意。")})
    if verdict == Callback.Verdict.NOT_SOLVED and not note:
        raise ValidationError({"note": _("企业确认未解决时请在“回访记录”中写明企业反映的情况。")})
    locked.status, locked.result, locked.verdict, locked.note = Callback.Status.DONE, result, verdict, note
    locked.done_at, locked.done_by = now, actor
    label = i18n.stored(Callback.Verdict(verdict).label)
    text = f"回访（{i18n.stored(locked.get_reason_display)}）：{label}" + (f"：{note}" if note else "") + "。"
    if verdict == Callback.Verdict.NOT_SOLVED and request.status == S.CLOSED:
        locked.false_closure = True
        req = _begin(request, actor, "callback_reopen", None, as_party=lifecycle.SYSTEM)
        from_status = req.status
        _reopen(req, timezone.localdate(now))
        _finish(
            req,
            actor,
            A.REOPEN,
            from_status,
            note=f"{text}办结不实，重新交办{req.lead_unit.name}办理，答复期限 {_fmt(req.response_due)}。",
            data={"callback": locked.pk, "false_closure": True},
            at=now,
        )
        _tell(
            _unit_handlers([req.lead_unit_id]),
            "reopened",
            f"诉求 {req.ref} 回访核实未解决，已重新办理",
            note[:200],
            req,
        )
    else:
        _callback_event(locked, actor, text, {"result": result, "verdict": verdict})
    locked.full_clean()
    locked.save()
    return locked


# --- the weekly spot check ---------------------------------------------------------------
def spotcheck_population(week_start: dt.date) -> list[int]:
    """Requests closed in the week (Monday–Sunday, local time) as 满意/基本满意 or unrated (自动办结)."""
    start, end = _local_midnight(week_start), _local_midnight(week_start + dt.timedelta(days=7))
    closed = Request.objects.filter(status=S.CLOSED, closed_at__gte=start, closed_at__lt=end)
    eligible = closed.filter(last_rating__in=(*SATISFIED, ""))
    return sorted(eligible.order_by().values_list("pk", flat=True))


@transaction.atomic
def spotcheck_draw(
    *, week_start: dt.date, actor=None, seed: int | None = None, today: dt.date | None = None
) -> tuple[SpotCheckDraw, bool]:
    """Draw the week's spot check once (a second run returns the stored draw, created False)."""
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": _("抽查周须从周一开始。")})
    existing = SpotCheckDraw.objects.select_for_update().filter(week_start=week_start).first()
    if existing is not None:
        return existing, False
    share, minimum = programme.value("spotcheck_share"), programme.value("spotcheck_min")
    if not 1 <= share <= 100:
        raise ValidationError({"spotcheck_share": _("抽查比例须在 1% 到 100% 之间。")})
    population = spotcheck_population(week_start)
    seed = spotcheck.new_seed() if seed is None else seed
    chosen = spotcheck.draw(population, share, minimum, seed)
    record = SpotCheckDraw(
        week_start=week_start,
        seed=seed,
        share=share,
        minimum=minimum,
        population=population,
        chosen=chosen,
        created_by=actor,
    )
    record.full_clean()
    record.save()
    requests = Request.objects.select_related("enterprise").in_bulk(chosen)
    for pk in chosen:
        callback_open(request=requests[pk], reason=Callback.Reason.SPOT_CHECK, draw=record, today=today)
    return record, True


def spotcheck_last_week(today: dt.date | None = None) -> dict[str, int]:
    """The beat job: draw the week that ended last Sunday (idempotent)."""
    today = today or _today()
    week_start = today - dt.timedelta(days=today.weekday() + 7)
    record, created = spotcheck_draw(week_start=week_start, today=today)
    return {"drawn": len(record.chosen) if created else 0, "population": len(record.population)}


# --- appeals -----------------------------------------------------------------------------
def appealable_rating(request: Request) -> RequestEvent | None:
    """The request's latest rating if it was 不满意 (the one a unit may appeal)."""
    latest = request.events.filter(action=A.RATE).order_by("-at", "-pk").first()
    if latest is None or latest.data.get("satisfaction") != Request.Satisfaction.UNSATISFIED:
        return None
    return latest


def appeal_deadline(rating: RequestEvent, calendar: WorkCalendar | None = None) -> tuple[dt.date, bool]:
    calendar = calendar or WorkCalendar.load()
    return calendar.add_workdays(timezone.localdate(rating.at), programme.value("appeal_days"))


@transaction.atomic
def appeal_submit(*, actor, request: Request, reason: str, today: dt.date | None = None) -> RatingAppeal:
    """The lead unit appeals the latest 不满意 rating, once, within ``appeal_days`` working days."""
    today = today or _today()
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related("enterprise", "lead_unit")
        .get(pk=request.pk)
    )
    if lifecycle.LEAD not in lifecycle.parties_of(actor, locked):
        raise PermissionDenied(_("只有牵头单位可以对诉求 %(ref)s 的评价提出申诉。") % {"ref": locked.ref})
    rating = appealable_rating(locked)
    if rating is None:
        raise ValidationError(_("该诉求最近一次评价不是“不满意”，无需申诉。"))
    if RatingAppeal.objects.filter(rating_event=rating).exists():
        raise ValidationError(_("该次“不满意”评价已申诉过，每次评价只能申诉一次。"))
    deadline, _estimated = appeal_deadline(rating)
    if today > deadline:
        raise ValidationError(
            _("申诉期限已过：评价后 %(days)s 个工作日内（截至 %(date)s）可以申诉。")
            % {"days": programme.value("appeal_days"), "date": _fmt(deadline)}
        )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError(
            {"reason": _("请写明申诉理由（至少 10 个字），例如企业诉求超出政策范围的依据。")}
        )
    appeal = RatingAppeal(
        request=locked,
        rating_event=rating,
        rated_at=rating.at,
        unit=locked.lead_unit,
        reason=reason,
        asked_by=actor,
    )
    appeal.full_clean()
    appeal.save()
    RequestEvent.objects.create(
        request=locked,
        actor=actor,
        action=A.APPEAL,
        from_status=locked.status,
        to_status=locked.status,
        note=f"{locked.lead_unit.name}对 {timezone.localtime(rating.at):%Y-%m-%d} 的“不满意”评价提出申诉：{reason}",
        public=False,
        data={"appeal": appeal.pk},
    )
    _tell(
        _supervisors(locked), "appeal", f"诉求 {locked.ref} 的不满意评价被申诉，请复核", reason[:200], locked
    )
    return appeal


@transaction.atomic
def appeal_decide(*, actor, appeal: RatingAppeal, decision: str, note: str) -> RatingAppeal:
    """The supervisor upholds or overturns; an overturned rating leaves the after-appeal rate."""
    locked = (
        RatingAppeal.objects.select_for_update(of=("self",))
        .select_related("request__enterprise")
        .get(pk=appeal.pk)
    )
    _require_supervisor(actor, locked.request)
    if locked.status != RatingAppeal.Status.PENDING:
        raise ValidationError(_("该申诉已复核，不能重复复核。"))
    if decision not in (RatingAppeal.Status.UPHELD, RatingAppeal.Status.OVERTURNED):
        raise ValidationError({"decision": _("请选择复核结果：维持评价或撤销评价。")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请写明复核意见。")})
    locked.status, locked.decision_note = decision, note
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.full_clean()
    locked.save()
    label = i18n.stored(RatingAppeal.Status(decision).label)
    request = locked.request
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        action=A.APPEAL_DECIDE,
        from_status=request.status,
        to_status=request.status,
        note=f"申诉复核：{label}。{note}",
        public=False,
        data={"appeal": locked.pk, "decision": decision},
    )
    _tell(
        _unit_handlers([locked.unit_id]),
        "appeal_decided",
        f"诉求 {request.ref} 申诉复核：{label}",
        note,
        request,
    )
    return locked

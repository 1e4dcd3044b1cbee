"""The requests ledger (诉求台账): historical requests with the dates of their answer and close-out.

An imported request takes the status its dates imply (closed when it has a close-out date,
responded when only answered, assigned when it has a lead unit, else submitted) and gets the
matching events dated accordingly, all marked ``imported``. It does not go through the lifecycle
services: a ledger records what already happened, so nobody is notified and no clock starts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cadres.ledger import cadres_by_code, enterprises_by_uscc, lookup
from cadres.models import Unit
from enterprises.ledger import USCC_COLUMN
from qiqing.i18n import join, stored
from qiqing.ledger import Choice, Column, ImportContext, LedgerKind, Row
from requests_tracker import state
from requests_tracker.models import Category, Request, RequestEvent, RequestSequence
from requests_tracker.workdays import add_workdays

Status = Request.Status
Action = RequestEvent.Action
OUTCOME_CHOICES = (
    Choice(Request.Outcome.SOLVED, "已解决", ("解决",)),
    Choice(Request.Outcome.PARTLY, "部分解决", ()),
    Choice(Request.Outcome.EXPLAINED, "解释说明", ("已解释", "解释")),
)
SATISFACTION_CHOICES = (
    Choice(Request.Satisfaction.SATISFIED, "满意", ()),
    Choice(Request.Satisfaction.BASIC, "基本满意", ("basically",)),
    Choice(Request.Satisfaction.UNSATISFIED, "不满意", ()),
)
# Date-only ledgers get fixed office hours, in order, so that closed ≥ responded ≥ submitted holds.
SUBMIT_HOUR, RESPOND_HOUR, CLOSE_HOUR = 9, 16, 17
REF_PATTERN = re.compile(r"^QQ(\d{4})(\d{6})$")
FIELDS = [
    "enterprise_id",
    "cadre_id",
    "submitted_at",
    "category_id",
    "description",
    "lead_unit_id",
    "assigned_at",
    "response_due",
    "deadline_estimated",
    "responded_at",
    "outcome",
    "closed_at",
    "satisfaction",
    "rated_at",
    "last_rating",
    "last_rated_at",
    "status",
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _keep_or(existing: dt.datetime | None, day: dt.date | None, hour: int, floor: dt.datetime | None):
    """The stored moment when the ledger gives the same day (exports carry dates only), else the
    day at office hours, never before ``floor``."""
    if day is None:
        return None
    if existing is not None and timezone.localdate(existing) == day:
        return existing
    moment = _at(day, hour)
    return max(moment, floor) if floor else moment


class RequestsKind(LedgerKind):
    name = "requests"
    title = pgettext_lazy("ledger", "诉求")
    order = 60
    columns = (
        Column("ref", "编号", required=True, max_length=Request._meta.get_field("ref").max_length),
        USCC_COLUMN,
        Column("cadre_code", "干部编号", help=gettext_lazy("联企干部，可留空")),
        Column("submitted", "提出日期", type="date", required=True),
        Column(
            "category", "问题类别", required=True, help=gettext_lazy("系统中已有的问题类别名称，如“招工用工”")
        ),
        Column("description", "问题描述", required=True),
        Column("lead_unit_code", "牵头单位编码", help=gettext_lazy("交办的牵头单位，可留空")),
        Column(
            "deadline",
            "办理时限",
            type="date",
            help=gettext_lazy("答复期限；留空时按问题类别的工作日时限从提出日期起算"),
        ),
        Column("responded", "答复日期", type="date"),
        Column("outcome", "办理结果", type="choice", choices=OUTCOME_CHOICES),
        Column("closed", "办结日期", type="date"),
        Column("satisfaction", "满意度", type="choice", choices=SATISFACTION_CHOICES),
    )
    key_columns = ("ref",)
    notes = (
        gettext_lazy(
            "按“编号”识别同一件诉求；状态按日期确定：有办结日期为已办结，只有答复日期为已答复，有牵头单位为已交办，否则为待受理。"
        ),
        gettext_lazy("日期须满足：办结日期 ≥ 答复日期 ≥ 提出日期；导入的诉求与流转记录都标记为“台账导入”。"),
    )

    def begin(self, ctx: ImportContext) -> None:
        ctx.state.update(
            cadres={},
            enterprises={},
            units=dict(Unit.objects.values_list("code", "pk")),
            categories={c.name: c for c in Category.objects.all()},
            refs=defaultdict(int),
        )

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        state = ctx.state
        lookup(state["cadres"], (r.get("cadre_code") for r in rows), cadres_by_code)
        lookup(state["enterprises"], (r.get("uscc") for r in rows), enterprises_by_uscc)
        for row in rows:
            if row.get("uscc") is not None and state["enterprises"].get(row.get("uscc")) is None:
                ctx.error(row, "uscc", _("找不到这家企业：请先导入企业台账。"))
            if row.get("cadre_code") is not None and state["cadres"].get(row.get("cadre_code")) is None:
                ctx.error(row, "cadre_code", _("找不到这个干部编号：请先导入干部台账。"))
            if row.get("lead_unit_code") is not None and row.get("lead_unit_code") not in state["units"]:
                ctx.error(row, "lead_unit_code", _("找不到这个单位编码：请先导入单位台账。"))
            if row.get("category") is not None and row.get("category") not in state["categories"]:
                ctx.error(
                    row,
                    "category",
                    _("没有这个问题类别，应为：%(names)s。") % {"names": join(state["categories"])},
                )
            self._check_dates(row, ctx)

    def _check_dates(self, row: Row, ctx: ImportContext) -> None:
        errors = state.date_errors(
            submitted=row.get("submitted"),
            responded=row.get("responded"),
            closed=row.get("closed"),
            deadline=row.get("deadline"),
            outcome=row.get("outcome") or "",
            satisfaction=row.get("satisfaction") or "",
            today=ctx.today,
        )
        for key, message in errors.items():
            ctx.error(row, key, message)

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        existing = Request.objects.in_bulk([row.get("ref") for row in rows], field_name="ref")
        new, changed, events = [], [], []
        for row in rows:
            request = existing.get(row.get("ref"))
            if request is None:
                request = self._new(row, ctx)
                new.append(request)
                ctx.created += 1
                match = REF_PATTERN.match(request.ref)
                if match:
                    year = int(match.group(1))
                    ctx.state["refs"][year] = max(ctx.state["refs"][year], int(match.group(2)))
                continue
            before_status = request.status
            names = self._update(request, row, ctx)
            if not names:
                ctx.unchanged += 1
                continue
            changed.append(request)
            ctx.updated += 1
            events.append(
                RequestEvent(
                    request=request,
                    actor=self._actor(ctx),
                    at=ctx.now,
                    action=Action.IMPORT,
                    from_status=before_status,
                    to_status=request.status,
                    note="台账导入更新：" + "、".join(names),
                    imported=True,
                )
            )
        Request.objects.bulk_create(new)
        for request in new:
            events.extend(self._history(request, ctx))
        if changed:
            Request.objects.bulk_update(changed, [*FIELDS, "version", "updated_at"])
        RequestEvent.objects.bulk_create(events)

    def end_write(self, ctx: ImportContext) -> None:
        # Keep the reference sequence ahead of imported references in its own pattern.
        for year, number in ctx.state["refs"].items():
            RequestSequence.objects.filter(year=year, last__lt=number).update(last=number)

    @staticmethod
    def _actor(ctx):
        return ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None

    def _values(self, row: Row, ctx: ImportContext, current: Request | None) -> dict:
        state = ctx.state
        category = state["categories"][row.get("category")]
        cadre = state["cadres"].get(row.get("cadre_code")) if row.get("cadre_code") else None
        lead_unit_id = state["units"][row.get("lead_unit_code")] if row.get("lead_unit_code") else None
        submitted_at = _keep_or(current and current.submitted_at, row.get("submitted"), SUBMIT_HOUR, None)
        responded_at = _keep_or(
            current and current.responded_at, row.get("responded"), RESPOND_HOUR, submitted_at
        )
        closed_at = _keep_or(
            current and current.closed_at, row.get("closed"), CLOSE_HOUR, responded_at or submitted_at
        )
        values = {
            "enterprise_id": state["enterprises"][row.get("uscc")][0],
            "cadre_id": cadre[0] if cadre else None,
            "submitted_at": submitted_at,
            "category_id": category.pk,
            "description": row.get("description"),
            "lead_unit_id": lead_unit_id,
            "responded_at": responded_at,
            "outcome": row.get("outcome") or "",
            "closed_at": closed_at,
            "satisfaction": row.get("satisfaction") or "",
        }
        # Defaults are filled only when the ledger assigns the request: a request assigned in
        # the system keeps its own assignment time and deadline.
        newly_assigned = lead_unit_id and (current is None or current.lead_unit_id != lead_unit_id)
        if not lead_unit_id:
            values["assigned_at"] = None
        elif newly_assigned:
            values["assigned_at"] = (current.assigned_at if current else None) or submitted_at
        else:
            values["assigned_at"] = current.assigned_at
        due, estimated = row.get("deadline"), False
        if due is not None:
            if current is not None and due == current.response_due:
                estimated = current.deadline_estimated
        elif newly_assigned:
            due, estimated = add_workdays(row.get("submitted"), category.time_limit_days)
        elif current is not None and lead_unit_id:
            due, estimated = current.response_due, current.deadline_estimated
        values["response_due"], values["deadline_estimated"] = due, estimated
        rated = None
        if values["satisfaction"]:
            same = current is not None and current.satisfaction == values["satisfaction"] and current.rated_at
            rated = current.rated_at if same else (closed_at or responded_at)
        values["rated_at"] = rated
        # A ledger holds one verdict per request: it is also the latest one.
        values["last_rating"], values["last_rated_at"] = values["satisfaction"], rated
        return values

    def _new(self, row: Row, ctx: ImportContext) -> Request:
        values = self._values(row, ctx, None)
        return Request(
            ref=row.get("ref"),
            source=Request.Source.LEDGER,
            submitted_by=self._actor(ctx),
            status=state.implied_status(
                closed=values["closed_at"], responded=values["responded_at"], lead_unit=values["lead_unit_id"]
            ),
            **values,
        )

    def _update(self, request: Request, row: Row, ctx: ImportContext) -> list[str]:
        """Apply the ledger row; returns the Chinese names of the fields that changed (for the note)."""
        values = self._values(row, ctx, request)
        changed = [name for name, value in values.items() if getattr(request, name) != value]
        if not changed:
            return []
        # Only dates and the lead unit decide the status: a request that moved on in the
        # lifecycle (in progress, reopened …) keeps its status when those did not change.
        if {"closed_at", "responded_at", "lead_unit_id"} & set(changed):
            request.status = state.implied_status(
                closed=values["closed_at"], responded=values["responded_at"], lead_unit=values["lead_unit_id"]
            )
        for name, value in values.items():
            setattr(request, name, value)
        request.version += 1
        request.updated_at = timezone.now()
        return [stored(Request._meta.get_field(name.removesuffix("_id")).verbose_name) for name in changed]

    def _history(self, request: Request, ctx: ImportContext) -> list[RequestEvent]:
        """Events for a new imported request, dated as its ledger says."""
        actor = self._actor(ctx)
        steps = [(Action.SUBMIT, request.submitted_at, Status.SUBMITTED, "台账导入")]
        if request.lead_unit_id:
            steps.append((Action.ASSIGN, request.assigned_at, Status.ASSIGNED, "台账导入：已交办牵头单位"))
        if request.responded_at:
            steps.append(
                (Action.RESPOND, request.responded_at, Status.RESPONDED, stored(request.get_outcome_display))
            )
        if request.satisfaction:
            current = Status.RESPONDED if request.responded_at else steps[-1][2]
            steps.append((Action.RATE, request.rated_at, current, stored(request.get_satisfaction_display)))
        if request.closed_at:
            steps.append((Action.CLOSE, request.closed_at, Status.CLOSED, "台账导入：已办结"))
        events, previous = [], ""
        for action, at, to_status, note in steps:
            events.append(
                RequestEvent(
                    request=request,
                    actor=actor,
                    at=at,
                    action=action,
                    from_status=previous,
                    to_status=to_status,
                    note=note,
                    imported=True,
                )
            )
            previous = to_status
        return events

    def export_rows(self):
        rows = Request.objects.order_by("ref").values_list(
            "ref",
            "enterprise__uscc",
            "cadre__code",
            "submitted_at",
            "category__name",
            "description",
            "lead_unit__code",
            "response_due",
            "responded_at",
            "outcome",
            "closed_at",
            "satisfaction",
        )
        for (
            ref,
            uscc,
            cadre,
            submitted,
            category,
            text,
            unit,
            due,
            responded,
            outcome,
            closed,
            rating,
        ) in rows.iterator(chunk_size=2000):
            yield {
                "ref": ref,
                "uscc": uscc,
                "cadre_code": cadre,
                "submitted": _date(submitted),
                "category": category,
                "description": text,
                "lead_unit_code": unit,
                "deadline": due,
                "responded": _date(responded),
                "outcome": outcome or None,
                "closed": _date(closed),
                "satisfaction": rating or None,
            }


KINDS = [RequestsKind()]

"""Batch pages and the public board: what they show, built from ``analytics.metrics``.

- A batch (交办批次): its requests with closure rate, on-time rate, overdue and the three 100 %
  (``metrics.compute_batches``), and the ledger counties print (交办台账, one row per request).
- The public board (公示榜): the latest weekly 擂台比武 ranking with its red and black lists and
  the year's red-card notices (红牌通报), read-only for every signed-in staff user.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import metrics, selectors
from analytics.dashboards import rankings
from analytics.reports import BATCH_COLUMNS, batch_values
from analytics.tables import Column, Row, Table
from qiqing.xlsx import Sheet
from requests_tracker.models import Request, SupervisionNotice

LEDGER_HEADERS = (
    gettext_lazy("序号"),
    gettext_lazy("编号"),
    gettext_lazy("企业名称"),
    gettext_lazy("属地"),
    gettext_lazy("问题类别"),
    gettext_lazy("问题描述"),
    gettext_lazy("牵头单位"),
    gettext_lazy("协办单位"),
    gettext_lazy("交办日期"),
    gettext_lazy("答复期限"),
    gettext_lazy("首次联系方式"),
    gettext_lazy("办理状态"),
    gettext_lazy("答复日期"),
    gettext_lazy("办理结果"),
    gettext_lazy("是否按期"),
    gettext_lazy("企业评价"),
    gettext_lazy("销号日期"),
)
LEDGER_WIDTHS = (6, 16, 28, 10, 10, 50, 18, 24, 12, 12, 10, 10, 12, 10, 8, 10, 12)


def batches_table(batches: list) -> Table:
    figures = metrics.compute_batches([b.pk for b in batches])
    return Table(
        "batches",
        _("交办批次"),
        [
            Column("label", _("批次"), css="qq-nowrap", card="title"),
            Column("created", _("交办日期"), "date"),
            *BATCH_COLUMNS[1:],
        ],
        [
            Row(
                {
                    "label": str(b.label),
                    "created": timezone.localdate(b.created_at),
                    **batch_values(figures[b.pk]),
                },
                links={"label": reverse("analytics:batch", args=[b.pk])},
                data={"batch": b.pk},
            )
            for b in batches
        ],
        empty=_("还没有交办批次。在受理分办页勾选诉求即可作为一批交办。"),
        cards=True,
    )


def batch_summary(batch) -> tuple[metrics.Metrics, Table]:
    m = metrics.compute_batches([batch.pk])[batch.pk]
    rows = [
        (_("诉求"), m.requests, ""),
        (_("已办结"), m.closed, ""),
        (_("办结率"), m.closure_rate, f"{m.closed} / {m.requests}"),
        (_("按期办结率"), m.on_time_rate, f"{m.closed_on_time} / {m.closed}"),
        (_("超期件"), m.overdue, ""),
        (_("问题见面率"), m.face_to_face_rate, f"{m.assigned_face_to_face} / {m.assigned}"),
        (_("反馈率"), m.feedback_rate, f"{m.assigned_responded} / {m.assigned}"),
        (_("满意率"), m.satisfaction_rate, f"{m.satisfied} / {m.rated}"),
    ]
    table = Table(
        "summary",
        _("批次指标"),
        [Column("label", _("指标")), Column("value", _("数值"), "raw"), Column("detail", _("计算"))],
        [Row({"label": label, "value": value, "detail": detail}) for label, value, detail in rows],
    )
    return m, table


def _on_time(obj: Request) -> str:
    value = obj.on_time
    return "" if value is None else (_("是") if value else _("否"))


def ledger_sheets(batch, requests) -> list[Sheet]:
    """交办台账: one row per request, in the columns a county prints; then the batch's figures."""

    def rows():
        for number, obj in enumerate(requests.iterator(chunk_size=500), start=1):
            yield (
                number,
                obj.ref,
                obj.enterprise.name,
                obj.enterprise.town.name,
                obj.category.name,
                obj.description,
                obj.lead_unit.name if obj.lead_unit_id else "",
                "、".join(a.unit.name for a in obj.assists.all()),
                timezone.localdate(obj.assigned_at) if obj.assigned_at else None,
                obj.response_due,
                obj.get_first_contact_method_display(),
                obj.get_status_display(),
                timezone.localdate(obj.responded_at) if obj.responded_at else None,
                obj.get_outcome_display(),
                _on_time(obj),
                obj.get_last_rating_display(),
                timezone.localdate(obj.closed_at) if obj.closed_at else None,
            )

    _m, summary = batch_summary(batch)
    title = str(batch.label)
    return [
        Sheet(_("交办台账"), [str(h) for h in LEDGER_HEADERS], rows(), LEDGER_WIDTHS),
        Sheet(
            _("批次指标"),
            [_("批次"), _("指标"), _("数值"), _("计算")],
            [(title, r.values["label"], r.values["value"], r.values["detail"]) for r in summary.rows],
            (24, 14, 10, 14),
        ),
    ]


# --- the public board (公示榜) ------------------------------------------------------------------------
def board(year: int | None = None):
    """The latest weekly ranking (with its red and black lists) and the year's red cards."""
    current, entries, weeks = selectors.ranking_for(None)
    page = rankings.ranking_page(current, entries, weeks, None)
    year = year or timezone.localdate().year
    cards = list(
        SupervisionNotice.objects.filter(level=SupervisionNotice.Level.RED, year=year)
        .select_related("request__enterprise", "unit", "town")
        .order_by("-issued_at", "-pk")[:200]
    )
    red_cards = Table(
        "red_cards",
        _("%(year)s 年红牌通报") % {"year": year},
        [
            Column("label", _("编号"), css="qq-nowrap", card="title"),
            Column("issued", _("签发日期"), "date"),
            Column("unit", _("被督办单位"), card="key"),
            Column("town", _("属地")),
            Column("request", _("诉求")),
            Column("days", _("超期工作日"), "int"),
            Column("state", _("办理情况")),
        ],
        [
            Row(
                {
                    "label": str(n.label),
                    "issued": timezone.localdate(n.issued_at),
                    "unit": n.unit.name,
                    "town": n.town.name,
                    "request": f"{n.request.ref} {n.request.enterprise.name}",
                    "days": n.days_overdue,
                    "state": _("已答复")
                    if n.request.status in (Request.Status.RESPONDED, Request.Status.CLOSED)
                    else _("仍未答复"),
                }
            )
            for n in cards
        ],
        empty=_("本年度暂无红牌。"),
        cards=True,
    )
    lists = Table(
        "boards",
        _("红黑榜"),
        [
            Column("board", _("榜单")),
            Column("rank", _("名次"), "int"),
            Column("town", _("镇街")),
            Column("score", _("得分"), "num"),
        ],
        [
            Row(
                {
                    "board": str(rankings.BOARD_LABELS[e.board]),
                    "rank": e.rank,
                    "town": e.town.name,
                    "score": e.score,
                },
                tone=rankings.BOARD_TONES[e.board],
            )
            for e in [*page.red, *page.black]
        ],
        empty=_("本周没有排名。"),
    )
    return page, lists, red_cards

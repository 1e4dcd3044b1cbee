"""评价可信度: satisfaction before and after appeals, unrated automatic closes apart, callback and
false-closure rates — county (or the user's towns), by town and by lead unit. Every figure is
``analytics.metrics.TrustMetrics``; the export writes the same tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import metrics
from analytics.tables import Card, Column, Row, Table, change
from analytics.windows import Window
from cadres.models import Unit
from enterprises.models import Town

SECONDARY = "d-none d-md-table-cell"

COLUMNS = [
    ("satisfaction_rate", gettext_lazy("满意率（申诉前）"), "pct", ""),
    ("satisfaction_after_appeals_rate", gettext_lazy("满意率（申诉后）"), "pct", ""),
    ("rated", gettext_lazy("真实评价"), "int", SECONDARY),
    ("callback_confirmed", gettext_lazy("回访确认"), "int", SECONDARY),
    ("overturned", gettext_lazy("申诉撤销"), "int", SECONDARY),
    ("unrated_closed", gettext_lazy("未评自动办结"), "int", ""),
    ("callback_rate", gettext_lazy("回访率"), "pct", ""),
    ("false_closures", gettext_lazy("不实办结"), "int", ""),
    ("false_closure_rate", gettext_lazy("不实办结率"), "pct", SECONDARY),
]

CARDS = [
    (
        "satisfaction_rate",
        gettext_lazy("满意率（申诉前）"),
        "pct",
        "satisfied + callback_solved",
        "rated + callback_confirmed",
    ),
    (
        "satisfaction_after_appeals_rate",
        gettext_lazy("满意率（申诉后）"),
        "pct",
        "satisfied + callback_solved",
        "rated - overturned + callback_confirmed",
    ),
    ("callback_rate", gettext_lazy("回访率"), "pct", "callbacks_reached", "callbacks"),
    ("false_closure_rate", gettext_lazy("不实办结率"), "pct", "false_closures", "closures_checked"),
]


@dataclass
class TrustPage:
    window: Window
    scope_label: str
    total: metrics.TrustMetrics
    cards: list[Card]
    by_town: Table
    by_unit: Table

    @property
    def tables(self) -> list[Table]:
        return [self.by_town, self.by_unit]


def _columns(first: str) -> list[Column]:
    return [Column("name", first)] + [Column(key, label, kind, css) for key, label, kind, css in COLUMNS]


def _row(name: str, m: metrics.TrustMetrics, key: str) -> Row:
    values = {"name": name, **{column: getattr(m, column) for column, *_rest in COLUMNS}}
    return Row(values, tone="danger" if m.false_closures else "", data={"key": key})


def trust_page(window: Window, town_ids: list[int] | None, scope_label: str) -> TrustPage:
    period = window.period
    towns = Town.objects.order_by("order", "code")
    if town_ids is not None:
        towns = towns.filter(pk__in=town_ids)
    towns = list(towns)
    by_town = metrics.trust_grouped(period, metrics.TOWN, keys=[t.code for t in towns])
    by_unit = metrics.trust_grouped(period, metrics.UNIT, town_ids=town_ids)
    units = {u.code: u for u in Unit.objects.filter(code__in=list(by_unit))}
    # Every enterprise and callback task has a town, so the towns' figures add up to the scope's.
    total = metrics.TrustMetrics.combined(by_town.values())
    before = None
    if window.previous is not None:
        keys = [t.code for t in towns]
        before = metrics.TrustMetrics.combined(
            metrics.trust_grouped(window.previous, metrics.TOWN, keys=keys).values()
        )
    cards = [
        Card(
            key,
            label,
            getattr(total, key),
            kind,
            change(getattr(total, key), getattr(before, key) if before else None),
            detail=f"{total.sum_of(num):,} / {total.sum_of(den):,}",
            up_is_good=key != "false_closure_rate",
        )
        for key, label, kind, num, den in CARDS
    ]
    cards.append(
        Card(
            "unrated_closed",
            gettext_lazy("逾期未评自动办结"),
            total.unrated_closed,
            "int",
            change(total.unrated_closed, before.unrated_closed if before else None),
            detail=_("不计入满意率"),
            up_is_good=False,
        )
    )
    town_table = Table(
        "towns",
        _("各镇街"),
        _columns(_("镇街")),
        [_row(t.name, by_town[t.code], t.code) for t in towns],
    )
    unit_rows = sorted(by_unit.items(), key=lambda item: (-item[1].false_closures, units[item[0]].name))
    unit_table = Table(
        "units",
        _("各牵头单位"),
        _columns(_("牵头单位")),
        [_row(units[code].name, m, code) for code, m in unit_rows],
        note=_("按不实办结件数排序；单位口径为诉求的牵头单位和回访任务生成时的承办单位。"),
    )
    return TrustPage(window, scope_label, total, cards, town_table, unit_table)

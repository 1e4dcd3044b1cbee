"""The tables and headline cards of the dashboards, one structure for the screen and the export.

A page builds ``Table`` objects from metric figures; the template renders them through
``analytics/_table.html`` and the ``?format=xlsx`` export writes the very same rows with
``to_sheets`` — so a number on screen and in the workbook cannot differ. Cells hold raw values
(int, Decimal percentages, dates, text); ``kind`` says how the screen shows them:

    text   as is                     int    1,782
    pct    98.95%                    pp     ↑2.31 个百分点 (a change of a rate)
    delta  ↑12 (a change of a count) date   2026-11-21
    num    two decimals (a score)        raw    as is, a number stays a number in the workbook

In the workbook a ``pct`` column is a number headed "…(%)", a ``pp`` column "…(百分点)".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import formatting, metrics
from qiqing.xlsx import Sheet

KINDS = ("text", "int", "pct", "pp", "delta", "date", "num", "raw")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"
    # Bootstrap classes hiding a secondary column on narrow screens ("d-none d-md-table-cell").
    css: str = ""
    # For changes: whether a rise is good news (green) or bad (red, e.g. overdue).
    up_is_good: bool = True
    # On a phone a ``cards`` table shows each row as a card: "title" heads it, "key" is the figure
    # the page is about (shown large, right under the title); every other column stays as a line.
    card: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "pct", "pp", "delta", "num")

    @property
    def sheet_header(self) -> str:
        suffix = {"pct": "(%)", "pp": _("(百分点)")}.get(self.kind, "")
        return f"{self.label}{suffix}"


@dataclass
class Row:
    values: dict
    # Column key → URL: that cell is a link (drill-down).
    links: dict = field(default_factory=dict)
    # Highlight: "danger" (未走访), "success" (红榜), "dark" (黑榜) …
    tone: str = ""
    # data-* attributes for tests and scripts: {"town": "330421001"}.
    data: dict = field(default_factory=dict)

    def cells(self, columns: Sequence[Column]) -> list[tuple[Column, object, str | None]]:
        return [(column, self.values.get(column.key), self.links.get(column.key)) for column in columns]


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row]
    note: str = ""
    empty: str = gettext_lazy("没有数据。")
    # Below 576 px the rows become cards (``qq-cards`` in app.css) instead of a squeezed table.
    cards: bool = False

    def cell_rows(self) -> list[tuple[Row, list]]:
        return [(row, row.cells(self.columns)) for row in self.rows]

    def html_rows(self) -> list[str]:
        """Every ``<tr>`` of the body, built here rather than in template loops: a unit table of
        30 rows × 9 columns would otherwise cost more to render than its figures to read."""
        heads = [
            " ".join(
                filter(
                    None,
                    ("text-end qq-nowrap" if c.numeric else "", c.css, f"qq-card-{c.card}" if c.card else ""),
                )
            )
            for c in self.columns
        ]
        labels = [format_html(' data-label="{}"', c.label) if self.cards else "" for c in self.columns]
        out = []
        for row in self.rows:
            cells = []
            for column, css, label, (_c, value, link) in zip(
                self.columns, heads, labels, row.cells(self.columns), strict=True
            ):
                if column.kind in ("pp", "delta"):
                    content = formatting.change_html(value, column.kind, column.up_is_good)
                elif link:
                    content = format_html('<a href="{}">{}</a>', link, formatting.cell(value, column.kind))
                else:
                    content = conditional_escape(formatting.cell(value, column.kind))
                cells.append(
                    format_html('<td class="{}" data-col="{}"{}>{}</td>', css, column.key, label, content)
                )
            attrs = format_html_join("", ' data-{}="{}"', row.data.items())
            tone = format_html(' class="table-{}"', row.tone) if row.tone else ""
            out.append(format_html("<tr{}{}>{}</tr>", tone, attrs, mark_safe("".join(cells))))  # noqa: S308 - cells escaped above
        return out

    def sheet_rows(self) -> list[list]:
        return [[_sheet_value(row.values.get(c.key), c) for c in self.columns] for row in self.rows]

    def to_sheet(self) -> Sheet:
        widths = [max(10, min(40, len(c.sheet_header) * 2 + 4)) for c in self.columns]
        return Sheet(
            title=str(self.title),
            headers=[c.sheet_header for c in self.columns],
            rows=self.sheet_rows(),
            widths=widths,
        )


def _sheet_value(value, column: Column):
    if value is None or value == "":
        return None  # an empty cell, shown "—" on screen
    if column.kind == "text":
        return str(value)
    return value


def to_sheets(tables: Iterable[Table]) -> list[Sheet]:
    """One sheet per table; sheet names are unique and at most 31 characters (Excel's rule)."""
    sheets, seen = [], set()
    for table in tables:
        sheet = table.to_sheet()
        title = sheet.title[:31]
        n = 2
        while title in seen:
            title = f"{sheet.title[:28]}({n})"
            n += 1
        seen.add(title)
        sheet.title = title
        sheets.append(sheet)
    return sheets


# --- changes against the previous period ---------------------------------------------------------


def change(current, previous):
    """current − previous for counts (int) or rates (Decimal percentage points); None when either
    side is undefined (a rate with nothing to rate)."""
    if current is None or previous is None:
        return None
    return current - previous


@dataclass
class Card:
    """A headline figure (指标卡) with its change against the previous period."""

    key: str
    label: str
    value: object
    kind: str  # "pct" or "int"
    change: object = None
    detail: str = ""  # "1,782 / 1,801"
    up_is_good: bool = True
    note: str = ""

    @property
    def change_kind(self) -> str:
        return "pp" if self.kind == "pct" else "delta"


CARD_SPECS = (
    # key, label, kind, detail (numerator, denominator), up_is_good
    ("coverage_rate", gettext_lazy("走访覆盖率"), "pct", ("enterprises_visited", "enterprises_active"), True),
    ("visits", gettext_lazy("走访次数"), "int", None, True),
    ("enterprises_visited", gettext_lazy("已走访企业"), "int", None, True),
    ("requests", gettext_lazy("收集诉求"), "int", None, True),
    ("closure_rate", gettext_lazy("办结率"), "pct", ("closed", "requests"), True),
    ("on_time_rate", gettext_lazy("按期办结率"), "pct", ("closed_on_time", "closed"), True),
    ("satisfaction_rate", gettext_lazy("满意率"), "pct", ("satisfied", "rated"), True),
)


def headline_cards(
    current: metrics.Metrics, previous: metrics.Metrics | None, overdue_now: int
) -> list[Card]:
    cards = []
    for key, label, kind, parts, up_is_good in CARD_SPECS:
        value = getattr(current, key)
        before = getattr(previous, key) if previous is not None else None
        detail = f"{getattr(current, parts[0]):,} / {getattr(current, parts[1]):,}" if parts else ""
        if key == "enterprises_visited":
            detail = _("在册 %(n)s 家") % {"n": f"{current.enterprises_active:,}"}
        cards.append(Card(key, label, value, kind, change(value, before), detail, up_is_good))
    cards.append(
        Card(
            "overdue",
            gettext_lazy("当前超期件"),
            overdue_now,
            "int",
            change(overdue_now, previous.overdue if previous is not None else None),
            up_is_good=False,
        )
    )
    return cards

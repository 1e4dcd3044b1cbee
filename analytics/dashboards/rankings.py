"""擂台比武: a week's town ranking (written by ``rank_towns``) with its red and black lists, and
one town's rank week by week. The ranking is published to every supervisor, so a town
supervisor sees the whole table (and their own town's history by default)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.dashboards.charts import figure, payload
from analytics.models import TownRanking, TownRankingEntry
from analytics.ranking import INDICATORS
from analytics.tables import Column, Row, Table

HISTORY_WEEKS = 26
BOARD_LABELS = {"red": gettext_lazy("红榜"), "black": gettext_lazy("黑榜"), "": ""}
BOARD_TONES = {"red": "danger", "black": "secondary", "": ""}


@dataclass
class RankingPage:
    ranking: TownRanking | None
    entries: list
    weeks: list
    table: Table | None = None
    red: list = field(default_factory=list)
    black: list = field(default_factory=list)
    town: object = None
    history: Table | None = None
    charts: dict = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [t for t in (self.table, self.history) if t is not None]


def week_label(ranking: TownRanking) -> str:
    year, week, _weekday = ranking.week_start.isocalendar()
    return _("%(y)s年第%(w)s周") % {"y": year, "w": week}


def ranking_table(ranking: TownRanking, entries: list) -> Table:
    codes = [item["code"] for item in ranking.indicators]
    columns = [
        Column("rank", _("名次"), "int"),
        Column("town", _("镇街"), css="qq-nowrap", card="title"),
        Column("score", _("得分"), "num", card="key"),
        Column("change", _("较上周"), "delta"),
        Column("board", _("榜单")),
    ]
    for code in codes:
        indicator = INDICATORS.get(code)
        label = (
            _("%(label)s（%(unit)s）") % {"label": indicator.label, "unit": indicator.unit_label}
            if indicator
            else code
        )
        columns.append(
            Column(
                code,
                label,
                "num" if indicator and indicator.unit in ("%", "次") else "int",
                "d-none d-md-table-cell",
            )
        )
    rows = []
    for entry in entries:
        values = {
            "rank": entry.rank,
            "town": entry.town.name,
            "score": entry.score,
            "change": entry.change,
            "board": str(BOARD_LABELS[entry.board]),
        }
        for code in codes:
            raw = (entry.values.get(code) or {}).get("value")
            values[code] = None if raw is None else (float(raw) if "." in raw else int(raw))
        rows.append(Row(values, tone=BOARD_TONES[entry.board], data={"town": entry.town.code}))
    return Table(
        "ranking",
        _("%(week)s擂台比武排名") % {"week": week_label(ranking)},
        columns,
        rows,
        note=_(
            "统计区间 %(start)s 至 %(end)s。各指标在镇街之间按最好 100 分、最差 0 分折算（超期件、督办越少越好），"
            "按权重加权平均得总分；无数据的指标不计入该镇街。较上周：名次上升为↑。"
        )
        % {"start": f"{ranking.period_start:%Y-%m-%d}", "end": f"{ranking.period_end:%Y-%m-%d}"},
        cards=True,
    )


def ranking_page(ranking: TownRanking | None, entries: list, weeks: list, town) -> RankingPage:
    page = RankingPage(ranking=ranking, entries=entries, weeks=weeks)
    if ranking is None:
        return page
    page.table = ranking_table(ranking, entries)
    page.red = [e for e in entries if e.board == "red"]
    page.black = [e for e in entries if e.board == "black"]
    page.town = town
    if town is not None:
        history = list(
            TownRankingEntry.objects.filter(town=town, ranking__week_start__lte=ranking.week_start)
            .select_related("ranking")
            .order_by("-ranking__week_start")[:HISTORY_WEEKS]
        )
        history.reverse()
        page.history = Table(
            "history",
            _("%(town)s历周名次") % {"town": town.name},
            [
                Column("week", _("周")),
                Column("start", _("周一"), "date", "d-none d-sm-table-cell"),
                Column("rank", _("名次"), "int"),
                Column("score", _("得分"), "num"),
                Column("board", _("榜单")),
            ],
            [
                Row(
                    {
                        "week": week_label(e.ranking),
                        "start": e.ranking.week_start,
                        "rank": e.rank,
                        "score": e.score,
                        "board": str(BOARD_LABELS[e.board]),
                    },
                    tone=BOARD_TONES[e.board],
                    data={"week": f"{e.ranking.week_start:%Y-%m-%d}"},
                )
                for e in reversed(history)
            ],
        )
        page.charts["history"] = _history_chart(town, history, len(entries))
    return page


def _history_chart(town, history: list, towns: int) -> dict:
    labels = [week_label(e.ranking) for e in history]
    fig = figure(
        [
            {
                "type": "scatter",
                "x": labels,
                "y": [e.rank for e in history],
                "mode": "lines+markers",
                "name": town.name,
                "line": {"color": "#0b4f8a"},
                "marker": {
                    "color": [
                        "#c62828" if e.board == "red" else "#212529" if e.board == "black" else "#0b4f8a"
                        for e in history
                    ],
                    "size": 9,
                },
                "hovertemplate": _("%{x}：第 %{y} 名<extra></extra>"),
            }
        ],
        showlegend=False,
        xaxis={"type": "category", "tickangle": -45, "nticks": 12},
        # Rank 1 at the top: the line rises when the town climbs.
        yaxis={
            "autorange": False,
            "range": [max(towns, 1) + 0.5, 0.5],
            "dtick": 1,
            "title": {"text": _("名次")},
        },
    )
    return payload(fig, height=300, phone_layout={"xaxis.nticks": 5})

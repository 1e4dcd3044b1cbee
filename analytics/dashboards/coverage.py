"""走访覆盖情况: headline cards, coverage by town and by unit, and the drill-down town → cadres →
enterprises with the 未走访 red list. Every figure comes from ``analytics.metrics`` (through
``analytics.windows.figures``, which reads snapshots when they hold the window)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import metrics, windows
from analytics.dashboards.charts import figure, payload
from analytics.tables import Card, Column, Row, Table, change, headline_cards
from analytics.windows import Window
from cadres.models import Assignment, Cadre, Unit
from enterprises.models import Enterprise, Tag, Town
from qiqing import programme
from qiqing.access import access_for
from qiqing.i18n import join

BLUE, RED, GREY = "#0b4f8a", "#c62828", "#8a8f98"


# --- who and which enterprises --------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeChoice:
    """The slice the figures are for: the user's towns narrowed by the filters chosen."""

    allowed_town_ids: frozenset | None  # None: the whole county
    town: Town | None = None
    unit: Unit | None = None
    industry: str | None = None
    scale: str | None = None
    tag: Tag | None = None

    @classmethod
    def from_filter(cls, user, scope_filter) -> ScopeChoice:
        # The filter holds the user's towns, scoped by the view.
        allowed = None if access_for(user).sees_everything else frozenset(t.pk for t in scope_filter.towns)
        get = scope_filter.choice
        return cls(
            allowed_town_ids=allowed,
            town=get("town"),
            unit=get("unit") if "unit" in scope_filter.filters else None,
            industry=get("industry"),
            scale=get("scale"),
            tag=get("tag"),
        )

    @property
    def town_ids(self) -> frozenset | None:
        """Towns the figures cover: the chosen one, else the user's (None = all)."""
        if self.town is not None:
            return frozenset({self.town.pk})
        return self.allowed_town_ids

    def restriction(
        self, *, towns: frozenset | None = None, with_towns: bool = True
    ) -> metrics.Restriction | None:
        """The enterprise attributes chosen (industry, scale, tag), plus the towns unless a town
        scope already says so. None when nothing restricts (snapshots can serve)."""
        restriction = metrics.Restriction(
            town_ids=(towns if towns is not None else self.town_ids) if with_towns else None,
            industries={self.industry} if self.industry else None,
            scale=self.scale,
            tag_ids={self.tag.pk} if self.tag else None,
        )
        return restriction or None

    def headline(self) -> tuple[metrics.Scope, metrics.Restriction | None]:
        """The one scope + restriction of the headline cards, choosing a scope kind that has
        snapshots whenever the filters allow it."""
        if self.unit is not None:
            return metrics.Scope(metrics.UNIT, self.unit.code), self.restriction()
        town_ids = self.town_ids
        if town_ids is not None and len(town_ids) == 1:
            code = self.town.code if self.town else Town.objects.get(pk=next(iter(town_ids))).code
            return metrics.Scope(metrics.TOWN, code), self.restriction(with_towns=False)
        if self.industry and town_ids is None and not self.scale and not self.tag:
            return metrics.Scope(metrics.INDUSTRY, self.industry), None
        return metrics.COUNTY_SCOPE, self.restriction()

    def towns(self) -> list[Town]:
        towns = Town.objects.order_by("order", "code")
        if self.town_ids is not None:
            towns = towns.filter(pk__in=self.town_ids)
        return list(towns)

    @property
    def label(self) -> str:
        parts = []
        if self.unit is not None:
            parts.append(self.unit.name)
        if self.town is not None:
            parts.append(self.town.name)
        elif self.allowed_town_ids is not None:
            parts.append(join(t.name for t in self.towns()) or _("（未分配镇街）"))
        if not parts:
            parts.append(_("全县"))
        if self.industry:
            parts.append(self.industry)
        if self.scale:
            parts.append(str(Enterprise.Scale(self.scale).label))
        if self.tag is not None:
            parts.append(self.tag.name)
        return " · ".join(parts)


def _querystring(params) -> str:
    return params.urlencode() if params else ""


def _link(url_name: str, pk: int, query: str) -> str:
    url = reverse(url_name, args=[pk])
    return f"{url}?{query}" if query else url


# --- tables --------------------------------------------------------------------------------------

SECONDARY = "d-none d-md-table-cell"

TOWN_COLUMNS = [
    Column("name", gettext_lazy("镇街"), css="qq-nowrap"),
    Column("enterprises_active", gettext_lazy("企业数"), "int"),
    Column("enterprises_visited", gettext_lazy("已走访"), "int"),
    Column("not_visited", gettext_lazy("未走访"), "int", SECONDARY),
    Column("coverage_rate", gettext_lazy("覆盖率"), "pct"),
    Column("coverage_change", gettext_lazy("较上期"), "pp", SECONDARY),
    Column("visits", gettext_lazy("走访次数"), "int", SECONDARY),
    Column("requests", gettext_lazy("诉求"), "int", SECONDARY),
    Column("closure_rate", gettext_lazy("办结率"), "pct", SECONDARY),
    Column("satisfaction_rate", gettext_lazy("满意率"), "pct", SECONDARY),
    Column("overdue", gettext_lazy("超期件"), "int", SECONDARY, up_is_good=False),
]

UNIT_COLUMNS = [
    Column("name", gettext_lazy("单位"), css="qq-nowrap"),
    Column("enterprises_active", gettext_lazy("联系企业"), "int"),
    Column("enterprises_visited", gettext_lazy("已走访"), "int", SECONDARY),
    Column("coverage_rate", gettext_lazy("覆盖率"), "pct"),
    Column("visits", gettext_lazy("走访次数"), "int", SECONDARY),
    Column("requests", gettext_lazy("牵头诉求"), "int", SECONDARY),
    Column("closure_rate", gettext_lazy("办结率"), "pct", SECONDARY),
    Column("on_time_rate", gettext_lazy("按期办结率"), "pct", SECONDARY),
    Column("overdue", gettext_lazy("超期件"), "int", SECONDARY, up_is_good=False),
]


def _figure_values(m: metrics.Metrics) -> dict:
    return {
        "enterprises_active": m.enterprises_active,
        "enterprises_visited": m.enterprises_visited,
        "not_visited": m.enterprises_active - m.enterprises_visited,
        "coverage_rate": m.coverage_rate,
        "visits": m.visits,
        "requests": m.requests,
        "closure_rate": m.closure_rate,
        "on_time_rate": m.on_time_rate,
        "satisfaction_rate": m.satisfaction_rate,
        "feedback_rate": m.feedback_rate,
        "face_to_face_rate": m.face_to_face_rate,
        "overdue": m.overdue,
    }


# The "three 100 %" (三个100%) side by side: 问题见面率, 反馈率, 满意率 (analytics.metrics).
THREE_COLUMNS = [
    Column("kind", gettext_lazy("范围"), css=SECONDARY),
    Column("name", gettext_lazy("名称"), css="qq-nowrap", card="title"),
    Column("face_to_face_rate", gettext_lazy("问题见面率"), "pct", card="key"),
    Column("feedback_rate", gettext_lazy("反馈率"), "pct"),
    Column("satisfaction_rate", gettext_lazy("满意率"), "pct"),
]


def three_rates_table(current: metrics.Metrics, label: str, by_town: Table, by_unit: Table) -> Table:
    """The three 100 % of the headline scope, each town and each unit (rows of the two tables)."""
    rows = [
        Row(
            {"kind": _("合计"), "name": label, **_figure_values(current)},
            tone="primary",
            data={"scope": "all"},
        )
    ]
    for kind, table, data_key in ((_("镇街"), by_town, "town"), (_("单位"), by_unit, "unit")):
        for row in table.rows:
            if not row.values.get("requests"):
                continue  # nothing raised or led in the period: three dashes say nothing
            rows.append(Row({**row.values, "kind": kind}, data={data_key: row.data.get(data_key, "")}))
    return Table(
        "three",
        _("三个100%"),
        THREE_COLUMNS,
        rows,
        note=_(
            "问题见面率 = 首次联系为上门走访或约见座谈的交办诉求 ÷ 交办诉求；反馈率 = 已答复的交办诉求 ÷ 交办诉求；"
            "满意率 = 满意和基本满意 ÷ 已评价诉求。诉求按期间内提出计。"
        ),
        cards=True,
    )


def rate_chart(names: list[str], rates: list, *, highlight: set[int] = frozenset()) -> dict:
    """Horizontal bars of rates (long Chinese names read on a phone), first row on top; the
    scale ends a little past the highest rate (at most 100 %) so low rates stay readable."""
    values = [float(r) if r is not None else None for r in rates]
    top = max((v for v in values if v is not None), default=0)
    # One constructor call: plotly validates each update, and a dashboard draws several charts.
    fig = figure(
        [
            {
                "type": "bar",
                "x": values,
                "y": names,
                "orientation": "h",
                "marker": {"color": [RED if i in highlight else BLUE for i in range(len(names))]},
                "text": [f"{r:.2f}%" if r is not None else "—" for r in rates],
                "textposition": "auto",
                "hovertemplate": _("%{y}：%{x:.2f}%<extra></extra>"),
            }
        ],
        showlegend=False,
        bargap=0.25,
        xaxis={"range": [0, min(100, max(10, top * 1.15))], "ticksuffix": "%", "nticks": 6},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
    )
    return payload(fig, height=max(160, 50 + 26 * len(names)), l=8)


# --- the dashboard ---------------------------------------------------------------------------------


@dataclass
class CoveragePage:
    window: Window
    choice: ScopeChoice
    scope: metrics.Scope
    current: metrics.Metrics
    previous: metrics.Metrics | None
    overdue_now: int
    cards: list[Card]
    by_town: Table | None = None
    by_unit: Table | None = None
    charts: dict = field(default_factory=dict)
    from_snapshot: bool = False

    three: Table | None = None

    @property
    def tables(self) -> list[Table]:
        return [self.by_town, self.by_unit, self.three]


Headline = tuple[metrics.Metrics, metrics.Metrics | None, bool]


def headline_figures(choice: ScopeChoice, window: Window, today: dt.date) -> Headline:
    """(this window's figures, the previous window's, whether they are snapshot figures).

    When they are, they change only when snapshots are written, like the tables, and a view may
    keep them with the body (``analytics.bodies``): the previous window of a running period —
    1 July–5 September against 1 October–6 December — is no stored slot, so without the cache it
    is recomputed from the raw tables on every view (four aggregates, most of the page's SQL)."""
    scope, restriction = choice.headline()
    current = windows.one(window.period, scope, restriction, today)
    before = windows.one(window.previous, scope, restriction, today) if window.previous else None
    from_snapshot = restriction is None and windows.snapshot_slot(window.period, today) is not None
    return current, before, from_snapshot


def coverage_page(
    choice: ScopeChoice,
    window: Window,
    today: dt.date,
    query,
    *,
    tables: bool = True,
    figures: Headline | None = None,
) -> CoveragePage:
    """The headline (cards, with the live overdue count) and, unless ``tables`` is False, the
    town and unit tables with their charts (``coverage_tables``: the part a view may cache).
    ``figures`` are ``headline_figures``' (a view's cached copy), computed when not given."""
    period, previous = window.period, window.previous
    scope, restriction = choice.headline()
    current, before, from_snapshot = figures or headline_figures(choice, window, today)
    key = scope.key if scope.kind != metrics.COUNTY else ""
    overdue = metrics.overdue_now(scope.kind, keys=[key], restriction=restriction, today=today)[key]
    page = CoveragePage(
        window=window,
        choice=choice,
        scope=scope,
        current=current,
        previous=before,
        overdue_now=overdue,
        cards=headline_cards(current, before, overdue),
        from_snapshot=from_snapshot,
    )
    if programme.value("checkin_enabled"):
        page.cards.insert(1, _checkin_card(period, previous, scope, restriction))
    if tables:
        coverage_tables(page, today, query)
    return page


def coverage_tables(page: CoveragePage, today: dt.date, query) -> CoveragePage:
    """Fill in the towns and units tables and charts (snapshot figures only: nothing live)."""
    choice, window = page.choice, page.window
    drill_query = query.copy()
    drill_query.pop("town", None)
    page.by_town = by_town = _town_table(choice, window, today, _querystring(drill_query))
    page.by_unit = by_unit = _unit_table(choice, window, today)
    page.three = three_rates_table(page.current, choice.label, by_town, by_unit)
    page.charts = {
        "towns": rate_chart(
            [r.values["name"] for r in by_town.rows],
            [r.values["coverage_rate"] for r in by_town.rows],
        ),
        "units": rate_chart(
            [r.values["name"] for r in by_unit.rows],
            [r.values["coverage_rate"] for r in by_unit.rows],
        ),
    }
    return page


def _checkin_card(period, previous, scope, restriction) -> Card:
    """The second coverage figure: only visits with a check-in at the enterprise count."""
    checked, active, value = metrics.checkin_coverage(period, scope, restriction=restriction)
    before = metrics.checkin_coverage(previous, scope, restriction=restriction)[2] if previous else None
    return Card(
        "checkin_coverage_rate",
        gettext_lazy("覆盖率（仅签到）"),
        value,
        "pct",
        change(value, before),
        f"{checked:,} / {active:,}",
    )


def _town_table(choice: ScopeChoice, window: Window, today: dt.date, query: str) -> Table:
    towns = choice.towns()
    codes = [t.code for t in towns]
    if choice.unit is not None:
        # A unit's work split by the towns of its enterprises.
        restriction = choice.restriction()

        def split(period):
            by = metrics.compute_by_town(
                period, metrics.UNIT, keys=[choice.unit.code], restriction=restriction, today=today
            )
            return {code: by.get((choice.unit.code, code), metrics.Metrics()) for code in codes}

        now = split(window.period)
        before = split(window.previous) if window.previous else {}
    else:
        restriction = choice.restriction(with_towns=False)
        now = windows.figures(window.period, metrics.TOWN, keys=codes, restriction=restriction, today=today)
        before = (
            windows.figures(window.previous, metrics.TOWN, keys=codes, restriction=restriction, today=today)
            if window.previous
            else {}
        )
    rows = []
    for town in towns:
        m = now[town.code]
        values = {"name": town.name, **_figure_values(m)}
        previous = before.get(town.code)
        values["coverage_change"] = change(m.coverage_rate, previous.coverage_rate if previous else None)
        rows.append(
            Row(
                values,
                links={"name": _link("analytics:coverage_town", town.pk, query)},
                data={"town": town.code},
            )
        )
    return Table(
        "towns",
        _("各镇街走访覆盖"),
        TOWN_COLUMNS,
        rows,
        note=_("点击镇街名称查看该镇街干部和未走访企业。") if rows else "",
    )


def _unit_table(choice: ScopeChoice, window: Window, today: dt.date) -> Table:
    units = Unit.objects.filter(active=True).select_related("town").order_by("level", "kind", "code")
    if choice.unit is not None:
        units = units.filter(pk=choice.unit.pk)
    units = list(units)
    now = windows.figures(
        window.period,
        metrics.UNIT,
        keys=[u.code for u in units],
        restriction=choice.restriction(),
        today=today,
    )
    rows = []
    for unit in units:
        m = now[unit.code]
        if not (m.enterprises_active or m.visits or m.requests or m.overdue):
            continue  # a unit with nothing in this slice (another town's government)
        rows.append(
            Row(
                {"name": unit.name, **_figure_values(m)},
                links={"name": f"{reverse('analytics:cadre_records')}?unit={unit.pk}"},
                data={"unit": unit.code},
            )
        )
    return Table(
        "units",
        _("各单位联系企业走访覆盖"),
        UNIT_COLUMNS,
        rows,
        note=_(
            "单位的企业为本单位干部期间内联系的企业；走访为本单位干部走访或同行的次数；诉求为本单位牵头的诉求。"
        ),
    )


# --- drill-down: one town ------------------------------------------------------------------------

CADRE_COLUMNS = [
    Column("name", gettext_lazy("干部"), css="qq-nowrap"),
    Column("unit", gettext_lazy("单位"), css=SECONDARY),
    Column("enterprises_active", gettext_lazy("联系企业"), "int"),
    Column("enterprises_visited", gettext_lazy("已走访"), "int"),
    Column("coverage_rate", gettext_lazy("覆盖率"), "pct"),
    Column("visits", gettext_lazy("走访次数"), "int", SECONDARY),
    Column("requests", gettext_lazy("反映诉求"), "int", SECONDARY),
]

RED_LIST_COLUMNS = [
    Column("name", gettext_lazy("企业")),
    Column("industry", gettext_lazy("行业"), css=SECONDARY),
    Column("scale", gettext_lazy("规模"), css=SECONDARY),
    Column("liaison", gettext_lazy("联企干部")),
]


@dataclass
class TownPage:
    town: Town
    window: Window
    choice: ScopeChoice
    current: metrics.Metrics
    cards: list[Card]
    cadres: Table
    cadre_page: object
    red_list: Table
    red_page: object

    @property
    def tables(self) -> list[Table]:
        return [self.cadres, self.red_list]


def _cadres_of(choice: ScopeChoice, period, restriction):
    pairs = Assignment.objects.filter(metrics.paired_during(period), enterprise__active=True)
    if restriction:
        pairs = pairs.filter(restriction.q("enterprise__"))
    cadres = Cadre.objects.filter(pk__in=pairs.values("cadre_id")).select_related("unit")
    if choice.unit is not None:
        cadres = cadres.filter(unit=choice.unit)
    return list(cadres.order_by("code"))


def town_page(
    user, town: Town, choice: ScopeChoice, window: Window, today: dt.date, query, *, paged: bool = True
) -> TownPage:
    period = window.period
    in_town = choice.restriction(towns=frozenset({town.pk}))
    if choice.unit is not None:
        scope, restriction = metrics.Scope(metrics.UNIT, choice.unit.code), in_town
    else:
        scope, restriction = metrics.Scope(metrics.TOWN, town.code), choice.restriction(with_towns=False)
    current = windows.one(period, scope, restriction, today)
    before = windows.one(window.previous, scope, restriction, today) if window.previous else None
    key = scope.key
    overdue = metrics.overdue_now(scope.kind, keys=[key], restriction=restriction, today=today)[key]

    cadres = _cadres_of(choice, period, in_town)
    figures = (
        metrics.compute_grouped(
            period,
            metrics.CADRE,
            keys=[c.code for c in cadres],
            key_map=metrics.KeyMap.from_objects(metrics.CADRE, cadres),
            restriction=in_town,
            today=today,
        )
        if cadres
        else {}
    )
    # Worst coverage first: the cadres to talk to.
    cadres.sort(
        key=lambda c: (figures[c.code].coverage_rate is None, figures[c.code].coverage_rate or 0, c.code)
    )
    cadre_query = query.copy()
    for name in ("cpage", "page", "town"):
        cadre_query.pop(name, None)
    cadre_page = Paginator(cadres, 50).get_page(query.get("cpage")) if paged else None
    shown = cadre_page.object_list if paged else cadres
    cadre_rows = [
        Row(
            {"name": c.name, "unit": c.unit.name, **_figure_values(figures[c.code])},
            links={"name": _link("analytics:coverage_cadre", c.pk, _querystring(cadre_query))},
            tone="danger"
            if figures[c.code].enterprises_active and not figures[c.code].enterprises_visited
            else "",
            data={"cadre": c.code},
        )
        for c in shown
    ]
    cadre_table = Table(
        "cadres",
        _("%(town)s联企干部") % {"town": town.name},
        CADRE_COLUMNS,
        cadre_rows,
        note=_("只计本镇街的联系企业和走访；覆盖率最低的排在前面。"),
    )

    not_visited = (
        Enterprise.objects.visible_to(user)
        .filter(town=town, active=True)
        .exclude(metrics.visited_q(period))
        .order_by("name", "pk")
    )
    base = choice.restriction(with_towns=False)
    if base:
        not_visited = not_visited.filter(base.q(""))
    if choice.unit is not None:
        unit_pairs = Assignment.objects.filter(metrics.paired_during(period), cadre__unit=choice.unit)
        not_visited = not_visited.filter(pk__in=unit_pairs.values("enterprise_id"))
    red_page = Paginator(not_visited, 50).get_page(query.get("page")) if paged else None
    enterprises = list(red_page.object_list if paged else not_visited)
    liaisons = _liaisons([e.pk for e in enterprises])
    red_rows = [
        Row(
            {
                "name": e.name,
                "industry": e.industry,
                "scale": e.get_scale_display(),
                "liaison": join(liaisons.get(e.pk, [])) or _("（未结对）"),
            },
            links={"name": reverse("visits:enterprise_file", args=[e.pk])},
            tone="danger",
            data={"enterprise": e.pk},
        )
        for e in enterprises
    ]
    red_table = Table(
        "not_visited",
        _("未走访企业（红色名单）"),
        RED_LIST_COLUMNS,
        red_rows,
        note=_("%(period)s内没有任何走访记录的在册企业。") % {"period": window.label},
        empty=gettext_lazy("本期所有企业都已走访。"),
    )
    return TownPage(
        town=town,
        window=window,
        choice=replace(choice, town=town),
        current=current,
        cards=headline_cards(current, before, overdue),
        cadres=cadre_table,
        cadre_page=cadre_page,
        red_list=red_table,
        red_page=red_page,
    )


def _liaisons(enterprise_ids: list[int]) -> dict[int, list[str]]:
    """Current liaison cadres per enterprise, lead first (one query)."""
    out: dict[int, list[str]] = {}
    rows = (
        Assignment.objects.filter(enterprise_id__in=enterprise_ids, end__isnull=True)
        .order_by("-is_lead", "cadre__name")
        .values_list("enterprise_id", "cadre__name")
    )
    for enterprise_id, name in rows:
        out.setdefault(enterprise_id, []).append(name)
    return out


# --- drill-down: one cadre -----------------------------------------------------------------------

ENTERPRISE_COLUMNS = [
    Column("name", gettext_lazy("企业")),
    Column("town", gettext_lazy("属地"), css=SECONDARY),
    Column("role", gettext_lazy("联系方式"), css=SECONDARY),
    Column("visits", gettext_lazy("本期走访"), "int"),
    Column("last_visit", gettext_lazy("本期最近走访"), "date"),
    Column("status", gettext_lazy("状态")),
]


@dataclass
class CadrePage:
    cadre: Cadre
    window: Window
    choice: ScopeChoice
    current: metrics.Metrics
    cards: list[Card]
    enterprises: Table

    @property
    def tables(self) -> list[Table]:
        return [self.enterprises]


def cadre_page(cadre: Cadre, choice: ScopeChoice, window: Window, today: dt.date) -> CadrePage:
    period = window.period
    restriction = choice.restriction()
    key_map = metrics.KeyMap.from_objects(metrics.CADRE, [cadre])

    def figures(p):
        return metrics.compute_grouped(
            p, metrics.CADRE, keys=[cadre.code], key_map=key_map, restriction=restriction, today=today
        )[cadre.code]

    current = figures(period)
    before = figures(window.previous) if window.previous else None
    overdue = metrics.overdue_now(metrics.CADRE, keys=[cadre.code], restriction=restriction, today=today)[
        cadre.code
    ]
    pairs = (
        cadre.assignments.filter(metrics.paired_during(period), enterprise__active=True)
        .select_related("enterprise__town")
        .order_by("enterprise__name", "-start")
    )
    if restriction:
        pairs = pairs.filter(restriction.q("enterprise__"))
    seen, pairs_once = set(), []
    for pair in pairs:
        if pair.enterprise_id not in seen:  # re-paired within P: one row per enterprise
            seen.add(pair.enterprise_id)
            pairs_once.append(pair)
    facts = metrics.enterprise_visits(period, seen)
    rows = []
    for pair in sorted(pairs_once, key=lambda p: (p.enterprise_id in facts, p.enterprise.name)):
        visits, last = facts.get(pair.enterprise_id, (0, None))
        rows.append(
            Row(
                {
                    "name": pair.enterprise.name,
                    "town": pair.enterprise.town.name,
                    "role": _("主联系") if pair.is_lead else _("协助联系"),
                    "visits": visits,
                    "last_visit": last,
                    "status": _("已走访") if pair.enterprise_id in facts else _("未走访"),
                },
                links={"name": reverse("visits:enterprise_file", args=[pair.enterprise_id])},
                tone="" if pair.enterprise_id in facts else "danger",
                data={"enterprise": pair.enterprise_id},
            )
        )
    table = Table(
        "enterprises",
        _("%(name)s的联系企业") % {"name": cadre.name},
        ENTERPRISE_COLUMNS,
        rows,
        note=_("期间内结对的在册企业；走访按任一干部的走访计（与覆盖率口径一致）。"),
    )
    return CadrePage(cadre, window, choice, current, headline_cards(current, before, overdue), table)

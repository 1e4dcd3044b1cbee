"""问题分布与季节规律: requests per category per month, the same aligned to Spring Festival, the
year-over-year share of each category, towns × categories, and a summary written from the numbers.

All counts come from one ``metrics.category_counts_series`` scan (months, years and the weeks
around each Spring Festival at once) plus one per-town scan for the heat map; the sentences of
the summary are computed from those series, so they change when the data do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Min
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from analytics import metrics, windows
from analytics.dashboards.charts import figure, payload
from analytics.dashboards.coverage import ScopeChoice
from analytics.periods import MONTH, YEAR, Period, calendar_periods, spring_festival
from analytics.tables import Column, Row, Table, change
from qiqing.i18n import join
from requests_tracker.models import Request

# Weeks shown around Spring Festival: 4 before, the festival week and 11 after.
WEEKS_BEFORE, WEEKS_AFTER = 4, 12
PEAK_WEEKS = 4  # "the 4 weeks after Spring Festival"
MAX_YEARS = 10
# A category needs this many requests in complete months before its season is worth a sentence.
MIN_SEASONAL = 24
PALETTE = [
    "#0b4f8a", "#d9822b", "#2e7d32", "#c62828", "#6a1b9a", "#00838f",
    "#8d6e63", "#f9a825", "#5c6bc0", "#ad1457", "#78909c", "#558b2f",
]  # fmt: skip


def week_label(offset: int) -> str:
    """Week ``offset`` counted from Spring Festival's day: 0 is 节后第1周 (the festival week)."""
    if offset < 0:
        return _("节前%(n)s周") % {"n": -offset}
    return _("节后%(n)s周") % {"n": offset + 1}


def month_label(period: Period) -> str:
    return _("%(y)s年%(m)s月") % {"y": period.start.year, "m": period.start.month}


@dataclass
class FestivalYear:
    year: int
    festival: dt.date
    # Week offset → counts (None where the week lies outside the data).
    weeks: dict[int, metrics.CategoryCounts | None]


@dataclass
class IssuePage:
    scope_label: str
    first: dt.date
    last: dt.date
    categories: list[str]
    months: list[tuple[Period, metrics.CategoryCounts]]
    years: list[tuple[Period, metrics.CategoryCounts]]
    festivals: list[FestivalYear]
    focus: str  # the category the Spring Festival chart follows
    heat_period: Period
    heat: list[tuple[str, metrics.CategoryCounts]]  # (town name, counts)
    heat_scope: metrics.CategoryCounts
    summary: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: dict = field(default_factory=dict)


def heat_window(first: dt.date, last: dt.date) -> Period:
    """The towns × categories window: this year to date once it has three months, else the year
    before (both kept as snapshots), never before the data start."""
    year = Period.containing(YEAR, last).until(last)
    if year.days < 90 and year.start > first:
        year = Period.containing(YEAR, year.start - dt.timedelta(days=1))
    return year if year.start >= first else Period(first, year.end)


def data_start() -> dt.date | None:
    first = Request.objects.aggregate(first=Min("submitted_at"))["first"]
    return timezone.localdate(first) if first else None


def issue_page(
    choice: ScopeChoice, *, today: dt.date, focus: str | None = None, years: int | None = None
) -> IssuePage:
    """The whole page for the user's slice (town / industry / scale / tag restrictions)."""
    last = today - dt.timedelta(days=1)
    first = data_start() or last
    first = max(first, dt.date(last.year - (years or MAX_YEARS) + 1, 1, 1))
    first = min(first, last)
    categories = metrics.category_names()
    focus = (
        focus
        if focus in categories
        else ("招工用工" if "招工用工" in categories else categories[0] if categories else "")
    )

    # Calendar months and years, cut at yesterday: each one a snapshot slot (no request falls
    # before ``first``, so the month it starts in is whole as far as the data go).
    months = [p.until(last) for p in calendar_periods(MONTH, first, last)]
    year_periods = [p.until(last) for p in calendar_periods(YEAR, first, last)]
    week_periods: list[tuple[int, int, Period]] = []
    for year in range(first.year, last.year + 1):
        festival = spring_festival(year)
        for offset in range(-WEEKS_BEFORE, WEEKS_AFTER):
            start = festival + dt.timedelta(days=7 * offset)
            week = Period(start, start + dt.timedelta(days=6))
            if week.start >= first and week.end <= last:
                week_periods.append((year, offset, week))
    heat_period = heat_window(first, last)

    scope, restriction = choice.headline()
    key = scope.key if scope.kind != metrics.COUNTY else ""
    periods = [*months, *(w for _, _, w in week_periods), heat_period]
    series = windows.category_counts(periods, scope.kind, key, restriction=restriction, today=today)
    month_counts = series[: len(months)]
    week_counts = series[len(months) : -1]
    heat_scope = series[-1]
    year_counts = [
        metrics.CategoryCounts.combined(
            c for m, c in zip(months, month_counts, strict=True) if m.start.year == y.start.year
        )
        for y in year_periods
    ]

    festivals: dict[int, FestivalYear] = {}
    for year in range(first.year, last.year + 1):
        weeks = dict.fromkeys(range(-WEEKS_BEFORE, WEEKS_AFTER))
        festivals[year] = FestivalYear(year, spring_festival(year), weeks)
    for (year, offset, _week), counts in zip(week_periods, week_counts, strict=True):
        festivals[year].weeks[offset] = counts
    shown_festivals = [f for f in festivals.values() if any(v is not None for v in f.weeks.values())]

    towns = choice.towns()
    by_town = windows.category_counts_by_key(
        heat_period,
        metrics.TOWN,
        [t.code for t in towns],
        restriction=choice.restriction(with_towns=False),
        today=today,
    )
    heat = [(t.name, by_town[t.code]) for t in towns]

    page = IssuePage(
        scope_label=choice.label,
        first=first,
        last=last,
        categories=categories,
        months=list(zip(months, month_counts, strict=True)),
        years=list(zip(year_periods, year_counts, strict=True)),
        festivals=shown_festivals,
        focus=focus,
        heat_period=heat_period,
        heat=heat,
        heat_scope=heat_scope,
    )
    page.summary = summarise(page)
    page.tables = [_month_table(page), _festival_table(page), _share_table(page), _heat_table(page)]
    page.charts = {
        "months": _month_chart(page),
        "festival": _festival_chart(page),
        "shares": _share_chart(page),
        "heat": _heat_chart(page),
    }
    return page


# --- labels ------------------------------------------------------------------------------------------


def year_label(period: Period, first: dt.date | None = None) -> str:
    """2025年, or 2025年（5月6日起） / 2026年（截至11月21日） for a partial year of data
    (``first``: the first day with data)."""
    label = _("%(y)s年") % {"y": period.start.year}
    notes = []
    start = max(period.start, first) if first else period.start
    if start != dt.date(period.start.year, 1, 1):
        notes.append(_("%(m)s月%(d)s日起") % {"m": start.month, "d": start.day})
    if period.end != dt.date(period.end.year, 12, 31):
        notes.append(_("截至%(m)s月%(d)s日") % {"m": period.end.month, "d": period.end.day})
    if not notes:
        return label
    # Translators: a year with a note on the part of it the data cover, e.g. 2026年（截至11月21日）.
    return _("%(year)s（%(notes)s）") % {"year": label, "notes": _("，").join(notes)}


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


# --- the written summary -----------------------------------------------------------------------


def summarise(page: IssuePage) -> list[str]:
    """Sentences computed from the series: festival peak, seasonal peaks, share shifts, the largest
    category, and a town that stands out. A sentence whose numbers are missing is left out."""
    sentences = [
        _festival_sentence(page),
        *_seasonal_sentences(page),
        _shift_sentence(page),
        _largest_sentence(page),
        _town_sentence(page),
    ]
    return [s for s in sentences if s]


def _festival_sentence(page: IssuePage) -> str | None:
    focus = page.focus
    years = {p.start.year: (p, c) for p, c in page.years}
    for festival in reversed(page.festivals):
        after_weeks = [festival.weeks.get(k) for k in range(PEAK_WEEKS)]
        if any(w is None for w in after_weeks) or festival.year not in years:
            continue
        after = sum(w.get(focus) for w in after_weeks)
        year_period, year_counts = years[festival.year]
        total = year_counts.get(focus)
        if not total:
            return None
        share = metrics.rate(after, total)
        # An even spread would put this share of the year's requests into 4 weeks.
        days = (year_period.end - max(year_period.start, page.first)).days + 1
        even = metrics.rate(7 * PEAK_WEEKS, days)
        ratio = (share / even) if even else None
        sentence = _(
            "%(cat)s诉求在春节后%(n)s周%(how)s：%(year)s年春节（%(day)s）后%(n)s周收到 %(after)s 件，"
            "占%(label)s该类诉求 %(total)s 件的 %(share)s"
        ) % {
            "cat": focus,
            "n": PEAK_WEEKS,
            "how": _("明显集中") if ratio and ratio >= Decimal("1.5") else _("没有明显集中"),
            "year": festival.year,
            "day": dateformat.format(festival.festival, _("n月j日")),
            "after": after,
            "label": year_label(year_period, page.first),
            "total": total,
            "share": _pct(share),
        }
        if ratio:
            sentence += _("，是全年平均水平的 %(r)s 倍") % {"r": f"{ratio:.1f}"}
        before_weeks = [festival.weeks.get(-k) for k in range(1, PEAK_WEEKS + 1)]
        if all(w is not None for w in before_weeks):
            sentence += _("；节前%(n)s周为 %(before)s 件") % {
                "n": PEAK_WEEKS,
                "before": sum(w.get(focus) for w in before_weeks),
            }
        return sentence + "。"
    return None


def _month_of_year_profile(page: IssuePage, category: str) -> tuple[list[Decimal], int] | None:
    """Average count per calendar month (over the years each month appears complete), and the
    number of requests behind it."""
    sums, seen = [0] * 12, [0] * 12
    total = 0
    for period, counts in page.months:
        calendar = Period.containing(MONTH, period.start)
        if calendar.start < page.first or period.end != calendar.end:
            continue  # a partial month would understate its season
        sums[period.start.month - 1] += counts.get(category)
        seen[period.start.month - 1] += 1
        total += counts.get(category)
    if total < MIN_SEASONAL or not all(seen):
        return None
    return [Decimal(s) / n for s, n in zip(sums, seen, strict=True)], total


def _seasonal_sentences(page: IssuePage, limit: int = 3) -> list[str]:
    found = []
    for category in page.categories:
        profile = _month_of_year_profile(page, category)
        if profile is None:
            continue
        averages, _total = profile
        whole = sum(averages)
        if not whole:
            continue
        peak = max(range(12), key=lambda m: averages[m])
        share = (averages[peak] * 100 / whole).quantize(Decimal("0.01"))
        ratio = averages[peak] * 12 / whole
        if ratio >= 2:
            found.append((ratio, category, peak + 1, averages[peak], share))
    found.sort(reverse=True)
    return [
        _("%(cat)s诉求的高峰在%(m)s月：平均每年%(m)s月 %(n)s 件，占全年的 %(share)s，是月平均的 %(r)s 倍。")
        % {"cat": cat, "m": month, "n": f"{avg:.1f}", "share": f"{share}%", "r": f"{ratio:.1f}"}
        for ratio, cat, month, avg, share in found[:limit]
    ]


def _shift_sentence(page: IssuePage) -> str | None:
    """The largest change of a category's share between two consecutive years."""
    best = None
    for (p0, c0), (p1, c1) in zip(page.years, page.years[1:], strict=False):
        if not c0.total or not c1.total:
            continue
        for name in page.categories:
            size = abs(change(c1.share(name), c0.share(name)))
            if size and (best is None or size > best[0]):
                best = (size, name, p0, c0.share(name), p1, c1.share(name))
    if best is None:
        return None
    size, name, p0, before, p1, after = best
    return _(
        "占比变化最大的是%(cat)s：由%(y0)s的 %(a)s %(dir)s%(y1)s的 %(b)s（%(word)s %(pp)s 个百分点）。"
    ) % {
        "cat": name,
        "y0": year_label(p0, page.first),
        "a": _pct(before),
        "dir": _("降至") if after < before else _("升至"),
        "y1": year_label(p1, page.first),
        "b": _pct(after),
        "word": pgettext("share change", "下降") if after < before else pgettext("share change", "上升"),
        "pp": f"{size:.2f}",
    }


def _largest_sentence(page: IssuePage) -> str | None:
    if not page.years:
        return None
    period, counts = page.years[-1]
    if not counts.total:
        return None
    name = max(page.categories, key=lambda n: (counts.get(n), -page.categories.index(n)))
    return _("%(year)s共收到诉求 %(total)s 件，最多的是%(cat)s（%(n)s 件，占 %(share)s）。") % {
        "year": year_label(period, page.first),
        "total": counts.total,
        "cat": name,
        "n": counts.get(name),
        "share": _pct(counts.share(name)),
    }


def _town_sentence(page: IssuePage, minimum: int = 10) -> str | None:
    if len(page.heat) < 2 or not page.heat_scope.total:
        return None
    best = None
    for town, counts in page.heat:
        for name in page.categories:
            if counts.get(name) < minimum or not counts.total:
                continue
            here, overall = counts.share(name), page.heat_scope.share(name)
            if overall and here and (best is None or here / overall > best[0]):
                best = (here / overall, town, name, here, overall, counts.get(name))
    if best is None or best[0] < Decimal("1.3"):
        return None
    _ratio, town, name, here, overall, n = best
    return _(
        "%(town)s反映%(cat)s问题相对较多：近12个月 %(n)s 件，占该镇街诉求的 %(here)s，全范围为 %(overall)s。"
    ) % {
        "town": town,
        "cat": name,
        "n": n,
        "here": _pct(here),
        "overall": _pct(overall),
    }


# --- tables ------------------------------------------------------------------------------------


def _category_columns(page: IssuePage, first: Column) -> list[Column]:
    return [
        first,
        *(Column(name, name, "int") for name in page.categories),
        Column("total", _("合计"), "int"),
    ]


def _month_table(page: IssuePage) -> Table:
    rows = [
        Row({"label": month_label(p), **{n: c.get(n) for n in page.categories}, "total": c.total})
        for p, c in reversed(page.months)
    ]
    return Table("months", _("各月诉求分类"), _category_columns(page, Column("label", _("月份"))), rows)


def _festival_table(page: IssuePage) -> Table:
    columns = [
        Column("label", _("春节前后")),
        *(Column(str(f.year), _("%(y)s年") % {"y": f.year}, "int") for f in page.festivals),
    ]
    rows = []
    for offset in range(-WEEKS_BEFORE, WEEKS_AFTER):
        values = {"label": week_label(offset)}
        for f in page.festivals:
            week = f.weeks.get(offset)
            values[str(f.year)] = week.get(page.focus) if week is not None else None
        rows.append(Row(values, data={"week": offset}))
    return Table(
        "festival",
        _("%(cat)s诉求：按春节对齐的周数") % {"cat": page.focus},
        columns,
        rows,
        note=_("每周从春节当天起按 7 天计；各年春节：%(days)s。")
        % {"days": join(dateformat.format(f.festival, _("Y年m月d日")) for f in page.festivals) or "—"},
    )


def _share_table(page: IssuePage) -> Table:
    columns = [Column("category", _("问题类别"))]
    for period, _c in page.years:
        columns.append(
            Column(
                f"n{period.start.year}",
                _("%(y)s年件数") % {"y": period.start.year},
                "int",
                "d-none d-md-table-cell",
            )
        )
        columns.append(Column(f"s{period.start.year}", year_label(period, page.first), "pct"))
    if len(page.years) >= 2:
        columns.append(Column("shift", _("较上年"), "pp"))
    rows = []
    for name in page.categories:
        values = {"category": name}
        for period, counts in page.years:
            values[f"n{period.start.year}"] = counts.get(name)
            values[f"s{period.start.year}"] = counts.share(name)
        if len(page.years) >= 2:
            values["shift"] = change(page.years[-1][1].share(name), page.years[-2][1].share(name))
        rows.append(Row(values, data={"category": name}))
    total = {"category": _("合计")}
    for period, counts in page.years:
        total[f"n{period.start.year}"] = counts.total
        total[f"s{period.start.year}"] = metrics.rate(counts.total, counts.total)
    rows.append(Row(total, tone="light"))
    return Table(
        "shares", _("各类问题占比（按年）"), columns, rows, note=_("占比 = 当年该类诉求 ÷ 当年全部诉求。")
    )


def _heat_table(page: IssuePage) -> Table:
    rows = [
        Row({"town": town, **{n: c.get(n) for n in page.categories}, "total": c.total}, data={"town": town})
        for town, c in page.heat
    ]
    return Table(
        "towns",
        _("各镇街诉求分类（%(start)s 至 %(end)s）")
        % {"start": f"{page.heat_period.start:%Y-%m-%d}", "end": f"{page.heat_period.end:%Y-%m-%d}"},
        _category_columns(page, Column("town", _("镇街"))),
        rows,
    )


# --- charts ------------------------------------------------------------------------------------


def _month_chart(page: IssuePage) -> dict:
    labels = [month_label(p) for p, _c in page.months]
    fig = figure(
        [
            {
                "type": "bar",
                "x": labels,
                "y": [c.get(name) for _p, c in page.months],
                "name": name,
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": _("%{{x}} {name}：%{{y}} 件<extra></extra>").format(name=name),
            }
            for i, name in enumerate(page.categories)
        ],
        barmode="stack",
        xaxis={"type": "category", "tickangle": -45, "nticks": 18},
        yaxis={"title": {"text": _("件")}, "rangemode": "tozero"},
    )
    return payload(fig, height=420, phone_layout={"height": 560, "xaxis.nticks": 6})


def _festival_chart(page: IssuePage) -> dict:
    offsets = list(range(-WEEKS_BEFORE, WEEKS_AFTER))
    fig = figure(
        [
            {
                "type": "scatter",
                "x": [week_label(k) for k in offsets],
                "y": [(f.weeks[k].get(page.focus) if f.weeks.get(k) is not None else None) for k in offsets],
                "name": _("%(y)s年（春节 %(d)s）")
                % {"y": f.year, "d": dateformat.format(f.festival, _("n月j日"))},
                "mode": "lines+markers",
                "line": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": _("%{x}：%{y} 件<extra></extra>"),
            }
            for i, f in enumerate(page.festivals)
        ],
        xaxis={"type": "category", "tickangle": -45},
        yaxis={"title": {"text": _("件")}, "rangemode": "tozero"},
        # The festival: a dotted line between the last week before and the first after.
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": WEEKS_BEFORE - 0.5,
                "x1": WEEKS_BEFORE - 0.5,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#c62828"},
            }
        ],
    )
    return payload(fig, height=360, phone_layout={"height": 440, "xaxis.nticks": 6})


def _share_chart(page: IssuePage) -> dict:
    fig = figure(
        [
            {
                "type": "bar",
                "y": page.categories,
                "x": [float(c.share(n) or 0) for n in page.categories],
                "name": year_label(p, page.first),
                "orientation": "h",
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": _("%{y}：%{x:.2f}%<extra></extra>"),
            }
            for i, (p, c) in enumerate(page.years)
        ],
        barmode="group",
        xaxis={"ticksuffix": "%", "rangemode": "tozero"},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
    )
    return payload(fig, height=max(320, 60 + 18 * len(page.categories) * max(1, len(page.years))), l=8)


def _heat_chart(page: IssuePage) -> dict:
    towns = [t for t, _c in page.heat]
    z = [[float(c.share(n) or 0) for n in page.categories] for _t, c in page.heat]
    text = [[f"{c.get(n)}" for n in page.categories] for _t, c in page.heat]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=page.categories,
            y=towns,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"ticksuffix": "%", "title": {"text": _("占本镇街")}},
            hovertemplate=_("%{y} · %{x}：%{text} 件，占 %{z:.2f}%<extra></extra>"),
        ),
        layout={
            "xaxis": {"type": "category", "tickangle": -45},
            "yaxis": {"type": "category", "autorange": "reversed", "automargin": True},
        },
    )
    # A phone has no room for the numbers in the cells or the colour bar: the table has them.
    return payload(
        fig,
        height=max(260, 140 + 34 * len(towns)),
        l=8,
        phone_layout={"xaxis.tickfont.size": 9, "xaxis.tickangle": -90},
        phone_traces={"texttemplate": "", "showscale": False},
    )

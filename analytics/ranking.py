"""The towns' weekly contest (擂台比武) and its red and black lists (红黑榜).

Indicators are pluggable: each is an ``Indicator`` in ``INDICATORS`` with a label, a direction
and a function giving every town's raw value for the window; an admin switches them on and
weights them through ``RankingIndicator`` rows. Adding an indicator = adding an entry here (and
a row in the admin).

Scoring (documented on the ranking page too):
1. The window is the ranked week's quarter to date (``QIQING_RANKING_WINDOW``: week / month /
   quarter / year to date, ending on the Sunday of the ranked week) — rates over one week are
   too thin to compare.
2. Each indicator is normalised across the towns to 0–100 (min–max): the best town gets 100,
   the worst 0; for lower-is-better indicators (overdue, red cards) the scale is inverted. When
   every town has the same value, all get 100. Raw values are exact fractions of the counts,
   so rounding cannot reorder towns.
3. A town's score is the weighted mean of its indicator scores over the indicators defined for
   it (a rate with a zero denominator — nothing to rate — is left out rather than scored 0 or
   100), rounded to two places ROUND_HALF_UP.
4. Rank by score, highest first; equal scores share a rank (1, 2, 2, 4). The first three go on
   the red list (红榜) and the last three on the black list (黑榜), each with any town tied with
   its last place; with fewer than six towns each list takes half, a town is never on both, and
   when every town has the same score neither list is published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analytics import metrics
from analytics.periods import Period
from enterprises.models import Town
from groups.models import Meetup
from requests_tracker.models import SupervisionNotice

Values = dict[str, Fraction | None]  # town code → raw value (None: undefined for that town)


@dataclass(frozen=True)
class Indicator:
    label: object  # lazy translation
    higher_is_better: bool
    values: Callable[[Period, dict[str, metrics.Metrics]], Values]
    unit: str = "%"  # also the key of UNIT_LABELS

    @property
    def unit_label(self):
        return UNIT_LABELS.get(self.unit, self.unit)


# How an indicator's unit reads in a column heading (per enterprise / cases / notices).
UNIT_LABELS = {
    "%": "%",
    "次": pgettext_lazy("unit", "次"),
    "件": pgettext_lazy("unit", "件"),
    "张": pgettext_lazy("unit", "张"),
    "场": pgettext_lazy("unit", "场"),
}


def _ratio(numerator: str, denominator: str, percent: bool = True):
    def values(period, by_town):
        out = {}
        for code, m in by_town.items():
            den = getattr(m, denominator)
            out[code] = Fraction(getattr(m, numerator) * (100 if percent else 1), den) if den else None
        return out

    return values


def _count(name: str):
    def values(period, by_town):
        return {code: Fraction(getattr(m, name)) for code, m in by_town.items()}

    return values


def supervision_cards(period: Period, colour: str) -> dict[str, int]:
    """Supervision notices (督办) of ``colour`` ("red"/"yellow") issued in P, per town code.

    Counted by the town recorded on the notice (the enterprise's town when it was issued).
    """
    rows = (
        SupervisionNotice.objects.filter(
            level=colour, issued_at__gte=period.start_at, issued_at__lt=period.end_at
        )
        .order_by()
        .values("town__code")
        .annotate(n=Count("pk"))
    )
    return {row["town__code"]: row["n"] for row in rows}


def _cards(colour: str):
    def values(period, by_town):
        cards = supervision_cards(period, colour)
        return {code: Fraction(cards.get(code, 0)) for code in by_town}

    return values


def _false_closures(period, by_town):
    """Closures a callback found false (不实办结), by the town recorded on the callback task."""
    found = metrics.trust_grouped(period, metrics.TOWN, keys=list(by_town))
    return {code: Fraction(found[code].false_closures) for code in by_town}


def _meetups(period, by_town):
    """Meetups (亲清会/座谈会) a town held with dates in the window, by the meetup's host town."""
    rows = (
        Meetup.objects.filter(date__range=(period.start, period.end))
        .order_by()
        .values("host_town__code")
        .annotate(n=Count("pk"))
    )
    held = {row["host_town__code"]: row["n"] for row in rows}
    return {code: Fraction(held.get(code, 0)) for code in by_town}


INDICATORS: dict[str, Indicator] = {
    "coverage_rate": Indicator(_("走访覆盖率"), True, _ratio("enterprises_visited", "enterprises_active")),
    "visits_per_enterprise": Indicator(
        _("企均走访次数"), True, _ratio("visits", "enterprises_active", percent=False), unit="次"
    ),
    "closure_rate": Indicator(_("办结率"), True, _ratio("closed", "requests")),
    "on_time_rate": Indicator(_("按期办结率"), True, _ratio("closed_on_time", "closed")),
    "feedback_rate": Indicator(_("反馈率"), True, _ratio("assigned_responded", "assigned")),
    "satisfaction_rate": Indicator(_("满意率"), True, _ratio("satisfied", "rated")),
    "overdue": Indicator(_("超期件"), False, _count("overdue"), unit="件"),
    "reopened": Indicator(_("重新办理件"), False, _count("reopened"), unit="件"),
    "red_cards": Indicator(_("红牌督办"), False, _cards("red"), unit="张"),
    "yellow_cards": Indicator(_("黄牌督办"), False, _cards("yellow"), unit="张"),
    "false_closures": Indicator(_("不实办结"), False, _false_closures, unit="件"),
    "meetups": Indicator(_("亲清会场次"), True, _meetups, unit="场"),
}

# The contest's starting indicators: (code, weight, active). Migration 0003 installed a copy of
# the first ten, 0005 the ones added since.
DEFAULT_WEIGHTS = [
    ("coverage_rate", 20, True),
    ("visits_per_enterprise", 5, True),
    ("closure_rate", 15, True),
    ("on_time_rate", 15, True),
    ("feedback_rate", 10, True),
    ("satisfaction_rate", 15, True),
    ("overdue", 10, True),
    ("reopened", 0, False),
    ("red_cards", 10, True),
    ("yellow_cards", 0, False),
    ("false_closures", 5, True),
    ("meetups", 5, True),
]

WINDOWS = ("week", "month", "quarter", "year")


def ranking_window(week_start: dt.date) -> Period:
    """The metrics window for the week starting ``week_start``: the window kind to that Sunday."""
    kind = settings.QIQING_RANKING_WINDOW
    week_end = week_start + dt.timedelta(days=6)
    return Period.containing(kind, week_end).until(week_end)


def normalise(values: Values, higher_is_better: bool) -> dict[str, Fraction | None]:
    """Min–max to 0–100 across the towns with a value; inverted when lower is better."""
    defined = [v for v in values.values() if v is not None]
    if not defined:
        return dict.fromkeys(values)
    low, high = min(defined), max(defined)
    out = {}
    for code, value in values.items():
        if value is None:
            out[code] = None
        elif high == low:
            out[code] = Fraction(100)
        else:
            share = (value - low) / (high - low)
            out[code] = 100 * (share if higher_is_better else 1 - share)
    return out


def _two_places(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _text(value: Fraction | None, unit: str) -> str | None:
    if value is None:
        return None
    return str(_two_places(value)) if unit in ("%", "次") else str(int(value))


@dataclass
class Row:
    town_code: str
    score: Decimal
    values: dict
    rank: int = 0
    board: str = ""


def score_towns(
    period: Period, weights: list[tuple[str, Decimal]], today: dt.date | None = None
) -> list[Row]:
    """Every town's score and rank for ``period`` under ``weights`` [(indicator code, weight)]."""
    towns = list(Town.objects.order_by("order", "code").values_list("code", flat=True))
    by_town = metrics.compute_grouped(period, metrics.TOWN, keys=towns, today=today)
    weighted_sum = dict.fromkeys(towns, Fraction(0))
    weight_total = dict.fromkeys(towns, Fraction(0))
    details: dict[str, dict] = {code: {} for code in towns}
    for code, weight in weights:
        indicator = INDICATORS[code]
        raw = indicator.values(period, by_town)
        scores = normalise(raw, indicator.higher_is_better)
        w = Fraction(Decimal(weight))
        for town in towns:
            details[town][code] = {
                "value": _text(raw[town], indicator.unit),
                "score": None if scores[town] is None else str(_two_places(scores[town])),
            }
            if scores[town] is not None and w:
                weighted_sum[town] += w * scores[town]
                weight_total[town] += w
    rows = [
        Row(
            town_code=town,
            score=_two_places(weighted_sum[town] / weight_total[town])
            if weight_total[town]
            else Decimal("0.00"),
            values=details[town],
        )
        for town in towns
    ]
    rows.sort(key=lambda row: -row.score)  # stable: equal scores keep the towns' own order
    for index, row in enumerate(rows):
        row.rank = rows[index - 1].rank if index and row.score == rows[index - 1].score else index + 1
    size = min(3, len(rows) // 2)
    if size and rows[0].score != rows[-1].score:  # all tied: nobody is better or worse
        top_score, bottom_score = rows[size - 1].score, rows[len(rows) - size].score
        for row in rows:
            if row.score >= top_score:
                row.board = "red"
            elif row.score <= bottom_score:
                row.board = "black"
    return rows

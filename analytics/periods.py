"""Reporting periods (统计周期): a run of whole local days in Asia/Shanghai.

A period is ``[start, end]`` inclusive, in local calendar days. Timestamps are compared against
local midnights: a request submitted at 23:30 on 31 October (Asia/Shanghai) belongs to October
even though it is already 15:30 UTC. Calendar periods are the ones snapshots are kept for:
day, ISO week (Monday–Sunday), month, quarter and year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import lunardate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DAY, WEEK, MONTH, QUARTER, YEAR = "day", "week", "month", "quarter", "year"
KINDS = (DAY, WEEK, MONTH, QUARTER, YEAR)
KIND_LABELS = {
    DAY: gettext_lazy("日"),
    WEEK: gettext_lazy("周"),
    MONTH: gettext_lazy("月"),
    QUARTER: gettext_lazy("季度"),
    YEAR: gettext_lazy("年"),
}


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware instant at which ``day`` begins in the project's time zone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end`` inclusive; ``kind`` names a calendar period."""

    start: dt.date
    end: dt.date
    kind: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def start_at(self) -> dt.datetime:
        """First instant of the period (local midnight of ``start``)."""
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """First instant after the period (local midnight after ``end``): compare with ``<``."""
        return local_midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def until(self, day: dt.date) -> Period:
        """The part of the period up to and including ``day`` (the same period if it ends sooner)."""
        return Period(self.start, min(self.end, day), self.kind)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        start = self.start
        if self.kind == DAY:
            return _("%(y)s年%(m)s月%(d)s日") % {"y": start.year, "m": start.month, "d": start.day}
        if self.kind == WEEK:
            year, week, _weekday = start.isocalendar()
            return _("%(y)s年第%(w)s周") % {"y": year, "w": week}
        if self.kind == MONTH:
            return _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}
        if self.kind == QUARTER:
            return _("%(y)s年第%(q)s季度") % {"y": start.year, "q": (start.month - 1) // 3 + 1}
        if self.kind == YEAR:
            return _("%(y)s年") % {"y": start.year}
        return _("%(start)s 至 %(end)s") % {"start": f"{start:%Y-%m-%d}", "end": f"{self.end:%Y-%m-%d}"}

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        """The calendar period of ``kind`` that contains ``day``."""
        if kind == DAY:
            return cls(day, day, DAY)
        if kind == WEEK:
            start = day - dt.timedelta(days=day.weekday())
            return cls(start, start + dt.timedelta(days=6), WEEK)
        if kind == MONTH:
            start = day.replace(day=1)
            return cls(start, _next_month(start) - dt.timedelta(days=1), MONTH)
        if kind == QUARTER:
            start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            return cls(start, _add_months(start, 3) - dt.timedelta(days=1), QUARTER)
        if kind == YEAR:
            return cls(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), YEAR)
        raise ValueError(f"unknown period kind {kind!r}")

    def following(self) -> Period:
        return Period.containing(self.kind, self.end + dt.timedelta(days=1))


def _next_month(day: dt.date) -> dt.date:
    return _add_months(day.replace(day=1), 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def calendar_periods(kind: str, first: dt.date, last: dt.date) -> Iterator[Period]:
    """Every calendar period of ``kind`` that overlaps ``[first, last]``, in order."""
    period = Period.containing(kind, first)
    while period.start <= last:
        yield period
        period = period.following()


def to_date(day: dt.date, kind: str) -> Period:
    """The calendar period of ``kind`` containing ``day``, cut at ``day`` (本月/本季度/本年 to date)."""
    return Period.containing(kind, day).until(day)


def spring_festival(year: int) -> dt.date:
    """Gregorian date of the lunar new year (春节) of ``year``: between 21 January and 20 February."""
    return lunardate.LunarDate(year, 1, 1).to_solar_date()

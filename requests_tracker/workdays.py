"""Chinese working days (法定工作日) for deadlines.

Three sources, in order of precedence:

1. admin-entered override rows (``WorkdayOverride``): the State Council's schedule for a year the
   library does not know yet, or a local closure (县域停工) / extra working day;
2. the maintained ``chinese-calendar`` library (weekends off, statutory holidays off, make-up
   working days 调休 on);
3. for a year neither covers, Monday–Friday — and every result that relied on such a day is
   marked *estimated* (估算) so the screen can say so, never silently guessed.

Services build a fresh ``WorkCalendar.load()`` (one small query) for each transition, so a
deadline always reflects the rows admins have entered. The module-level ``is_workday`` /
``add_workdays`` serve bulk callers (the demo seed) from a short-lived process cache.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_tracker.models import WorkdayOverride

# The library names holidays in English; the screen speaks Chinese (or English, translated back).
HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("元旦"),
    "Spring Festival": gettext_lazy("春节"),
    "Tomb-sweeping Day": gettext_lazy("清明节"),
    "Labour Day": gettext_lazy("劳动节"),
    "Dragon Boat Festival": gettext_lazy("端午节"),
    "National Day": gettext_lazy("国庆节"),
    "Mid-autumn Festival": gettext_lazy("中秋节"),
    "Anti-Fascist 70th Day": gettext_lazy("抗战胜利纪念日"),
}
WEEKDAY_LABELS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)

STATE_COUNCIL = "state_council"
LOCAL = "local"


@dataclass(frozen=True)
class Override:
    """A plain copy of one override row, so a loaded calendar holds no database objects."""

    date: dt.date
    is_workday: bool
    name: str = ""
    source: str = STATE_COUNCIL
    note: str = ""


@dataclass(frozen=True)
class DayInfo:
    """Whether one day is worked, why, and whether that answer is an estimate."""

    day: dt.date
    working: bool
    estimated: bool
    kind: str  # weekday, weekend, holiday, makeup, override_off, override_on
    reason: str = ""

    @property
    def weekday_label(self) -> str:
        return str(WEEKDAY_LABELS[self.day.weekday()])


@dataclass
class Explanation:
    """How a deadline was counted: the days skipped and the weekend days that counted (调休)."""

    start: dt.date
    due: dt.date
    days: int | None
    skipped: list[DayInfo] = field(default_factory=list)
    makeup: list[DayInfo] = field(default_factory=list)
    estimated_years: list[int] = field(default_factory=list)

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)


def library_years() -> range:
    """The years the installed ``chinese-calendar`` knows (2004–2026 for 1.11.0)."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


LIBRARY_YEARS = library_years()


def official_is_workday(day: dt.date) -> bool | None:
    """The library's answer, or None when its calendar does not cover the year."""
    if day.year not in LIBRARY_YEARS:
        return None
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


class WorkCalendar:
    """The working-day calendar with a fixed set of override rows."""

    def __init__(self, overrides: Iterable[Override] = ()):
        self.overrides: dict[dt.date, Override] = {o.date: o for o in overrides}
        # A year is known exactly once admins have entered any of the State Council's rows for it.
        self.entered_years = {o.date.year for o in self.overrides.values() if o.source == STATE_COUNCIL}

    @classmethod
    def load(cls) -> WorkCalendar:
        rows = WorkdayOverride.objects.values_list("date", "is_workday", "name", "source", "note")
        return cls(Override(*row) for row in rows)

    # --- coverage ------------------------------------------------------------------------
    def coverage(self, year: int) -> str:
        """ "library", "entered" (admins typed the State Council's schedule) or "none" (estimated)."""
        if year in LIBRARY_YEARS:
            return "library"
        if year in self.entered_years:
            return "entered"
        return "none"

    def covers(self, year: int) -> bool:
        return self.coverage(year) != "none"

    # --- single days ---------------------------------------------------------------------
    def day(self, day: dt.date) -> DayInfo:
        override = self.overrides.get(day)
        if override is not None:
            label = (
                override.name or override.note or (_("调整上班") if override.is_workday else _("调整放假"))
            )
            if override.note and override.name:
                label = f"{override.name}（{override.note}）"
            return DayInfo(
                day,
                override.is_workday,
                False,
                "override_on" if override.is_workday else "override_off",
                label,
            )
        weekend = day.weekday() >= 5
        official = official_is_workday(day)
        if official is None:
            estimated = not self.covers(day.year)
            return DayInfo(
                day, not weekend, estimated, "weekend" if weekend else "weekday", _("周末") if weekend else ""
            )
        _is_holiday, name = chinese_calendar.get_holiday_detail(day)
        name = str(HOLIDAY_NAMES.get(name, name or ""))
        if official:
            if weekend:
                reason = _("调休上班（%(holiday)s）") % {"holiday": name} if name else _("调休上班")
                return DayInfo(day, True, False, "makeup", reason)
            return DayInfo(day, True, False, "weekday")
        if name:
            return DayInfo(day, False, False, "holiday", name)
        return DayInfo(day, False, False, "weekend", _("周末"))

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        info = self.day(day)
        return info.working, info.estimated

    # --- spans ---------------------------------------------------------------------------
    def add_workdays(self, start: dt.date, days: int) -> tuple[dt.date, bool]:
        """The date ``days`` working days after ``start`` (``start`` itself not counted).

        Returns (due date, estimated): estimated when any day passed over lies in a year
        neither the library nor the admins' rows cover.
        """
        if days < 0:
            raise ValueError("days must be zero or more")
        day = start
        counted = 0
        estimated = False
        while counted < days:
            day += dt.timedelta(days=1)
            info = self.day(day)
            estimated = estimated or info.estimated
            if info.working:
                counted += 1
        return day, estimated

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many working days ``end`` lies past ``start``."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.day(day).working:
                count += 1
        return count

    def next_workday(self, day: dt.date) -> dt.date:
        return self.add_workdays(day, 1)[0]

    def explain(self, start: dt.date, due: dt.date, days: int | None = None) -> Explanation:
        """Every non-working day skipped in (start, due] and every weekend day that counted."""
        explanation = Explanation(start=start, due=due, days=days)
        years = set()
        day = start
        while day < due:
            day += dt.timedelta(days=1)
            info = self.day(day)
            if info.estimated:
                years.add(day.year)
            if not info.working:
                explanation.skipped.append(info)
            elif day.weekday() >= 5:
                explanation.makeup.append(info)
        explanation.estimated_years = sorted(years)
        return explanation


# --- process-wide convenience for bulk callers -------------------------------------------
_CACHE_SECONDS = 60
_cached: tuple[float, WorkCalendar] | None = None


def current_calendar() -> WorkCalendar:
    """A calendar reloaded at most once a minute (and at once after an override is saved here)."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > _CACHE_SECONDS:
        _cached = (now, WorkCalendar.load())
    return _cached[1]


def invalidate() -> None:
    global _cached
    _cached = None


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, is that an estimate)."""
    return current_calendar().is_workday(day)


def add_workdays(start: dt.date, days: int) -> tuple[dt.date, bool]:
    return current_calendar().add_workdays(start, days)

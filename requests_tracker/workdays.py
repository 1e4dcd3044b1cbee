"""Chinese working days (法定工作日) for deadlines.

Three sources, in order of precedence:

1. admin-entered override rows (``WorkdayOverride``): the State Council's schedule for a year the
   library does not know yet, or a local closure (县域停工) / extra working day;
2. the maintained ``chinese-calendar`` library (weekends off, statutory holidays off, make-up
   working days 调休 on);
3. for a year neither covers, an estimate: weekends and the statutory days off that the law
   fixes (``statutory_days_off``: 元旦, 春节 eve + three days, 清明, 劳动节 1–2 May, 端午, 中秋,
   国庆 1–3 Oct, each computed from the solar or lunar calendar, plus the 补假 weekday the law
   gives for one falling on a weekend). Make-up working days (调休) and bridging days are only
   known from the State Council's notice, so every result that relied on such a year is marked
   *estimated* (估算) so the screen can say so, never silently guessed.

Services build a fresh ``WorkCalendar.load()`` (one small query) for each transition, so a
deadline always reflects the rows admins have entered. The module-level ``is_workday`` /
``add_workdays`` serve bulk callers (the demo seed) from a short-lived process cache.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from lunardate import LunarDate

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


# --- the statutory days off (全国年节及纪念日放假办法, as revised for 2025) --------------------
SUBSTITUTE = "substitute"


@dataclass(frozen=True)
class StatutoryDay:
    """One day off the law fixes, or the weekday given in lieu (补假) of one on a weekend."""

    day: dt.date
    holiday: str  # the key of HOLIDAY_NAMES (the library's English name)
    substitute: bool = False

    @property
    def weekday_label(self) -> str:
        return str(WEEKDAY_LABELS[self.day.weekday()])

    @property
    def name(self) -> str:
        name = str(HOLIDAY_NAMES[self.holiday])
        return _("%(holiday)s补假") % {"holiday": name} if self.substitute else name


def _lunar(year: int, month: int, day: int) -> dt.date:
    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> dt.date:
    """The day of the solar term 清明 (the library's 寿星 formula with its correction table)."""
    terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


def _statutory_groups(year: int) -> list[tuple[str, list[dt.date]]]:
    """The statutory days off of ``year``, grouped by holiday, in calendar order."""
    new_year = _lunar(year, 1, 1)
    return [
        ("New Year's Day", [dt.date(year, 1, 1)]),
        ("Spring Festival", [new_year + dt.timedelta(days=n) for n in range(-1, 3)]),
        ("Tomb-sweeping Day", [_qingming(year)]),
        ("Labour Day", [dt.date(year, 5, 1), dt.date(year, 5, 2)]),
        ("Dragon Boat Festival", [_lunar(year, 5, 5)]),
        ("Mid-autumn Festival", [_lunar(year, 8, 15)]),
        ("National Day", [dt.date(year, 10, day) for day in (1, 2, 3)]),
    ]


@lru_cache(maxsize=32)
def statutory_days_off(year: int) -> tuple[StatutoryDay, ...]:
    """Every day off the law alone decides for ``year``, in date order.

    Article 6 of the 放假办法: a statutory day off that falls on a Saturday or Sunday is given
    back on a working day (补假) — here the first weekdays after that holiday not already off.
    Make-up working days (调休) and bridging days are the State Council's yearly choice and are
    not guessed.
    """
    groups = _statutory_groups(year)
    off = {day: StatutoryDay(day, holiday) for holiday, days in groups for day in days}
    for holiday, days in groups:
        owed = sum(1 for day in days if day.weekday() >= 5)
        day = max(days)
        while owed:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in off:
                off[day] = StatutoryDay(day, holiday, substitute=True)
                owed -= 1
    return tuple(off[day] for day in sorted(off))


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
        # Answers per day asked: a request page explains a dozen deadlines, each a walk over the
        # days between two dates, and the library's lookup recomputes its first and last year on
        # every call. The overrides are fixed for the instance, so the answers are.
        self._workdays: dict[dt.date, tuple[bool, bool]] = {}
        self._days: dict[tuple[dt.date, str | None], DayInfo] = {}
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

    def estimated_days_off(self, year: int) -> dict[dt.date, StatutoryDay]:
        """The statutory days off the estimate assumes for a year nobody covers (empty otherwise)."""
        if self.covers(year):
            return {}
        return {item.day: item for item in statutory_days_off(year)}

    # --- single days ---------------------------------------------------------------------
    def day(self, day: dt.date) -> DayInfo:
        """What ``day`` is, labelled in the active language (kept per day and language: the
        overrides are fixed for the instance)."""
        key = (day, get_language())
        info = self._days.get(key)
        if info is None:
            info = self._days[key] = self._day(day)
        return info

    def _day(self, day: dt.date) -> DayInfo:
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
            statutory = self.estimated_days_off(day.year).get(day) if estimated else None
            if statutory is not None:
                return DayInfo(day, False, True, "holiday", statutory.name)
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
        known = self._workdays.get(day)
        if known is None:
            info = self.day(day)
            known = self._workdays[day] = (info.working, info.estimated)
        return known

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
            working, guessed = self.is_workday(day)
            estimated = estimated or guessed
            if working:
                counted += 1
        return day, estimated

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many working days ``end`` lies past ``start``."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day)[0]:
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

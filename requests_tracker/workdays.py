"""Chinese working days (法定工作日) for deadlines.

The State Council's calendar (weekends off, statutory holidays off, make-up working days
调休 on) comes from the maintained ``chinese-calendar`` library. For a year the library does
not know yet, days count Monday–Friday and the result is marked *estimated* (估算).
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def official_is_workday(day: dt.date) -> bool | None:
    """The official answer, or None when the library's calendar does not cover the year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, is that an estimate)."""
    official = official_is_workday(day)
    if official is None:
        return day.weekday() < 5, True
    return official, False


def add_workdays(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    Returns (due date, estimated) where estimated is True when any day counted fell in a
    year the official calendar does not cover.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    day = start
    counted = 0
    estimated = False
    while counted < days:
        day += dt.timedelta(days=1)
        working, guess = is_workday(day)
        estimated = estimated or guess
        if working:
            counted += 1
    return day, estimated

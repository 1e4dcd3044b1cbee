"""Entering a year's State Council holiday schedule (国务院放假安排) in one go.

The admin pastes the notice's dates — days off and make-up working days (调休上班) — as lines such
as ``春节：2月6日（星期六）至14日（星期日）`` or ``2027-02-06 至 2027-02-14``; ``parse_schedule`` reads
them, ``calendar_schedule_enter`` replaces that year's State Council rows in one transaction (local
adjustments stay), and the open deadlines they touch are recounted after the commit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from requests_tracker import workdays
from requests_tracker.models import WorkdayOverride
from requests_tracker.selectors import forget_calendar_coverage

_FULL = r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
_MONTH_DAY = r"(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日?"
_DAY = r"(?P<d3>\d{1,2})\s*日"
DATE = re.compile(f"{_FULL}|{_MONTH_DAY}|{_DAY}")
RANGE_JOINERS = ("至", "到", "~", "～", "—", "–")
# Weekday notes the notice puts after each date: （星期六）, (周日).
_ASIDE = re.compile(r"[（(][^）)]*[）)]")


@dataclass(frozen=True)
class ScheduleDay:
    day: dt.date
    name: str


def _line_days(line: str, year: int, default_name: str, field: str) -> list[ScheduleDay]:
    text = _ASIDE.sub("", line).strip()
    if not text:
        return []
    first = DATE.search(text)
    if first is None:
        raise ValidationError({field: _("“%(line)s”中没有找到日期。") % {"line": line.strip()}})
    name = text[: first.start()].strip(" ：:，,、") or default_name
    days: list[ScheduleDay] = []
    month = None
    previous_end = first.start()
    pending_range = False
    for match in DATE.finditer(text):
        between = text[previous_end : match.start()]
        pending_range = pending_range or (bool(days) and any(j in between for j in RANGE_JOINERS))
        try:
            if match.group("y"):
                y, month, d = int(match.group("y")), int(match.group("m")), int(match.group("d"))
            elif match.group("m2"):
                y, month, d = year, int(match.group("m2")), int(match.group("d2"))
            else:
                if month is None:
                    raise ValueError
                y, d = year, int(match.group("d3"))
            day = dt.date(y, month, d)
        except ValueError:
            raise ValidationError(
                {field: _("“%(text)s”不是有效日期。") % {"text": match.group(0).strip()}}
            ) from None
        if day.year != year:
            raise ValidationError(
                {field: _("%(day)s 不在 %(year)s 年内。") % {"day": f"{day:%Y-%m-%d}", "year": year}}
            )
        if pending_range:
            start = days[-1].day
            if day < start:
                raise ValidationError(
                    {
                        field: _("日期区间 %(a)s 至 %(b)s 顺序颠倒。")
                        % {"a": f"{start:%Y-%m-%d}", "b": f"{day:%Y-%m-%d}"}
                    }
                )
            cursor = start + dt.timedelta(days=1)
            while cursor <= day:
                days.append(ScheduleDay(cursor, name))
                cursor += dt.timedelta(days=1)
            pending_range = False
        else:
            days.append(ScheduleDay(day, name))
        previous_end = match.end()
    return days


def parse_schedule(text: str, year: int, *, default_name: str, field: str) -> list[ScheduleDay]:
    """Every date the lines of ``text`` name, in order, without repeats (ValidationError on ``field``)."""
    seen: dict[dt.date, ScheduleDay] = {}
    for line in (text or "").splitlines():
        for item in _line_days(line, year, default_name, field):
            seen.setdefault(item.day, item)
    return sorted(seen.values(), key=lambda item: item.day)


def estimate_lines(year: int) -> str:
    """The estimate's days off as paste-form lines, runs of one holiday as ranges: a starting
    point to correct from the notice (春节：2027-02-05 至 2027-02-10)."""
    runs: list[list] = []  # [holiday, name, first day, last day]
    for item in workdays.statutory_days_off(year):
        if runs and runs[-1][0] == item.holiday and item.day == runs[-1][3] + dt.timedelta(days=1):
            runs[-1][3] = item.day
        else:
            runs.append([item.holiday, str(workdays.HOLIDAY_NAMES[item.holiday]), item.day, item.day])
    return "\n".join(
        f"{name}：{first:%Y-%m-%d}" + (f" 至 {last:%Y-%m-%d}" if last != first else "")
        for _holiday, name, first, last in runs
    )


@transaction.atomic
def calendar_schedule_enter(*, actor, year: int, days_off: str, workdays_text: str) -> dict[str, int]:
    """Replace ``year``'s State Council rows with the pasted schedule; all or nothing."""
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年份须在 2000 到 2100 之间。")})
    off = parse_schedule(days_off, year, default_name=_("放假"), field="days_off")
    on = parse_schedule(workdays_text, year, default_name=_("调休上班"), field="workdays")
    if not off:
        raise ValidationError({"days_off": _("请至少填写一个放假日期。")})
    both = sorted({item.day for item in off} & {item.day for item in on})
    if both:
        raise ValidationError(
            {
                "workdays": _("%(days)s 同时出现在放假和上班日期中。")
                % {"days": "、".join(f"{d:%Y-%m-%d}" for d in both)}
            }
        )
    weekdays = [item.day for item in on if item.day.weekday() < 5]
    if weekdays:
        raise ValidationError(
            {
                "workdays": _("调休上班日应是周六或周日：%(days)s 本来就是工作日。")
                % {"days": "、".join(f"{d:%Y-%m-%d}" for d in weekdays)}
            }
        )
    dates = [item.day for item in off + on]
    local = sorted(
        WorkdayOverride.objects.filter(date__in=dates, source=WorkdayOverride.Source.LOCAL).values_list(
            "date", flat=True
        )
    )
    if local:
        raise ValidationError(
            {
                "days_off": _("%(days)s 已有本地调整记录，请先在“全部调整记录”中处理。")
                % {"days": "、".join(f"{d:%Y-%m-%d}" for d in local)}
            }
        )
    old = WorkdayOverride.objects.filter(date__year=year, source=WorkdayOverride.Source.STATE_COUNCIL)
    changed = set(old.values_list("date", flat=True)) | set(dates)
    old.delete()
    rows = [
        WorkdayOverride(date=item.day, is_workday=False, name=item.name[:30], created_by=actor)
        for item in off
    ] + [
        WorkdayOverride(date=item.day, is_workday=True, name=item.name[:30], created_by=actor) for item in on
    ]
    for row in rows:
        row.full_clean()
    WorkdayOverride.objects.bulk_create(rows)
    # bulk_create sends no post_save: drop the admins' cached "year not covered" banner here.
    transaction.on_commit(forget_calendar_coverage)
    _recount_after_commit(sorted(changed))
    return {"days_off": len(off), "workdays": len(on)}


def _recount_after_commit(dates) -> None:
    from requests_tracker.tasks import recount_deadlines

    workdays.invalidate()
    payload = [d.isoformat() for d in dates]

    def queue():
        try:
            recount_deadlines.delay(payload, trigger="manual")
        except Exception:  # noqa: BLE001 - no broker: recount here rather than leave deadlines stale
            recount_deadlines(payload, trigger="manual")

    transaction.on_commit(queue)

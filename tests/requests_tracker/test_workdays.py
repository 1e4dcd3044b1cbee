"""Deadlines in Chinese working days: statutory holidays, make-up working days (调休), and the
year the library does not know yet (2027) — estimated from weekends and the statutory days off
the law fixes until admins enter the State Council's schedule, exact afterwards. Every date is
spelled out."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from requests_tracker.models import WorkdayOverride
from requests_tracker.workdays import LOCAL, STATE_COUNCIL, Override, WorkCalendar, statutory_days_off

D = dt.date
LIBRARY = WorkCalendar()

# The 2027 schedule as an admin would type it in from the State Council's notice (test data:
# Spring Festival 6–14 February with make-up Sundays/Saturdays 31 January and 20 February;
# National Day 1–7 October with make-up Saturdays 25 September and 9 October; New Year 1 January).
SCHEDULE_2027 = (
    [Override(D(2027, 1, 1), False, "元旦")]
    + [Override(D(2027, 2, day), False, "春节") for day in range(6, 15)]
    + [Override(D(2027, 1, 31), True, "调休上班（春节）"), Override(D(2027, 2, 20), True, "调休上班（春节）")]
    + [Override(D(2027, 10, day), False, "国庆节") for day in range(1, 8)]
    + [
        Override(D(2027, 9, 25), True, "调休上班（国庆节）"),
        Override(D(2027, 10, 9), True, "调休上班（国庆节）"),
    ]
)
ENTERED = WorkCalendar(SCHEDULE_2027)


# --- 2026, from the library ----------------------------------------------------------------
def test_spring_festival_2026_make_up_saturday_counts_for_sign_for():
    # Friday 13 Feb → the next working day is Saturday 14 Feb, a make-up day (调休上班).
    assert LIBRARY.add_workdays(D(2026, 2, 13), 1) == (D(2026, 2, 14), False)


def test_spring_festival_2026_first_contact_skips_the_nine_day_holiday():
    # 14 Feb (Sat, make-up), then 15–23 Feb off, then 24 and 25 Feb.
    assert LIBRARY.add_workdays(D(2026, 2, 13), 3) == (D(2026, 2, 25), False)


def test_spring_festival_2026_ten_working_days_include_both_make_up_saturdays():
    # 14 Feb, 24, 25, 26, 27, 28 Feb (Sat, make-up), 2, 3, 4, 5 Mar.
    assert LIBRARY.add_workdays(D(2026, 2, 13), 10) == (D(2026, 3, 5), False)


def test_spring_festival_2026_explanation_names_the_days_and_why():
    explanation = LIBRARY.explain(D(2026, 2, 13), D(2026, 3, 5), 10)
    skipped = {info.day: info.reason for info in explanation.skipped}
    assert [day for day in skipped if D(2026, 2, 15) <= day <= D(2026, 2, 23)] == [
        D(2026, 2, day) for day in range(15, 24)
    ]
    assert skipped[D(2026, 2, 17)] == "春节" and skipped[D(2026, 3, 1)] == "周末"
    assert [(info.day, info.reason) for info in explanation.makeup] == [
        (D(2026, 2, 14), "调休上班（春节）"),
        (D(2026, 2, 28), "调休上班（春节）"),
    ]
    assert not explanation.estimated


def test_national_day_2026_sign_for_lands_after_golden_week():
    # Wednesday 30 Sep; 1–7 Oct off → Thursday 8 Oct.
    assert LIBRARY.add_workdays(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)


def test_national_day_2026_make_up_saturday_10_october_counts():
    # 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, make-up).
    assert LIBRARY.add_workdays(D(2026, 9, 30), 3) == (D(2026, 10, 10), False)
    # 10 working days: 8, 9, 10, 12, 13, 14, 15, 16, 19, 20 Oct.
    assert LIBRARY.add_workdays(D(2026, 9, 30), 10) == (D(2026, 10, 20), False)


def test_national_day_2026_make_up_sunday_20_september_counts():
    assert LIBRARY.add_workdays(D(2026, 9, 18), 1) == (D(2026, 9, 20), False)
    assert LIBRARY.day(D(2026, 9, 20)).reason == "调休上班（国庆节）"


def test_mid_autumn_2026_is_skipped_with_its_name():
    # Thursday 24 Sep; 25–27 Sep off (中秋节) → Monday 28 Sep.
    assert LIBRARY.add_workdays(D(2026, 9, 24), 1) == (D(2026, 9, 28), False)
    assert LIBRARY.day(D(2026, 9, 25)).reason == "中秋节"


# --- the statutory rules, checked against the library's own years ----------------------------
@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_off_is_a_holiday_in_the_library(year):
    # The rules (元旦, 除夕 + 初一–初三, 清明, 1–2 May, 端午, 中秋, 1–3 Oct, 补假 for a weekend one)
    # must agree with the State Council's real schedule wherever the library knows it.
    days = statutory_days_off(year)
    assert days and all(not chinese_calendar.is_workday(item.day) for item in days)
    assert all(chinese_calendar.get_holiday_detail(item.day)[1] == item.holiday for item in days)


def test_statutory_days_off_2026_spelled_out():
    assert [(item.day, item.name) for item in statutory_days_off(2026)] == [
        (D(2026, 1, 1), "元旦"),
        (D(2026, 2, 16), "春节"),  # 除夕
        (D(2026, 2, 17), "春节"),  # 正月初一
        (D(2026, 2, 18), "春节"),
        (D(2026, 2, 19), "春节"),
        (D(2026, 4, 5), "清明节"),  # a Sunday …
        (D(2026, 4, 6), "清明节补假"),  # … given back on Monday
        (D(2026, 5, 1), "劳动节"),
        (D(2026, 5, 2), "劳动节"),  # a Saturday …
        (D(2026, 5, 4), "劳动节补假"),
        (D(2026, 6, 19), "端午节"),
        (D(2026, 9, 25), "中秋节"),
        (D(2026, 10, 1), "国庆节"),
        (D(2026, 10, 2), "国庆节"),
        (D(2026, 10, 3), "国庆节"),  # a Saturday …
        (D(2026, 10, 5), "国庆节补假"),
    ]


def test_statutory_days_off_2027_spelled_out():
    # 春节 2027: 初一 is Saturday 6 Feb, so 除夕 5 Feb, 6–8 Feb, and 9–10 Feb in lieu of the weekend.
    # 清明 Monday 5 Apr; 端午 Wednesday 9 Jun; 中秋 Wednesday 15 Sep; 1–3 Oct Fri–Sun → 4–5 Oct.
    assert [item.day for item in statutory_days_off(2027)] == [
        D(2027, 1, 1),
        D(2027, 2, 5),
        D(2027, 2, 6),
        D(2027, 2, 7),
        D(2027, 2, 8),
        D(2027, 2, 9),
        D(2027, 2, 10),
        D(2027, 4, 5),
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 5, 3),
        D(2027, 5, 4),
        D(2027, 6, 9),
        D(2027, 9, 15),
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
        D(2027, 10, 4),
        D(2027, 10, 5),
    ]


def test_qingming_follows_the_solar_term_not_a_fixed_date():
    qingming = {
        year: [i.day for i in statutory_days_off(year) if i.name == "清明节"] for year in (2027, 2028)
    }
    assert qingming == {2027: [D(2027, 4, 5)], 2028: [D(2028, 4, 4)]}


# --- 2027, which the library does not know ----------------------------------------------------
def test_2027_is_not_covered_and_never_crashes():
    assert LIBRARY.coverage(2027) == "none"
    assert LIBRARY.is_workday(D(2027, 2, 11)) == (True, True)
    assert LIBRARY.is_workday(D(2027, 2, 6)) == (False, True)


def test_assigned_30_december_2026_with_3_working_days_falls_on_5_january_2027_estimated():
    # Wednesday 30 Dec 2026 + 3: Thursday 31 Dec, (Friday 1 Jan 2027 元旦 off, 2–3 Jan weekend),
    # Monday 4 Jan, Tuesday 5 Jan — and marked 估算 because 2027 is not covered.
    assert LIBRARY.add_workdays(D(2026, 12, 30), 3) == (D(2027, 1, 5), True)
    new_year = LIBRARY.day(D(2027, 1, 1))
    assert (new_year.working, new_year.estimated, new_year.reason) == (False, True, "元旦")


def test_spring_festival_2027_without_overrides_is_estimated_from_the_law():
    # Friday 5 Feb 2027 (除夕) + 3: 6–8 Feb off, 9–10 Feb 补假, then 11, 12, 15 Feb — estimated.
    assert LIBRARY.add_workdays(D(2027, 2, 5), 3) == (D(2027, 2, 15), True)
    # Friday 29 Jan + 1: Monday 1 Feb (the make-up Sunday 31 Jan is not known yet).
    assert LIBRARY.add_workdays(D(2027, 1, 29), 1) == (D(2027, 2, 1), True)


def test_spring_festival_2027_with_the_entered_schedule_is_exact():
    # 6–14 Feb off → 15, 16, 17 Feb.
    assert ENTERED.add_workdays(D(2027, 2, 5), 3) == (D(2027, 2, 17), False)
    # The make-up Sunday 31 Jan now counts.
    assert ENTERED.add_workdays(D(2027, 1, 29), 1) == (D(2027, 1, 31), False)
    assert ENTERED.coverage(2027) == "entered"
    assert ENTERED.estimated_days_off(2027) == {}


def test_national_day_2027_estimated_then_exact():
    # Thursday 30 Sep 2027 + 1: 1–3 Oct off, 4–5 Oct 补假 → Wednesday 6 Oct (estimated) …
    assert LIBRARY.add_workdays(D(2027, 9, 30), 1) == (D(2027, 10, 6), True)
    # … and Friday 8 Oct once 1–7 Oct are entered; 3 days: 8, 9 (Sat, make-up), 11 Oct.
    assert ENTERED.add_workdays(D(2027, 9, 30), 1) == (D(2027, 10, 8), False)
    assert ENTERED.add_workdays(D(2027, 9, 30), 3) == (D(2027, 10, 11), False)


def test_deadline_crossing_into_2027_is_estimated_and_explained():
    # Monday 28 Dec 2026 + 10: 29, 30, 31 Dec, (1 Jan 元旦 off), 4–8, 11, 12 Jan.
    due, estimated = LIBRARY.add_workdays(D(2026, 12, 28), 10)
    assert (due, estimated) == (D(2027, 1, 12), True)
    explanation = LIBRARY.explain(D(2026, 12, 28), due, 10)
    assert explanation.estimated_years == [2027]
    assert [(i.day, i.reason, i.estimated) for i in explanation.skipped][0] == (D(2027, 1, 1), "元旦", True)
    # With New Year's Day entered the deadline is the same day, now exact.
    assert ENTERED.add_workdays(D(2026, 12, 28), 10) == (D(2027, 1, 12), False)


def test_a_local_override_alone_does_not_make_2027_exact():
    closure = WorkCalendar([Override(D(2027, 3, 1), False, "县域停工", source=LOCAL, note="台风")])
    assert closure.coverage(2027) == "none"
    assert closure.add_workdays(D(2027, 2, 26), 1) == (D(2027, 3, 2), True)
    assert closure.day(D(2027, 3, 1)).reason == "县域停工（台风）"


def test_local_closure_in_a_covered_year_is_skipped_exactly():
    closure = WorkCalendar([Override(D(2026, 11, 23), False, "县域停工", source=LOCAL)])
    # Friday 20 Nov 2026 + 1: Monday 23 Nov closed → Tuesday 24 Nov.
    assert closure.add_workdays(D(2026, 11, 20), 1) == (D(2026, 11, 24), False)


def test_workdays_between_counts_days_past_a_deadline():
    # Due Friday 25 Sep 2026 … today Thursday 8 Oct: only 28, 29, 30 Sep and 8 Oct were worked.
    assert LIBRARY.workdays_between(D(2026, 9, 25), D(2026, 10, 8)) == 4


@pytest.mark.django_db
def test_calendar_loads_the_admins_rows():
    WorkdayOverride.objects.create(date=D(2027, 2, 8), is_workday=False, name="春节", source=STATE_COUNCIL)
    calendar = WorkCalendar.load()
    assert calendar.coverage(2027) == "entered"
    assert calendar.add_workdays(D(2027, 2, 5), 1) == (D(2027, 2, 9), False)


def test_a_days_label_follows_the_active_language_on_one_calendar():
    """The calendar keeps each day it was asked about, per language: an English reader after a
    Chinese one on the same (process-wide) calendar gets English labels, and back again."""
    from django.utils import translation

    calendar = WorkCalendar()
    national_day = dt.date(2026, 10, 1)
    with translation.override("zh-hans"):
        chinese = calendar.day(national_day).reason
    with translation.override("en"):
        english = calendar.day(national_day).reason
    with translation.override("zh-hans"):
        again = calendar.day(national_day).reason
    assert chinese == again == "国庆节"
    assert english == "National Day"
    assert calendar.is_workday(national_day) == (False, False)
    assert calendar.is_workday(dt.date(2026, 10, 10)) == (True, False)  # make-up Saturday

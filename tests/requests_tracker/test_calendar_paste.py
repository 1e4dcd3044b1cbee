"""The admin's calendar page shows which days the estimate assumed for an uncovered year, and one
form takes the State Council's schedule for a year (dates spelled out)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from requests_tracker.models import WorkdayOverride
from requests_tracker.services import calendar as cal
from requests_tracker.workdays import WorkCalendar

D = dt.date

NOTICE_OFF = """元旦：1月1日（星期五）放假，与周末连休。
春节：2月6日（星期六）至14日（星期日）放假调休，共9天。
国庆节 2027-10-01 至 2027-10-07
"""
NOTICE_ON = "春节：1月31日（星期日）、2月20日（星期六）上班。\n国庆节：2027/9/25、2027年10月9日"


def test_parse_reads_the_notice_wording_with_ranges_and_day_only_ends():
    days = cal.parse_schedule(NOTICE_OFF, 2027, default_name="放假", field="days_off")
    assert [d.day for d in days] == [D(2027, 1, 1), *[D(2027, 2, n) for n in range(6, 15)]] + [
        D(2027, 10, n) for n in range(1, 8)
    ]
    assert {d.name for d in days} == {"元旦", "春节", "国庆节"}
    on = cal.parse_schedule(NOTICE_ON, 2027, default_name="调休上班", field="workdays")
    assert [d.day for d in on] == [D(2027, 1, 31), D(2027, 2, 20), D(2027, 9, 25), D(2027, 10, 9)]


@pytest.mark.parametrize(
    "text,message",
    [
        ("春节：2月30日", "不是有效日期"),
        ("2026-12-31", "不在 2027 年内"),
        ("春节放假", "没有找到日期"),
        ("2月14日至2月6日", "顺序颠倒"),
    ],
)
def test_parse_names_the_bad_line(text, message):
    with pytest.raises(ValidationError) as refused:
        cal.parse_schedule(text, 2027, default_name="放假", field="days_off")
    assert message in refused.value.message_dict["days_off"][0]


def test_entering_the_schedule_makes_2027_exact(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = cal.calendar_schedule_enter(
            actor=None, year=2027, days_off=NOTICE_OFF, workdays_text=NOTICE_ON
        )
    assert counts == {"days_off": 17, "workdays": 4}
    calendar = WorkCalendar.load()
    assert calendar.coverage(2027) == "entered"
    # Wednesday 30 Dec 2026 + 3: 31 Dec, (1 Jan off), 4 and 5 Jan — now exact.
    assert calendar.add_workdays(D(2026, 12, 30), 3) == (D(2027, 1, 5), False)
    # Friday 29 Jan 2027 + 1: the make-up Sunday 31 Jan.
    assert calendar.add_workdays(D(2027, 1, 29), 1) == (D(2027, 1, 31), False)


def test_a_second_entry_replaces_the_first_and_keeps_local_rows(db):
    WorkdayOverride.objects.create(date=D(2027, 3, 1), is_workday=False, name="县域停工", source="local")
    cal.calendar_schedule_enter(actor=None, year=2027, days_off=NOTICE_OFF, workdays_text=NOTICE_ON)
    cal.calendar_schedule_enter(actor=None, year=2027, days_off="元旦：1月1日", workdays_text="")
    assert list(WorkdayOverride.objects.values_list("date", "source")) == [
        (D(2027, 1, 1), "state_council"),
        (D(2027, 3, 1), "local"),
    ]


@pytest.mark.parametrize(
    "off,on,field,message",
    [
        ("元旦：1月1日", "1月1日", "workdays", "同时出现在放假和上班日期中"),
        ("元旦：1月1日", "2月8日", "workdays", "本来就是工作日"),
        ("", "", "days_off", "至少填写一个放假日期"),
        ("3月1日", "", "days_off", "已有本地调整记录"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_written(db, off, on, field, message):
    WorkdayOverride.objects.create(date=D(2027, 3, 1), is_workday=False, name="县域停工", source="local")
    with pytest.raises(ValidationError) as refused:
        cal.calendar_schedule_enter(actor=None, year=2027, days_off=off, workdays_text=on)
    assert message in refused.value.message_dict[field][0]
    assert WorkdayOverride.objects.count() == 1


def test_calendar_page_lists_the_estimated_days_off(cast, login, freeze):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    body = login(cast.users["admin"]).get(reverse("requests_tracker:calendar")).content.decode()
    assert "2027 年估算所用的放假日" in body
    assert "2027-01-01（周五）元旦" in body and "2027-02-09（周二）春节补假" in body
    assert "2026 年估算所用的放假日" not in body  # the library knows 2026


def test_paste_form_is_prefilled_with_the_estimate_and_saves(
    cast, login, freeze, django_capture_on_commit_callbacks
):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    client = login(cast.users["admin"])
    form = client.get(reverse("requests_tracker:calendar_paste")).context["form"]
    assert form.initial["year"] == 2027
    lines = form.initial["days_off"].splitlines()
    assert lines[:3] == ["元旦：2027-01-01", "春节：2027-02-05 至 2027-02-10", "清明节：2027-04-05"]
    # The prefilled lines read back as exactly the estimate's days off.
    parsed = cal.parse_schedule(form.initial["days_off"], 2027, default_name="放假", field="days_off")
    assert len(parsed) == 19
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests_tracker:calendar_paste"),
            {"year": "2027", "days_off": NOTICE_OFF, "workdays_text": NOTICE_ON},
        )
    assert response.status_code == 302 and WorkdayOverride.objects.count() == 21


def test_paste_form_shows_the_error_on_the_field(cast, login):
    response = login(cast.users["admin"]).post(
        reverse("requests_tracker:calendar_paste"),
        {"year": "2027", "days_off": "春节：2月30日", "workdays_text": ""},
    )
    assert response.status_code == 400 and "不是有效日期" in response.context["form"].errors["days_off"][0]
    assert not WorkdayOverride.objects.exists()


def test_paste_form_is_for_admins_only(cast, login):
    assert login(cast.users["supervisor"]).get(reverse("requests_tracker:calendar_paste")).status_code == 403

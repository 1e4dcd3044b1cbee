"""flag_overdue selects in SQL only the requests a run would change: the selection equals what
checking every open request one by one changes, day after day, and a run with nothing to do
reads no request and costs the same few queries however many requests are open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qiqing.models import Notification
from requests_tracker.models import Request, RequestEvent, SupervisionNotice
from requests_tracker.services import jobs
from requests_tracker.workdays import WorkCalendar
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


def _state() -> dict:
    state = {}
    for request in Request.objects.order_by("pk"):
        state[request.pk] = (
            request.is_overdue,
            request.sign_overdue,
            request.contact_overdue,
            RequestEvent.objects.filter(request=request).count(),
            SupervisionNotice.objects.filter(request=request).count(),
            Notification.objects.filter(dedupe_key__contains=f":{request.pk}:").count(),
        )
    return state


def _varied_requests(cast, start: dt.date) -> None:
    calendar = WorkCalendar.load()
    for offset in range(-6, 3):
        due = calendar.add_workdays(start, offset)[0] if offset > 0 else start + dt.timedelta(days=offset)
        cast.build_request("in_progress", response_due=due, contacted_at=None, contact_due=due)
        cast.build_request("assigned", sign_due=due, response_due=due + dt.timedelta(days=9))
        cast.build_request("escalated", response_due=due)
        cast.build_request("reopened", sign_due=due, response_due=due + dt.timedelta(days=2))
    # Flags left set by an earlier deadline that an extension has since moved.
    cast.build_request("in_progress", response_due=start + dt.timedelta(days=30), is_overdue=True)
    cast.build_request("assigned", sign_due=start + dt.timedelta(days=5), sign_overdue=True)


def test_the_selection_is_exactly_what_checking_every_request_changes(cast, freeze):
    start = D(2026, 11, 2)
    _varied_requests(cast, start)
    calendar = WorkCalendar.load()
    seen = []
    for day_index in range(12):
        today = start + dt.timedelta(days=day_index)
        now = freeze(dt.datetime.combine(today, dt.time(2, 0)))
        if day_index == 6:  # a second handler joins the lead unit: reminders are due to them too
            f.StaffRoleFactory(user__username="t_lead2", role="handler", unit=cast.lead_unit)
        selected = set(
            Request.objects.filter(status__in=Request.CLOCK_STATUSES)
            .filter(jobs._changes(today, calendar))
            .values_list("pk", flat=True)
        )
        before = _state()
        for pk in Request.objects.filter(status__in=Request.CLOCK_STATUSES).values_list("pk", flat=True):
            jobs._supervise_one(pk, today, now, calendar)
        after = _state()
        changed = {pk for pk in after if after[pk] != before[pk]}
        assert selected == changed, (today, sorted(selected - changed), sorted(changed - selected))
        seen.append(len(changed))
    # Every day had work (flags, rungs, reminders) to compare, not an empty selection twice.
    assert sum(seen) >= 30 and min(seen) > 0


def test_a_run_with_nothing_to_do_reads_no_request_whatever_the_count(cast, freeze):
    today = D(2026, 11, 16)
    freeze(dt.datetime.combine(today, dt.time(2, 0)))
    counts = []
    for size in (3, 15):
        while Request.objects.count() < size:
            cast.build_request("in_progress", response_due=D(2026, 11, 2))
        first = jobs.flag_overdue_requests()
        assert first["checked"] > 0
        with CaptureQueriesContext(connection) as queries:
            again = jobs.flag_overdue_requests()
        assert again == dict.fromkeys(again, 0)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3


def test_ladder_cutoff_is_the_latest_deadline_that_many_working_days_back():
    calendar = WorkCalendar.load()
    today = D(2026, 11, 11)  # Wednesday
    for threshold in (0, 1, 3, 5, 12):
        cutoff = jobs._ladder_cutoff(today, threshold, calendar)
        assert calendar.workdays_between(cutoff, today) >= threshold
        assert cutoff == today - dt.timedelta(days=1) or (
            calendar.workdays_between(cutoff + dt.timedelta(days=1), today) < threshold
        )

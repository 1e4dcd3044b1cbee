"""The scheduled pieces: flag_overdue (flags, supervision ladder, reminders), auto_close, and their
idempotence — a second run for the same moment changes nothing; a run killed half-way is finished
by the next one without doing anything twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qiqing.celery import app
from qiqing.models import JobRun, Notification
from requests_tracker import services, tasks
from requests_tracker.models import Request, RequestEvent, SupervisionNotice
from requests_tracker.services import jobs as service_jobs

pytestmark = pytest.mark.django_db

D = dt.date


def _run(freeze, day: dt.date) -> dict:
    freeze(dt.datetime.combine(day, dt.time(2, 0)))
    return tasks.flag_overdue(trigger="manual")


def _state(request):
    fresh = Request.objects.get(pk=request.pk)
    return (
        fresh.is_overdue,
        fresh.sign_overdue,
        fresh.contact_overdue,
        fresh.version,
        RequestEvent.objects.filter(request=request).count(),
        SupervisionNotice.objects.filter(request=request).count(),
        Notification.objects.count(),
    )


def test_overdue_request_is_flagged_once_with_one_event_and_one_notice(cast, freeze):
    request = cast.build_request("in_progress", response_due=D(2026, 11, 6), contacted_at=None)
    counts = _run(freeze, D(2026, 11, 9))  # Monday: 1 working day past Friday's deadline
    fresh = Request.objects.get(pk=request.pk)
    assert fresh.is_overdue and counts["overdue"] == 1 and counts["notices"] == 1
    assert fresh.events.filter(action="overdue").count() == 1
    assert Notification.objects.filter(kind="overdue", recipient=cast.users["lead"]).count() == 1
    before = _state(request)
    again = _run(freeze, D(2026, 11, 9))
    assert _state(request) == before
    assert (again["overdue"], again["notices"], again["reminders"]) == (0, 0, 0)


def test_supervision_ladder_reminder_yellow_red(cast, freeze):
    request = cast.build_request("in_progress", response_due=D(2026, 11, 6))
    _run(freeze, D(2026, 11, 9))  # 1 working day → 催办
    _run(freeze, D(2026, 11, 10))  # 2 → nothing new
    _run(freeze, D(2026, 11, 11))  # 3 → 黄牌
    _run(freeze, D(2026, 11, 13))  # 5 → 红牌
    _run(freeze, D(2026, 11, 16))  # 6 → nothing new
    notices = list(SupervisionNotice.objects.filter(request=request).order_by("issued_at"))
    assert [(n.level, n.days_overdue, timezone.localdate(n.issued_at)) for n in notices] == [
        ("reminder", 1, D(2026, 11, 9)),
        ("yellow", 3, D(2026, 11, 11)),
        ("red", 5, D(2026, 11, 13)),
    ]
    assert [n.label for n in notices] == ["督办〔2026〕第1号", "督办〔2026〕第2号", "督办〔2026〕第3号"]
    assert {(n.unit, n.town) for n in notices} == {(cast.lead_unit, cast.town)}


def test_weekend_does_not_count_toward_the_ladder(cast, freeze):
    request = cast.build_request("in_progress", response_due=D(2026, 11, 6))
    _run(freeze, D(2026, 11, 8))  # Sunday: overdue, but 0 working days late
    assert Request.objects.get(pk=request.pk).is_overdue
    assert not SupervisionNotice.objects.exists()


def test_a_job_that_missed_days_issues_only_the_rung_reached(cast, freeze):
    request = cast.build_request("in_progress", response_due=D(2026, 11, 6))
    _run(freeze, D(2026, 11, 13))  # first run 5 working days late
    assert list(SupervisionNotice.objects.filter(request=request).values_list("level", flat=True)) == ["red"]


def test_thresholds_come_from_settings(cast, freeze, settings):
    settings.QIQING_NOTICE_THRESHOLDS = {"reminder": 2, "yellow": 4, "red": 8}
    cast.build_request("in_progress", response_due=D(2026, 11, 6))
    _run(freeze, D(2026, 11, 9))
    assert not SupervisionNotice.objects.exists()
    _run(freeze, D(2026, 11, 10))
    assert list(SupervisionNotice.objects.values_list("level", flat=True)) == ["reminder"]


def test_escalated_requests_are_flagged_but_not_carded(cast, freeze):
    request = cast.build_request("escalated", response_due=D(2026, 11, 6))
    _run(freeze, D(2026, 11, 13))
    assert Request.objects.get(pk=request.pk).is_overdue and not SupervisionNotice.objects.exists()


def test_late_sign_for_and_first_contact_are_flagged_separately(cast, freeze):
    assigned = cast.build_request(
        "assigned", sign_due=D(2026, 11, 5), contact_due=D(2026, 11, 9), response_due=D(2026, 11, 19)
    )
    counts = _run(freeze, D(2026, 11, 6))
    fresh = Request.objects.get(pk=assigned.pk)
    assert (fresh.sign_overdue, fresh.contact_overdue, fresh.is_overdue) == (True, False, False)
    assert counts["sign_late"] == 1
    services.request_sign(actor=cast.users["lead"], request=fresh)
    _run(freeze, D(2026, 11, 10))
    fresh = Request.objects.get(pk=assigned.pk)
    assert (fresh.sign_overdue, fresh.contact_overdue) == (False, True)


def test_deadline_tomorrow_reminder_is_sent_once(cast, freeze):
    # Friday 13 Nov: the response is due Monday 16 Nov, the next working day.
    request = cast.build_request(
        "in_progress", response_due=D(2026, 11, 16), contacted_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    )
    _run(freeze, D(2026, 11, 13))
    _run(freeze, D(2026, 11, 13))
    reminders = Notification.objects.filter(kind="due_soon", recipient=cast.users["lead"])
    assert reminders.count() == 1 and "2026-11-16" in reminders.get().title
    assert not Request.objects.get(pk=request.pk).is_overdue


def test_extension_clears_the_overdue_flag_and_the_job_agrees(cast, freeze):
    request = cast.build_request("in_progress", response_due=D(2026, 11, 6), pending_extension=True)
    _run(freeze, D(2026, 11, 9))
    services.request_extend_decide(
        actor=cast.users["supervisor"], request=Request.objects.get(pk=request.pk), approve=True
    )
    _run(freeze, D(2026, 11, 10))
    assert not Request.objects.get(pk=request.pk).is_overdue


def test_a_run_killed_half_way_is_finished_by_the_next(cast, freeze, monkeypatch):
    first = cast.build_request("in_progress", response_due=D(2026, 11, 6))
    second = cast.build_request("in_progress", response_due=D(2026, 11, 6))
    real = service_jobs._issue_notice

    def crash_on_second(locked, *args):
        if locked.pk == second.pk:
            raise RuntimeError("worker killed")
        return real(locked, *args)

    monkeypatch.setattr(service_jobs, "_issue_notice", crash_on_second)
    with pytest.raises(RuntimeError):
        _run(freeze, D(2026, 11, 9))
    assert JobRun.objects.get(name="flag_overdue").ok is False
    assert Request.objects.get(pk=first.pk).is_overdue and not Request.objects.get(pk=second.pk).is_overdue
    monkeypatch.setattr(service_jobs, "_issue_notice", real)
    _run(freeze, D(2026, 11, 9))
    assert SupervisionNotice.objects.filter(request=first).count() == 1
    assert SupervisionNotice.objects.filter(request=second).count() == 1
    assert RequestEvent.objects.filter(action="overdue").count() == 2


def test_auto_close_closes_unrated_responses_after_the_window(cast, freeze):
    freeze(dt.datetime(2026, 11, 9, 10, 0))
    unrated = cast.build_request("responded", rating_due=D(2026, 11, 6))
    rated = cast.build_request("responded_rated")
    not_yet = cast.build_request("responded", rating_due=D(2026, 11, 9))
    assert tasks.auto_close(trigger="manual") == {"closed": 1}
    assert tasks.auto_close(trigger="manual") == {"closed": 0}
    closed = Request.objects.get(pk=unrated.pk)
    assert closed.status == "closed" and closed.events.get(action="auto_close").actor is None
    assert Request.objects.get(pk=rated.pk).status == "responded"
    assert Request.objects.get(pk=not_yet.pk).status == "responded"
    assert list(JobRun.objects.filter(name="auto_close").values_list("ok", flat=True)) == [True, True]


def test_commands_run_the_jobs_and_record_the_trigger(cast, freeze, capsys):
    cast.build_request("in_progress", response_due=D(2026, 11, 6))
    freeze(dt.datetime(2026, 11, 9, 2, 0))
    call_command("flag_overdue", today="2026-11-09")
    call_command("auto_close")
    call_command("drain_outbox")
    assert "notices=1" in capsys.readouterr().out
    assert set(JobRun.objects.values_list("name", "trigger")) == {
        ("flag_overdue", "command"),
        ("auto_close", "command"),
        ("drain_outbox", "command"),
    }


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("flag_overdue", today="9/11/2026")


def test_task_names_are_registered():
    app.loader.import_default_modules()
    for name in (
        "requests_tracker.tasks.flag_overdue",
        "requests_tracker.tasks.auto_close",
        "requests_tracker.tasks.drain_outbox",
        "qiqing.notifications.send_notification_email",
    ):
        assert name in app.tasks


@pytest.mark.django_db
def test_a_redelivered_task_closes_the_run_its_dead_worker_left_open():
    """acks_late hands a killed worker's message to another worker with the same task id: the
    re-run marks the abandoned run interrupted instead of leaving it "running" for ever."""
    from qiqing.jobs import INTERRUPTED

    abandoned = JobRun.objects.create(name="flag_overdue", task_id="msg-1")
    other = JobRun.objects.create(name="flag_overdue", task_id="msg-2")  # a different message, still running
    tasks.flag_overdue.apply(task_id="msg-1", kwargs={"trigger": "beat"})
    abandoned.refresh_from_db()
    other.refresh_from_db()
    assert (abandoned.ok, abandoned.error) == (False, INTERRUPTED) and abandoned.finished_at is not None
    assert (other.ok, other.finished_at) == (None, None)
    rerun = JobRun.objects.exclude(pk__in=[abandoned.pk, other.pk]).get()
    assert (rerun.name, rerun.task_id, rerun.ok) == ("flag_overdue", "msg-1", True)


@pytest.mark.django_db
def test_a_job_run_from_the_command_line_carries_no_task_id():
    call_command("flag_overdue", stdout=StringIO())
    assert list(JobRun.objects.values_list("name", "task_id", "ok")) == [("flag_overdue", "", True)]

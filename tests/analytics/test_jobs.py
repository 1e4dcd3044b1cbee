"""The beat schedule, the task options and retry policy, and the run log of every job."""

import datetime as dt
from datetime import timedelta

import pytest
from celery.beat import Scheduler
from celery.schedules import crontab
from django.conf import settings
from django.core.management import get_commands
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from analytics import jobs, tasks
from analytics.models import Snapshot
from qiqing.celery import app
from qiqing.models import JobRun

pytestmark = pytest.mark.django_db

ANALYTICS_JOBS = ("compute_snapshots", "rank_towns", "remind_unvisited", "cluster_problems")
LIFECYCLE_TASKS = {
    "flag_overdue": "requests_tracker.tasks.flag_overdue",
    "auto_close": "requests_tracker.tasks.auto_close",
    "drain_outbox": "requests_tracker.tasks.drain_outbox",
    "spotcheck": "requests_tracker.tasks.spotcheck",
}


def test_beat_schedule_names_every_job_and_task():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {name: entry["task"] for name, entry in schedule.items()} == {
        **{name: f"analytics.tasks.{name}" for name in ANALYTICS_JOBS},
        **LIFECYCLE_TASKS,
    }
    assert app.conf.timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    "name,minute,hour,day_of_week,text",
    [
        ("compute_snapshots", {30}, {0}, set(range(7)), "每天 00:30"),
        ("rank_towns", {0}, {7}, {1}, "每周一 07:00"),
        ("remind_unvisited", {30}, {8}, {1}, "每周一 08:30"),
        ("cluster_problems", {30}, {1}, set(range(7)), "每天 01:30"),
        ("flag_overdue", set(range(0, 60, 15)), set(range(24)), set(range(7)), "每 15 分钟"),
        ("auto_close", {0}, {1}, set(range(7)), "每天 01:00"),
        ("drain_outbox", set(range(0, 60, 5)), set(range(24)), set(range(7)), "每 5 分钟"),
        ("spotcheck", {30}, {6}, {1}, "每周一 06:30"),
    ],
)
def test_schedules_fire_when_intended_and_read_in_chinese(name, minute, hour, day_of_week, text):
    schedule = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.minute, schedule.hour, schedule.day_of_week) == (minute, hour, day_of_week)
    assert jobs.describe_schedule(schedule) == text


def test_describe_schedule_handles_intervals():
    assert jobs.describe_schedule(timedelta(minutes=10)) == "每 10 分钟"
    assert jobs.describe_schedule(7200) == "每 2 小时"


def test_each_analytics_job_is_a_management_command_of_the_same_name():
    commands = get_commands()
    assert all(commands.get(name) == "analytics" for name in ANALYTICS_JOBS)


@pytest.mark.parametrize("name", ANALYTICS_JOBS)
def test_tasks_ack_late_and_retry_only_transient_database_errors(name):
    task = app.tasks[f"analytics.tasks.{name}"]
    assert task.acks_late is True
    assert tuple(task.autoretry_for) == (OperationalError, InterfaceError)
    assert task.max_retries == 5


def test_beat_entries_run_their_jobs(world):
    """What beat does at the scheduled time — send each entry's task — runs the job (eagerly here)."""
    scheduler = Scheduler(app=app, lazy=True)
    scheduler.setup_schedule()
    for name in ANALYTICS_JOBS:
        scheduler.apply_entry(scheduler.schedule[name], producer=None)
    runs = {run.name: run for run in JobRun.objects.all()}
    assert set(runs) == set(ANALYTICS_JOBS)
    assert all(run.ok and run.trigger == "beat" for run in runs.values())
    assert Snapshot.objects.filter(period="day").exists()


def test_a_transient_error_is_retried_and_the_retry_succeeds(world, monkeypatch):
    real = jobs.snapshots.compute_snapshots
    calls = []

    def connection_dropped_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs.snapshots, "compute_snapshots", connection_dropped_once)
    result = tasks.compute_snapshots.apply(throw=False)  # as on a worker: errors are results
    assert result.successful()
    assert list(JobRun.objects.order_by("started_at").values_list("ok", flat=True)) == [False, True]


def test_a_bug_fails_once_without_retrying_and_shows_on_the_log(world, monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(jobs.snapshots, "compute_snapshots", bug)
    result = tasks.compute_snapshots.apply(throw=False)  # as on a worker: errors are results
    assert result.failed()
    run = JobRun.objects.get()
    assert run.ok is False and "ZeroDivisionError: division by zero" in run.error


def test_task_arguments_travel_as_iso_dates(world):
    tasks.compute_snapshots.apply(kwargs={"first": "2025-10-01", "last": "2025-10-01", "trigger": "manual"})
    run = JobRun.objects.get()
    assert (run.trigger, run.counts["from"], run.counts["day"]) == ("manual", "2025-10-01", 1)
    assert Snapshot.objects.filter(period="day", period_start=dt.date(2025, 10, 1)).exists()


@pytest.mark.django_db
def test_run_now_runs_a_lifecycle_job_marked_manual():
    job = next(j for j in jobs.scheduled_jobs() if j.name == "drain_outbox")
    jobs.queue_now(job)  # eager in tests: runs inline like a worker would
    run = JobRun.objects.get(name="drain_outbox")
    assert (run.trigger, run.ok) == ("manual", True)


def test_every_job_counter_reads_in_chinese_on_the_jobs_page(world, login):
    """Each scheduled job runs once; every key of its counts has a label (no raw
    ``checked/overdue/sign_late`` on the page)."""
    for job in jobs.scheduled_jobs():
        jobs.queue_now(job)  # eager in tests: runs inline like a worker would
    keys = {key for run in JobRun.objects.all() for key in run.counts}
    assert {"checked", "sign_late", "closed", "sent"} <= keys
    assert keys - set(jobs.COUNT_LABELS) == set()
    body = login(world.users["admin"]).get(reverse("analytics:jobs")).content.decode()
    assert "检查诉求：" in body and "签收超期：" in body
    for raw in ("checked：", "sign_late：", "contact_late：", "overdue："):
        assert raw not in body

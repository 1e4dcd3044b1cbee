"""The one background-job runner (qiqing.jobs): its redelivery rule, failures, sharing."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.urls import reverse

from qiqing import jobs
from qiqing.models import BackgroundJob

pytestmark = pytest.mark.django_db
RUNS: list[int] = []


@pytest.fixture
def kind():
    """A kind declared for the test only (removed afterwards)."""

    def work(job):
        RUNS.append(job.pk)
        if job.params.get("fail") == "expected":
            raise jobs.JobFailed("文件第 3 行缺少企业名称。")
        if job.params.get("fail") == "bug":
            raise KeyError("town")
        job.report_progress(2, 2, "完成")
        return {"n": 2}

    jobs.background_job("test_kind", audience=lambda user: Q() if user.is_superuser else None)(work)
    RUNS.clear()
    yield "test_kind"
    jobs._KINDS.pop("test_kind", None)


def _job(owner, **params):
    return BackgroundJob.objects.create(kind="test_kind", title="测试", created_by=owner, params=params)


def test_a_pending_job_runs_once_and_is_left_alone_after(kind, world):
    job = _job(world.users["handler"])
    jobs.run(job.pk)
    jobs.run(job.pk)  # the broker delivered the message again
    job.refresh_from_db()
    assert [job.pk] == RUNS and job.status == "done" and job.result == {"n": 2} and job.percent == 100


def test_an_interrupted_job_runs_again_from_the_start(kind, world):
    job = _job(world.users["handler"])
    BackgroundJob.objects.filter(pk=job.pk).update(status="running", done=1, total=2)  # its worker died
    jobs.run(job.pk)
    job.refresh_from_db()
    assert [job.pk] == RUNS and job.status == "done"


def test_a_failed_job_is_not_run_again(kind, world):
    job = _job(world.users["handler"], fail="expected")
    jobs.run(job.pk)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert [job.pk] == RUNS and job.status == "failed" and job.error == "文件第 3 行缺少企业名称。"


def test_an_unexpected_error_is_recorded_with_its_kind_and_never_raised(kind, world):
    job = _job(world.users["handler"], fail="bug")
    jobs.run(job.pk)  # no exception escapes to Celery: a retry would only repeat it
    job.refresh_from_db()
    assert job.status == "failed" and "KeyError" in job.error and "未写入任何数据" in job.error


def test_an_undeclared_kind_cannot_be_started(world):
    with pytest.raises(ValueError, match="undeclared"):
        jobs.start("no_such_kind", actor=world.users["admin"], title="x")


def test_the_creator_and_the_kinds_audience_follow_a_job_others_get_404(kind, world, login):
    job = _job(world.users["handler"])
    for persona, status in (("handler", 200), ("admin", 200), ("supervisor", 404), ("cadre", 404)):
        response = login(world.users[persona]).get(reverse("job_status", args=[job.pk]))
        assert response.status_code == status, persona


def test_every_page_started_kind_is_declared():
    assert {"ledger_import", "monthly_report", "cluster_problems"} <= set(jobs.kinds())

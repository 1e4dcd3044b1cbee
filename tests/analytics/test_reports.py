"""月报: ordered from the page, built as a background job, stored under MEDIA_ROOT, downloadable
by its creator and staff in scope only, with the same numbers as the dashboard."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from analytics import services
from analytics.periods import Period
from qiqing.models import BackgroundJob
from tests import factories as f
from tests.analytics.helpers import as_sheet_value, login_redirect, metrics_json, rate_text, workbook

pytestmark = pytest.mark.django_db

REPORTS = reverse("analytics:reports")
TODAY = timezone.localdate()
LAST_MONTH = Period.containing("month", TODAY.replace(day=1) - dt.timedelta(days=1))


@pytest.fixture
def history(world):
    """Activity last month: visits, a closed request and an overdue one; a ranking week."""
    day = LAST_MONTH.start + dt.timedelta(days=3)
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=day)
    f.VisitFactory(enterprise=world.ent_b1, cadre=world.other_cadre, date=day)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    f.RequestFactory(
        enterprise=world.ent_a2, lead_unit=world.unit_hr, status="closed", submitted_at=at, assigned_at=at,
        response_due=day + dt.timedelta(days=5), responded_at=at + dt.timedelta(days=2), satisfaction="satisfied",
        rated_at=at + dt.timedelta(days=3), closed_at=at + dt.timedelta(days=3),
    )  # fmt: skip
    f.RequestFactory(
        enterprise=world.ent_b1, lead_unit=world.unit_edu, status="in_progress", submitted_at=at,
        assigned_at=at, response_due=day + dt.timedelta(days=2),
        category=f.CategoryFactory(name="子女就学"),
    )  # fmt: skip
    week = LAST_MONTH.end - dt.timedelta(days=LAST_MONTH.end.weekday())
    if week + dt.timedelta(days=6) > LAST_MONTH.end:
        week -= dt.timedelta(days=7)
    services.ranking_compute(week_start=week)
    return world


def _order(client, django_capture_on_commit_callbacks, **data):
    payload = {"month": f"{LAST_MONTH.start:%Y-%m}", **data}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORTS, payload)
    return response


def test_anonymous_is_sent_to_login(client):
    assert login_redirect(client.get(REPORTS))


@pytest.mark.parametrize("persona", ["handler", "cadre", "contact"])
def test_other_roles_are_refused(login, world, persona):
    client = login(world.users[persona])
    assert client.get(REPORTS).status_code == 403
    assert client.post(REPORTS, {"month": f"{LAST_MONTH.start:%Y-%m}"}).status_code == 403
    assert not BackgroundJob.objects.exists()


def test_ordering_a_report_runs_it_and_stores_the_file(login, history, django_capture_on_commit_callbacks):
    client = login(history.users["supervisor"])
    response = _order(client, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert response.url == reverse("job", args=[job.pk])
    assert job.status == "done" and job.percent == 100 and job.kind == services.MONTHLY_REPORT
    assert job.result_file.name.startswith("jobs/") and (settings.MEDIA_ROOT / job.result_file.name).exists()
    page = client.get(response.url).content.decode()
    assert reverse("job_file", args=[job.pk]) in page
    assert reverse("job_file", args=[job.pk]) in client.get(REPORTS).content.decode()


def test_the_report_has_the_dashboards_numbers(login, history, django_capture_on_commit_callbacks):
    client = login(history.users["supervisor"])
    _order(client, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    download = client.get(reverse("job_file", args=[job.pk]))
    assert "attachment" in download["Content-Disposition"]
    sheets = workbook(download)
    assert list(sheets) == [
        "说明",
        "主要指标",
        "各镇街走访覆盖",
        "问题分布",
        "红黑榜",
        "评价可信度",
        "三个100%",
        "交办批次",
    ]
    figures = metrics_json(LAST_MONTH)
    headline = {row[0]: row[1] for row in sheets["主要指标"][1:]}
    assert headline["走访次数"] == figures["visits"] == 2
    assert headline["收集诉求"] == figures["requests"] == 2
    assert f"{headline['走访覆盖率(%)']:.2f}" == figures["coverage_rate"]
    assert headline["月末超期件"] == figures["overdue"] == 1
    # The coverage dashboard for 上月 shows the same town table.
    dashboard = client.get(reverse("analytics:coverage"), {"period": "last_month"}).context["page"]
    expected = [[as_sheet_value(v) for v in row] for row in dashboard.by_town.sheet_rows()]
    assert sheets["各镇街走访覆盖"][1:] == expected
    mix = {row[0]: row for row in sheets["问题分布"][1:]}
    assert mix["子女就学"][1] == figures["category_counts"]["子女就学"] == 1
    assert f"{mix['子女就学'][2]:.2f}" == figures["issue_share"]["子女就学"]
    boards = {row[1]: row[4] for row in sheets["红黑榜"][1:]}
    assert set(boards) == {"甲镇", "乙镇"}
    trust = {row[0]: row[1] for row in sheets["评价可信度"][1:]}
    assert trust["逾期未评自动办结"] == figures["trust"]["unrated_closed"]
    assert trust["真实评价"] == figures["trust"]["rated"]


def test_a_town_report_has_the_towns_numbers(login, history, django_capture_on_commit_callbacks):
    client = login(history.users["town_supervisor"])
    _order(client, django_capture_on_commit_callbacks, town=history.town_b.pk)
    job = BackgroundJob.objects.get()
    assert job.params == {
        "month": f"{LAST_MONTH.start:%Y-%m}",
        "town": history.town_b.code,
        "language": "zh-hans",  # the report is written in the language of the page that ordered it
    }
    sheets = workbook(client.get(reverse("job_file", args=[job.pk])))
    headline = {row[0]: row[1] for row in sheets["主要指标"][1:]}
    figures = metrics_json(LAST_MONTH, town=history.town_b.code)
    assert (
        headline["走访次数"] == figures["visits"]
        and rate_text(headline["办结率(%)"]) == figures["closure_rate"]
    )
    assert [row[0] for row in sheets["各镇街走访覆盖"][1:]] == ["乙镇"]


def test_a_town_supervisor_cannot_order_another_towns_report(login, history):
    response = login(history.users["town_supervisor"]).post(
        REPORTS, {"month": f"{LAST_MONTH.start:%Y-%m}", "town": history.town_a.pk}
    )
    assert response.status_code == 200 and "范围" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_a_bad_month_is_refused_with_a_message(login, world):
    response = login(world.users["supervisor"]).post(REPORTS, {"month": "1999-01"})
    assert response.status_code == 200 and response.context["form"].errors["month"]
    assert not BackgroundJob.objects.exists()


def test_who_may_follow_and_download_a_report(login, history, django_capture_on_commit_callbacks):
    _order(login(history.users["supervisor"]), django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    urls = [reverse(name, args=[job.pk]) for name in ("job", "job_status", "job_file")]
    other_county = f.StaffRoleFactory(user__username="p_county_2", role="supervisor").user
    for url in urls:
        assert login(history.users["admin"]).get(url).status_code == 200
        assert login(other_county).get(url).status_code == 200  # county staff: a county report
        assert login(history.users["town_supervisor"]).get(url).status_code == 404
        assert login(history.users["handler"]).get(url).status_code == 404


def test_a_town_report_is_for_that_towns_supervisors_too(login, history, django_capture_on_commit_callbacks):
    _order(login(history.users["supervisor"]), django_capture_on_commit_callbacks, town=history.town_b.pk)
    job = BackgroundJob.objects.get()
    url = reverse("job_file", args=[job.pk])
    assert login(history.users["town_supervisor"]).get(url).status_code == 200
    town_a_supervisor = f.StaffRoleFactory(
        user__username="p_town_a", role="supervisor", town=history.town_a
    ).user
    assert login(town_a_supervisor).get(url).status_code == 404


def test_a_pending_job_polls_and_has_nothing_to_download(login, world):
    job = services.monthly_report_request(actor=world.users["supervisor"], month=LAST_MONTH.start, town=None)
    client = login(world.users["supervisor"])
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert f'data-job-poll="{reverse("job_status", args=[job.pk])}"' in page
    assert client.get(reverse("job_status", args=[job.pk])).json()["status"] == "pending"
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_a_failed_job_shows_its_error(login, world, monkeypatch, django_capture_on_commit_callbacks):
    from analytics import reports

    def broken(*args, **kwargs):
        raise RuntimeError("数据库暂时不可用")

    monkeypatch.setattr(reports, "monthly_report", broken)
    client = login(world.users["supervisor"])
    response = _order(client, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert job.status == "failed" and "数据库暂时不可用" in job.error
    assert "任务失败" in client.get(response.url).content.decode()


def test_reports_page_query_count_does_not_grow(login, world):
    from tests.analytics.helpers import count_queries

    client = login(world.users["supervisor"])
    client.get(REPORTS)
    small = count_queries(client, REPORTS)
    for month in range(1, 9):
        services.monthly_report_request(
            actor=world.users["supervisor"], month=dt.date(2026, month, 1), town=None
        )
    assert count_queries(client, REPORTS) == small

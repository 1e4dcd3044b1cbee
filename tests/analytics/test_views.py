"""The analytics pages: who may open them, what scope they show, and a fixed number of queries."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics import services
from qiqing.models import JobRun
from tests import factories as f

pytestmark = pytest.mark.django_db


def _login_redirect(response):
    return response.status_code == 302 and response.url.startswith(reverse("login"))


# --- 我的履职 / a cadre's record -----------------------------------------------------------------


def test_my_record_requires_login(client):
    assert _login_redirect(client.get(reverse("analytics:my_record")))


def test_my_record_is_for_cadres_only(login, world):
    assert login(world.users["supervisor"]).get(reverse("analytics:my_record")).status_code == 403


def test_my_record_shows_the_cadres_own_figures_and_enterprises(login, world):
    body = login(world.users["cadre"]).get(reverse("analytics:my_record")).content.decode()
    assert "我的履职" in body and "本月" in body and "本季度" in body and "本年" in body
    assert "甲一精密机械有限公司" in body and "甲二纺织有限公司" in body
    assert "乙一新材料有限公司" not in body
    # visit_a1 (today, 张三) covers one of two enterprises this month.
    assert re.findall(r'data-metric="coverage">([^<]*)<', body)[0] == "1 / 2"
    assert re.findall(r'data-metric="coverage_rate">([^<]*)<', body)[0] == "50.00%"


def test_cadre_record_requires_login(client, world):
    assert _login_redirect(client.get(reverse("analytics:cadre_record", args=[world.cadre.pk])))


@pytest.mark.parametrize("persona", ["handler", "contact", "outsider"])
def test_cadre_record_is_refused_to_other_roles(login, world, persona):
    url = reverse("analytics:cadre_record", args=[world.cadre.pk])
    assert login(world.users[persona]).get(url).status_code == 403


def test_a_cadre_cannot_open_another_cadres_record(login, world):
    url = reverse("analytics:cadre_record", args=[world.other_cadre.pk])
    assert login(world.users["cadre"]).get(url).status_code == 404


def test_a_town_supervisor_cannot_open_a_cadre_outside_their_town(login, world):
    url = reverse("analytics:cadre_record", args=[world.cadre.pk])
    assert login(world.users["town_supervisor"]).get(url).status_code == 404


@pytest.mark.parametrize(
    "persona,cadre", [("supervisor", "cadre"), ("town_supervisor", "other_cadre"), ("admin", "cadre")]
)
def test_supervisors_open_records_in_their_scope(login, world, persona, cadre):
    target = getattr(world, cadre)
    response = login(world.users[persona]).get(reverse("analytics:cadre_record", args=[target.pk]))
    assert response.status_code == 200 and target.name in response.content.decode()


# --- 干部履职 / the cadre list ------------------------------------------------------------------


def test_cadre_records_require_login(client):
    assert _login_redirect(client.get(reverse("analytics:cadre_records")))


@pytest.mark.parametrize("persona", ["cadre", "handler", "contact"])
def test_cadre_records_are_for_supervisors_and_admins(login, world, persona):
    assert login(world.users[persona]).get(reverse("analytics:cadre_records")).status_code == 403


def test_cadre_records_list_only_the_supervisors_scope(login, world):
    body = login(world.users["town_supervisor"]).get(reverse("analytics:cadre_records")).content.decode()
    assert "李四" in body and "张三" not in body


def test_cadre_records_filter_cadres_without_a_visit_this_quarter(login, world):
    idle = f.CadreFactory(name="赵闲", unit=world.unit_town_a)
    f.AssignmentFactory(cadre=idle, enterprise=world.ent_a3)
    joined_only = f.CadreFactory(name="钱同行", unit=world.unit_town_a)
    world.visit_a1.participants.add(joined_only)
    client = login(world.users["supervisor"])
    body = client.get(reverse("analytics:cadre_records"), {"no_visit": "on"}).content.decode()
    assert "赵闲" in body and "张三" not in body and "李四" not in body and "钱同行" not in body


@pytest.mark.parametrize(
    "params,shown,hidden",
    [
        ({"town": "town_b"}, "李四", "张三"),
        ({"unit": "unit_town_a"}, "张三", "李四"),
        ({"q": "李"}, "李四", "张三"),
    ],
)
def test_cadre_records_filters(login, world, params, shown, hidden):
    query = {k: getattr(world, v).pk if hasattr(world, v) else v for k, v in params.items()}
    body = login(world.users["supervisor"]).get(reverse("analytics:cadre_records"), query).content.decode()
    assert shown in body and hidden not in body


def test_cadre_records_level_filter(login, world):
    county_cadre = f.CadreFactory(name="孙县级", unit=world.unit_hr)
    assert county_cadre.level == "county"
    body = (
        login(world.users["supervisor"])
        .get(reverse("analytics:cadre_records"), {"level": "county"})
        .content.decode()
    )
    assert "孙县级" in body and "张三" not in body


def test_cadre_records_take_the_same_queries_for_a_bigger_page(login, world):
    client = login(world.users["supervisor"])
    url = reverse("analytics:cadre_records")
    client.get(url)  # warm the session and the navigation cache

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"period": "year"}).status_code == 200
        return len(captured)

    small = queries()
    today = timezone.localdate()
    for i in range(12):
        cadre = f.CadreFactory(unit=world.unit_town_a, name=f"新干部{i}")
        enterprise = f.EnterpriseFactory(town=world.town_a)
        f.AssignmentFactory(cadre=cadre, enterprise=enterprise)
        f.VisitFactory(cadre=cadre, enterprise=enterprise, date=today)
        f.RequestFactory(enterprise=enterprise, cadre=cadre)
    assert queries() == small


# --- 擂台比武 ----------------------------------------------------------------------------------------


def test_ranking_requires_login(client):
    assert _login_redirect(client.get(reverse("analytics:ranking")))


def test_ranking_is_refused_to_cadres(login, world):
    assert login(world.users["cadre"]).get(reverse("analytics:ranking")).status_code == 403


def test_ranking_page_before_any_ranking_says_so(login, world):
    body = login(world.users["supervisor"]).get(reverse("analytics:ranking")).content.decode()
    assert "还没有排名" in body


def test_ranking_page_shows_the_week_and_its_lists(login, world):
    week = services.last_complete_week(timezone.localdate())
    services.ranking_compute(week_start=week)
    client = login(world.users["supervisor"])
    body = client.get(reverse("analytics:ranking"), {"week": week.isoformat()}).content.decode()
    assert "红榜" in body and "黑榜" in body and "甲镇" in body and "乙镇" in body
    assert client.get(reverse("analytics:ranking"), {"week": "2001-01-01"}).status_code == 404
    assert client.get(reverse("analytics:ranking"), {"week": "nonsense"}).status_code == 404


# --- 定时任务 ---------------------------------------------------------------------------------------


def test_jobs_page_requires_login(client):
    assert _login_redirect(client.get(reverse("analytics:jobs")))


def test_jobs_page_is_for_admins_only(login, world):
    assert login(world.users["supervisor"]).get(reverse("analytics:jobs")).status_code == 403


def test_jobs_page_lists_every_scheduled_job_with_its_schedule_in_chinese(login, world):
    JobRun.objects.create(
        name="flag_overdue", ok=False, error="OperationalError: 数据库连接中断", trigger="beat"
    )
    JobRun.objects.create(
        name="compute_snapshots",
        ok=True,
        finished_at=timezone.now(),
        counts={"periods": 5, "rows": 65},
        trigger="beat",
    )
    body = login(world.users["admin"]).get(reverse("analytics:jobs")).content.decode()
    for name in (
        "compute_snapshots",
        "rank_towns",
        "remind_unvisited",
        "flag_overdue",
        "auto_close",
        "drain_outbox",
    ):
        assert f'data-job="{name}"' in body
    assert "每天 00:30" in body and "每周一 07:00" in body and "每 15 分钟" in body and "每 5 分钟" in body
    assert "数据库连接中断" in body
    assert "周期数：5" in body and "快照行数：65" in body


def test_jobs_page_marks_a_run_whose_worker_died_as_interrupted_not_failed(login, world):
    started = timezone.now() - dt.timedelta(minutes=5)
    JobRun.objects.create(
        name="rank_towns",
        started_at=started,
        finished_at=started,
        ok=False,
        error=JobRun.INTERRUPTED,
        task_id="m",
    )
    JobRun.objects.create(name="rank_towns", ok=True, finished_at=timezone.now(), task_id="m")
    JobRun.objects.create(name="flag_overdue", ok=False, error="OperationalError", finished_at=timezone.now())
    body = login(world.users["admin"]).get(reverse("analytics:jobs")).content.decode()
    assert body.count("中断后重跑") == 1
    assert ">失败<" in body  # the real failure keeps its badge


def test_run_now_needs_a_post(login, world):
    url = reverse("analytics:job_run_now", args=["compute_snapshots"])
    assert login(world.users["admin"]).get(url).status_code == 405


def test_run_now_is_refused_to_non_admins(login, world):
    url = reverse("analytics:job_run_now", args=["compute_snapshots"])
    assert login(world.users["supervisor"]).post(url).status_code == 403
    assert not JobRun.objects.exists()


def test_run_now_for_an_unknown_job_is_404(login, world):
    assert (
        login(world.users["admin"]).post(reverse("analytics:job_run_now", args=["nope"])).status_code == 404
    )


def test_run_now_queues_the_job(login, world, django_capture_on_commit_callbacks):
    client = login(world.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:job_run_now", args=["remind_unvisited"]))
    assert response.status_code == 302 and response.url == reverse("analytics:jobs")
    run = JobRun.objects.get(name="remind_unvisited")
    assert run.ok and run.trigger == "manual"


# --- navigation ---------------------------------------------------------------------------------------


def test_navigation_entries_per_role(login, world):
    cadre_page = login(world.users["cadre"]).get(reverse("analytics:my_record")).content.decode()
    assert "我的履职" in cadre_page and "干部履职" not in cadre_page
    sup_page = login(world.users["supervisor"]).get(reverse("analytics:cadre_records")).content.decode()
    assert "干部履职" in sup_page and "定时任务" not in sup_page
    admin_page = login(world.users["admin"]).get(reverse("analytics:cadre_records")).content.decode()
    assert "定时任务" in admin_page
    # Only the most specific entry is highlighted: not 总览 (/analytics/) as well.
    assert admin_page.count('aria-current="page"') == 1


def test_overview_still_works(login, world):
    response = login(world.users["supervisor"]).get(reverse("analytics:overview"))
    assert response.status_code == 200 and "工作总览" in response.content.decode()


def test_record_shows_due_enterprises(login, world):
    body = login(world.users["cadre"]).get(reverse("analytics:my_record")).content.decode()
    assert body.count("待走访") == 1 and timezone.localdate().strftime("%Y-%m-%d") in body


def test_a_record_opened_from_the_list_highlights_the_list_in_the_menu(login, world):
    body = (
        login(world.users["supervisor"])
        .get(reverse("analytics:cadre_record", args=[world.cadre.pk]))
        .content.decode()
    )
    # 干部履职 sits in the 统计分析 dropdown: the item and its dropdown are highlighted.
    active = re.findall(r'class="(?:nav-link|dropdown-item) active" href="([^"]+)"', body)
    assert active == [reverse("analytics:cadre_records")]
    assert 'class="nav-link dropdown-toggle active"' in body

"""remind_unvisited: one notice per cadre and week listing the enterprises due a visit."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import services
from qiqing.models import JobRun, Notification
from tests import factories as f
from visits import rhythm

pytestmark = pytest.mark.django_db


def _notices():
    return sorted(Notification.objects.values_list("recipient__username", "dedupe_key", "title", "body"))


def test_each_cadre_is_told_which_enterprises_are_due(world):
    # 张三: 甲一 visited today, 甲二 never. 李四: 乙一 visited today.
    counts = services.remind_unvisited()
    assert counts == {"cadres_due": 1, "enterprises_due": 1, "notified": 1, "already_notified": 0}
    notice = Notification.objects.get()
    assert notice.recipient == world.users["cadre"] and notice.kind == "visit_due"
    assert notice.title == "本季度还有 1 家联系企业待走访"
    assert "甲二纺织有限公司（尚未走访）" in notice.body and "甲一" not in notice.body


def test_a_visit_before_the_current_period_leaves_the_enterprise_due(world):
    start = rhythm.period_start(timezone.localdate())
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=start - dt.timedelta(days=1))
    services.remind_unvisited()
    assert f"甲二纺织有限公司（最近走访 {start - dt.timedelta(days=1)}）" in Notification.objects.get().body


def test_inactive_cadres_and_cadres_without_a_login_are_not_reminded(world):
    world.cadre.active = False
    world.cadre.save()
    no_login = f.CadreFactory(user=None, unit=world.unit_town_a)
    f.AssignmentFactory(cadre=no_login, enterprise=world.ent_a3)
    assert services.remind_unvisited()["notified"] == 0


def test_running_twice_in_a_week_notifies_once(world):
    services.remind_unvisited()
    first = _notices()
    assert services.remind_unvisited() == {
        "cadres_due": 1,
        "enterprises_due": 1,
        "notified": 0,
        "already_notified": 1,
    }
    assert _notices() == first


def test_the_next_week_brings_a_new_notice(world):
    today = timezone.localdate()
    services.remind_unvisited(today=today)
    services.remind_unvisited(today=today + dt.timedelta(days=7))
    assert Notification.objects.filter(recipient=world.users["cadre"]).count() == 2


def test_a_run_killed_after_some_notices_reruns_like_a_clean_run(world):
    second = f.CadreFactory(user=f.UserFactory(username="p_second"), unit=world.unit_town_a)
    f.AssignmentFactory(cadre=second, enterprise=world.ent_a3)
    services.remind_unvisited()
    clean = _notices()
    assert len(clean) == 2
    # A killed run had written the first cadre's notice only.
    Notification.objects.exclude(recipient=world.users["cadre"]).delete()
    assert services.remind_unvisited()["notified"] == 1
    assert _notices() == clean


def test_command_logs_the_run(world):
    out = StringIO()
    call_command("remind_unvisited", stdout=out)
    run = JobRun.objects.get(name="remind_unvisited")
    assert run.ok and run.trigger == "command" and run.counts["notified"] == 1
    assert "新发提醒 1 条" in out.getvalue()

"""Bad input is refused with a Chinese message naming the field, and nothing is half written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from groups import services
from groups.admin import ServiceTeamAdminForm
from groups.models import IndustryChain, Meetup, ServiceTeam, ServiceTeamChange
from requests_tracker.models import Request
from tests import factories as f


def test_team_without_leader_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.team_save(
            actor=world.users["admin"],
            code="X1",
            name="无组长小组",
            kind=ServiceTeam.Kind.THINK_TANK,
            leader=None,
        )
    assert "组长" in caught.value.message_dict["leader"][0]
    assert not ServiceTeam.objects.filter(code="X1").exists()


def test_team_without_leader_is_refused_on_the_page(world, login):
    client = login(world.users["admin"])
    response = client.post(
        reverse("groups:team_new"), {"code": "X2", "name": "无组长小组", "kind": "think_tank", "active": "on"}
    )
    assert response.status_code == 200
    assert "组长：每个服务小组须有一名组长。" in response.content.decode()
    assert not ServiceTeam.objects.filter(code="X2").exists()


def test_cadre_in_two_one_two_n_teams_for_the_same_enterprise_is_refused(world, groups):
    with pytest.raises(ValidationError) as caught:
        services.team_save(
            actor=world.users["admin"],
            code="T09",
            name="甲一第二小组",
            kind=ServiceTeam.Kind.ONE_TWO_N,
            leader=f.CadreFactory(unit=world.unit_hr),
            members=[world.cadre],  # already in T01 for 甲一
            enterprises=[world.ent_a1],
        )
    message = caught.value.message_dict["members"][0]
    assert "成员干部" in message and "张三" in message and "甲一1+2+N服务小组" in message
    assert not ServiceTeam.objects.filter(code="T09").exists()


def test_the_same_cadre_may_serve_another_enterprise_in_another_one_two_n_team(world, groups):
    team = services.team_save(
        actor=world.users["admin"],
        code="T10",
        name="甲二小组",
        kind=ServiceTeam.Kind.ONE_TWO_N,
        leader=world.cadre,
        enterprises=[world.ent_a2],
    )
    assert team.pk and ServiceTeamChange.objects.filter(team=team, action="create").count() == 1


def test_admin_form_refuses_the_two_team_cadre_too(world, groups):
    form = ServiceTeamAdminForm(
        data={
            "code": "T11",
            "name": "管理后台小组",
            "kind": "one_two_n",
            "leader": world.cadre.pk,
            "enterprises": [world.ent_a1.pk],
            "active": "on",
        }
    )
    assert not form.is_valid()
    assert "1+2+N" in str(form.errors["members"])


def _meetup_post(world, **overrides):
    data = {
        "kind": "qinqing",
        "theme": "测试亲清会",
        "date": f"{timezone.localdate():%Y-%m-%d}",
        "host_town": world.town_a.pk,
        "enterprises": [world.ent_a1.pk, world.ent_a2.pk],
        "problems-TOTAL_FORMS": "1",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "30",
        "problems-0-enterprise": world.ent_a1.pk,
        "problems-0-category": f.CategoryFactory().pk,
        "problems-0-description": "企业反映春节后普工缺口二十人，希望协助招工。",
    }
    data.update(overrides)
    return data


def test_meetup_with_no_enterprise_is_refused(world, login):
    client = login(world.users["supervisor"])
    data = _meetup_post(world)
    del data["enterprises"]
    response = client.post(reverse("groups:meetup_new"), data)
    assert "参会企业：请至少选择一家参会企业。" in response.content.decode()
    assert (
        not Meetup.objects.filter(theme="测试亲清会").exists()
        and not Request.objects.filter(source="meeting").exists()
    )


def test_meetup_in_the_future_is_refused(world, login):
    client = login(world.users["supervisor"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("groups:meetup_new"), _meetup_post(world, date=f"{tomorrow:%Y-%m-%d}"))
    assert "日期：亲清会日期不能晚于今天。" in response.content.decode()
    assert not Meetup.objects.exists()


def test_service_refuses_future_and_empty_meetups(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.meetup_log(
            actor=world.users["supervisor"], theme="x", date=tomorrow, host_town=world.town_a, enterprises=[]
        )
    assert set(caught.value.message_dict) == {"date", "enterprises"}


def test_a_bad_problem_writes_neither_the_meetup_nor_the_other_problem(world, login):
    client = login(world.users["supervisor"])
    data = _meetup_post(
        world,
        **{
            "problems-TOTAL_FORMS": "2",
            "problems-1-enterprise": world.ent_a2.pk,
            "problems-1-category": f.CategoryFactory().pk,
            "problems-1-description": "太短",  # below the typed-request minimum
        },
    )
    response = client.post(reverse("groups:meetup_new"), data)
    assert "第 2 个问题" in response.content.decode()
    assert not Meetup.objects.exists() and not Request.objects.filter(source="meeting").exists()


def test_a_problem_from_an_enterprise_not_attending_is_refused(world):
    from groups.services import MeetupProblem

    with pytest.raises(ValidationError) as caught:
        services.meetup_log(
            actor=world.users["supervisor"],
            theme="测试",
            date=timezone.localdate(),
            host_town=world.town_a,
            enterprises=[world.ent_a1],
            problems=[MeetupProblem(world.ent_a3, f.CategoryFactory(), "企业反映用工缺口较大，希望协助。")],
        )
    assert "参会企业" in caught.value.message_dict["problems"][0]
    assert not Meetup.objects.exists()


def test_chain_chief_must_be_an_active_cadre(world):
    retired = f.CadreFactory(unit=world.unit_hr, active=False)
    chain = IndustryChain(code="L09", name="新材料", chief=retired)
    with pytest.raises(ValidationError) as caught:
        chain.full_clean()
    assert "链长" in caught.value.message_dict["chief"][0]
    chain.chief = None
    with pytest.raises(ValidationError) as caught:
        chain.full_clean()
    assert "链长" in caught.value.message_dict["chief"][0]

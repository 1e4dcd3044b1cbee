"""The issue's "done when" steps that need no browser: a cadre routes a problem to their team and
the triage desk sees the suggestion; a contact finds the power-supply commissioner's phone; a
chain chief reads the chain dashboard."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from requests_tracker.models import Request
from tests import factories as f


def _visit(enterprise, category, description, **extra):
    data = {
        "enterprise": enterprise.pk,
        "date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "mode": "onsite",
        "summary": "走访了解生产经营情况。",
        "problems-TOTAL_FORMS": "1",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "20",
        "problems-0-category": category.pk,
        "problems-0-description": description,
    }
    data.update(extra)
    return data


def test_cadre_routes_a_problem_to_their_team_and_triage_shows_it(world, groups, login):
    cadre = login(world.users["cadre"])
    assert "to_team" in cadre.get(reverse("visits:log")).content.decode()
    hiring = f.CategoryFactory(name="招工用工")
    response = cadre.post(
        reverse("visits:log"), _visit(world.ent_a1, hiring, "缺普工二十人", **{"problems-0-to_team": "on"})
    )
    assert response.status_code == 302
    request = Request.objects.get(description="缺普工二十人")
    assert request.team == groups["team"]
    triage = login(world.users["supervisor"]).get(reverse("requests_tracker:triage")).content.decode()
    assert "data-team-suggestion" in triage and "甲一1+2+N服务小组" in triage and "人力社保局" in triage


def test_a_problem_not_routed_has_no_team(world, groups, login):
    cadre = login(world.users["cadre"])
    hiring = f.CategoryFactory(name="招工用工")
    cadre.post(reverse("visits:log"), _visit(world.ent_a1, hiring, "缺普工三十人"))
    assert Request.objects.get(description="缺普工三十人").team is None


def test_a_cadre_in_no_team_is_told_so(world, groups, login):
    groups["team"].delete()
    cadre = login(world.users["cadre"])
    hiring = f.CategoryFactory(name="招工用工")
    response = cadre.post(
        reverse("visits:log"), _visit(world.ent_a1, hiring, "缺普工四十人", **{"problems-0-to_team": "on"})
    )
    assert "不在任何服务小组中" in response.content.decode()
    assert not Request.objects.filter(description="缺普工四十人").exists()


def test_contact_finds_the_power_commissioners_phone(world, groups, login):
    client = login(world.users["contact"])  # 甲一, 甲镇
    directory = client.get(reverse("groups:commissioners")).content.decode()
    assert "供电专员" in directory and "0573-84000001" in directory
    assert "乙镇燃气专员" not in directory  # another town's commissioner
    submit = client.get(reverse("requests_tracker:submit")).content.decode()
    assert 'data-commissioner-type="power"' in submit and "0573-84000001" in submit
    assert '"power"' in submit  # the category → service types mapping the box reads


def test_contact_directory_is_filtered_to_relevant_types_unless_all_asked(world, groups, login):
    client = login(world.users["contact"])
    world.req_a1.category = f.CategoryFactory(name="子女就学")  # a category with no commissioner type
    world.req_a1.save()
    filtered = client.get(reverse("groups:commissioners")).content.decode()
    assert "用工专员" not in filtered
    assert "用工专员" in client.get(reverse("groups:commissioners") + "?all=1").content.decode()


def test_chain_chief_reads_the_chain_dashboard(world, groups, login):
    chief_user = f.UserFactory(username="p_chief")
    groups["chief"].user = chief_user
    groups["chief"].save()
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.cadre, date=dt.date.today() - dt.timedelta(days=1))
    f.RequestFactory(
        enterprise=world.ent_b1,
        category=f.CategoryFactory(name="用电用能"),
        submitted_at=timezone.now() - dt.timedelta(days=1),
    )
    page = (
        login(chief_user)
        .get(reverse("analytics:chain", args=[groups["chain"].pk]) + "?period=year")
        .content.decode()
    )
    assert "袜业" in page and "链长王" in page
    assert world.ent_a2.name in page and world.ent_b1.name in page
    assert "用电用能" in page and 'data-card="coverage_rate"' in page

"""Groups are read through their declared scope: a town supervisor sees their town's teams and
meetups only; a contact sees their enterprise's meetups (minutes only when shared)."""

import pytest
from django.urls import reverse

from groups.models import Meetup, ServiceTeam


def test_town_supervisor_gets_404_for_another_towns_meetup_and_team(world, groups, login):
    client = login(world.users["town_supervisor"])  # supervises 乙镇
    assert client.get(reverse("groups:meetup", args=[groups["meetup_a"].pk])).status_code == 404
    assert client.get(reverse("analytics:team", args=[groups["team"].pk])).status_code == 404
    assert client.get(reverse("groups:meetup", args=[groups["meetup_b"].pk])).status_code == 200
    assert client.get(reverse("analytics:team", args=[groups["team_b"].pk])).status_code == 200


def test_town_supervisor_lists_only_their_towns_meetups_and_teams(world, groups, login):
    client = login(world.users["town_supervisor"])
    meetups = client.get(reverse("groups:meetups")).content.decode()
    teams = client.get(reverse("groups:teams")).content.decode()
    assert "乙镇亲清会" in meetups and "甲镇营商早茶会" not in meetups
    assert "乙镇智囊团" in teams and "甲一1+2+N服务小组" not in teams


def test_contact_sees_own_meetup_without_private_minutes(world, groups, login):
    client = login(world.users["contact"])  # 甲一
    page = client.get(reverse("groups:meetup", args=[groups["meetup_a"].pk])).content.decode()
    assert "甲镇营商早茶会" in page
    assert "甲镇内部纪要" not in page and "data-minutes-hidden" in page


def test_contact_reads_shared_minutes_of_own_meetup_and_not_others(world, groups, login):
    client = login(world.users["other_contact"])  # 乙一
    page = client.get(reverse("groups:meetup", args=[groups["meetup_b"].pk])).content.decode()
    assert "乙镇公开纪要" in page
    assert client.get(reverse("groups:meetup", args=[groups["meetup_a"].pk])).status_code == 404


def test_contact_cannot_open_teams_or_export(world, groups, login):
    client = login(world.users["contact"])
    assert client.get(reverse("groups:teams")).status_code == 403
    assert client.get(reverse("groups:meetup_export")).status_code == 403


def test_staff_read_minutes(world, groups, login):
    client = login(world.users["supervisor"])
    page = client.get(reverse("groups:meetup", args=[groups["meetup_a"].pk])).content.decode()
    assert "甲镇内部纪要" in page


def test_cadre_sees_own_team_and_paired_enterprises_meetups(world, groups):
    cadre_user = world.users["cadre"]
    assert set(ServiceTeam.objects.visible_to(cadre_user)) == {groups["team"]}
    assert set(Meetup.objects.visible_to(cadre_user)) == {groups["meetup_a"]}


def test_chain_dashboard_is_for_its_chief_not_other_cadres(world, groups, login):
    from tests import factories as f

    chief_user = f.UserFactory(username="p_chief")
    groups["chief"].user = chief_user
    groups["chief"].save()
    url = reverse("analytics:chain", args=[groups["chain"].pk])
    assert login(chief_user).get(url).status_code == 200
    assert login(world.users["cadre"]).get(url).status_code == 404
    assert login(world.users["outsider"]).get(url).status_code == 403


@pytest.mark.parametrize("name", ["groups:teams", "groups:meetups", "groups:commissioners", "groups:chains"])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

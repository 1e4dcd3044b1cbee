"""A common problem (共性问题) turned into one parent case: handled once, every enterprise follows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from analytics.models import ProblemCluster, ProblemClusterMember
from qiqing.models import Notification
from requests_tracker import services
from requests_tracker.models import Request
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster(cast, other_enterprise):
    enterprise, _contact = other_enterprise
    first = cast.build_request("submitted")
    second = f.RequestFactory(enterprise=enterprise, category=cast.category, status="submitted")
    third = f.RequestFactory(
        enterprise=f.EnterpriseFactory(town=cast.town), category=cast.category, status="submitted"
    )
    busy = cast.build_request("in_progress")
    today = dt.date.today()
    problem = ProblemCluster.objects.create(
        category=cast.category, label="返岗 · 普工", keywords=["返岗"], size=4, enterprises=3,
        representative=second, window_start=today - dt.timedelta(days=30), window_end=today,
    )  # fmt: skip
    for obj in (first, second, third, busy):
        ProblemClusterMember.objects.create(cluster=problem, request=obj, similarity=0.9)
    return problem, [first, second, third], busy


def test_a_cluster_becomes_one_parent_case_and_every_enterprise_follows(
    cast, cluster, other_enterprise, login
):
    problem, waiting, busy = cluster
    response = login(cast.users["supervisor"]).post(
        reverse("analytics:problem_case", args=[problem.pk]), {"lead_unit": cast.spare_unit.pk, "note": ""}
    )
    parent = Request.objects.get(pk=waiting[1].pk)  # the representative
    assert response.url == reverse("requests_tracker:detail", args=[parent.pk])
    assert (parent.status, parent.lead_unit_id, parent.parent_id) == ("assigned", cast.spare_unit.pk, None)
    for obj in (waiting[0], waiting[2]):
        child = Request.objects.get(pk=obj.pk)
        assert (child.parent_id, child.status, child.lead_unit_id) == (
            parent.pk,
            "assigned",
            cast.spare_unit.pk,
        )
    assert Request.objects.get(pk=busy.pk).parent_id is None  # already assigned: left alone
    spare = f.StaffRoleFactory(user__username="t_spare2", role="handler", unit=cast.spare_unit).user
    services.request_sign(actor=spare, request=parent)
    services.request_respond(
        actor=spare,
        request=Request.objects.get(pk=parent.pk),
        outcome="solved",
        response="已统一组织返岗专列，各企业均已落实。",
    )
    assert set(Request.objects.filter(pk__in=[w.pk for w in waiting]).values_list("status", flat=True)) == {
        "responded"
    }
    assert Notification.objects.filter(recipient=cast.users["contact"], kind="responded").count() == 1


def test_a_cluster_with_nothing_waiting_is_refused(cast, cluster, login):
    problem, waiting, _busy = cluster
    Request.objects.filter(pk__in=[w.pk for w in waiting]).update(status="rejected")
    client = login(cast.users["supervisor"])
    response = client.post(
        reverse("analytics:problem_case", args=[problem.pk]), {"lead_unit": cast.spare_unit.pk}, follow=True
    )
    assert "没有待受理的诉求" in response.content.decode()


def test_a_cluster_outside_the_supervisors_towns_is_404(cast, cluster, login):
    problem, _waiting, _busy = cluster
    response = login(cast.users["other_town_supervisor"]).post(
        reverse("analytics:problem_case", args=[problem.pk]), {"lead_unit": cast.spare_unit.pk}
    )
    assert response.status_code == 404


@pytest.fixture
def task_force(cast):
    """A chain task force (产业链专班) of two units: the one first by name leads."""
    from groups.models import ServiceTeam

    team = ServiceTeam.objects.create(code="Z01", name="袜业产业链专班", kind=ServiceTeam.Kind.CHAIN_FORCE)
    first, second = sorted([cast.spare_unit, cast.assist_unit], key=lambda u: (u.name, u.pk))
    team.units.set([second, first])
    return team, first, second


def test_a_cluster_goes_to_a_chain_task_force_whose_first_unit_leads(cast, cluster, task_force, login):
    problem, waiting, _busy = cluster
    team, first, second = task_force
    response = login(cast.users["supervisor"]).post(
        reverse("analytics:problem_case", args=[problem.pk]), {"team": team.pk, "note": "专班统一办理"}
    )
    parent = Request.objects.get(pk=waiting[1].pk)
    assert response.url == reverse("requests_tracker:detail", args=[parent.pk])
    assert (parent.status, parent.lead_unit_id, parent.team_id) == ("assigned", first.pk, team.pk)
    assert list(parent.assists.values_list("unit_id", flat=True)) == [second.pk]
    children = Request.objects.filter(pk__in=[waiting[0].pk, waiting[2].pk])
    assert {(c.parent_id, c.team_id, c.status) for c in children} == {(parent.pk, team.pk, "assigned")}


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "请选择并案交办的牵头单位或产业链专班"),
        ("both", "只选一个"),
        ("empty_team", "该专班没有在用的成员单位"),
    ],
)
def test_a_cluster_case_needs_exactly_one_unit_or_a_staffed_task_force(
    cast, cluster, task_force, login, data, message
):
    from groups.models import ServiceTeam

    problem, waiting, _busy = cluster
    team = task_force[0]
    if data == "both":
        data = {"lead_unit": cast.spare_unit.pk, "team": team.pk}
    elif data == "empty_team":
        empty = ServiceTeam.objects.create(code="Z02", name="空专班", kind=ServiceTeam.Kind.CHAIN_FORCE)
        data = {"team": empty.pk}
    response = login(cast.users["supervisor"]).post(
        reverse("analytics:problem_case", args=[problem.pk]), data, follow=True
    )
    assert message in response.content.decode()
    assert not Request.objects.filter(pk__in=[w.pk for w in waiting]).exclude(status="submitted").exists()
    assert not Request.objects.filter(pk__in=[w.pk for w in waiting], parent__isnull=False).exists()

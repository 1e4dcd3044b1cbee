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

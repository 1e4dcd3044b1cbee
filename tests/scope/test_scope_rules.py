"""The rules every declaration shares (qiqing/scope.py), on the small two-town county."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from qiqing import scope
from qiqing.models import JobRun, Notification
from qiqing.scope import Scope, ScopedQuerySet
from requests_tracker.models import Request, RequestAttachment
from tests import factories as f
from visits.models import Visit

pytestmark = pytest.mark.django_db


def test_the_run_log_of_scheduled_jobs_is_for_admins_only(world):
    run = JobRun.objects.create(name="flag_overdue")
    assert list(JobRun.objects.visible_to(world.users["admin"])) == [run]
    for persona in ("supervisor", "town_supervisor", "handler", "cadre", "contact", "outsider"):
        assert not JobRun.objects.visible_to(world.users[persona]).exists(), persona


def test_a_notification_is_its_recipients_alone_an_admins_included(world):
    mine = Notification.objects.create(recipient=world.users["handler"], kind="x", title="给经办人")
    Notification.objects.create(recipient=world.users["admin"], kind="x", title="给管理员")
    assert list(Notification.objects.visible_to(world.users["handler"])) == [mine]
    assert mine not in Notification.objects.visible_to(world.users["admin"])
    assert not Notification.objects.visible_to(world.users["supervisor"]).exists()


def test_an_attachment_is_visible_exactly_with_its_request(world):
    a1 = RequestAttachment.objects.create(
        request=world.req_a1, original_name="a.pdf", content_type="application/pdf", size=1
    )
    b1 = RequestAttachment.objects.create(
        request=world.req_b1, original_name="b.pdf", content_type="application/pdf", size=1
    )
    for persona, user in world.users.items():
        requests = set(Request.objects.visible_to(user).values_list("pk", flat=True))
        attachments = set(RequestAttachment.objects.visible_to(user).values_list("request_id", flat=True))
        assert attachments == requests & {a1.request_id, b1.request_id}, persona


def test_parties_name_each_role_that_touches_the_object(world):
    request = Request.objects.prefetch_related("assists").get(pk=world.req_a1.pk)
    assert scope.parties(world.users["supervisor"], request) >= {"supervisor"}
    assert scope.parties(world.users["town_supervisor"], request) == frozenset()  # 乙镇's, not 甲镇's
    assert "supervisor" in scope.parties(world.users["town_supervisor"], world.req_b1)
    assert "lead" in scope.parties(world.users["handler"], request)
    assert "contact" in scope.parties(world.users["contact"], request)
    assert scope.parties(world.users["outsider"], request) == frozenset()
    assert scope.parties(world.users["other_contact"], request) == frozenset()
    # ``among`` limits what is asked, and what comes back.
    assert scope.parties(world.users["handler"], request, among={"supervisor"}) == frozenset()


def test_a_cadre_is_a_party_of_a_visit_to_a_paired_enterprise_and_of_their_own(world):
    visit = Visit.objects.get(pk=world.visit_a1.pk)
    assert {"paired", "cadre"} <= scope.parties(world.users["cadre"], visit)
    assert scope.parties(world.users["other_cadre"], visit) == frozenset()


def test_parties_walk_prefetched_relations_without_a_query(world, django_assert_num_queries):
    request = Request.objects.select_related("enterprise").prefetch_related("assists").get(pk=world.req_a1.pk)
    user = world.users["handler"]
    scope.parties(user, request)  # the roles are now cached on the user
    with django_assert_num_queries(0):
        assert scope.parties(user, request, among={"lead", "assist", "supervisor", "contact"}) == {"lead"}


def test_require_visible_rolls_the_write_back(world):
    """A write that would leave the actor's own scope is refused and undone (the service's
    transaction rolls back)."""
    user = world.users["town_supervisor"]  # 乙镇
    visit = Visit.objects.get(pk=world.visit_b1.pk)
    with pytest.raises(PermissionDenied, match="不在您的范围内"), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(enterprise=world.ent_a1)  # moved to 甲镇
        scope.require_visible(user, Visit.objects.get(pk=visit.pk))
    assert Visit.objects.get(pk=visit.pk).enterprise_id == world.ent_b1.pk
    scope.require_visible(user, visit)  # still in scope: no error


def test_a_model_without_a_declaration_is_refused_loudly():
    with pytest.raises(TypeError, match="declares no scope"):
        ScopedQuerySet(model=f.UserFactory._meta.model).visible_to(None)


def test_bypass_must_be_one_of_the_three_rules():
    with pytest.raises(ValueError):
        Scope(bypass="everyone")

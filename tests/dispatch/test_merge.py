"""并单: duplicates merged into one parent are answered once; every child follows the parent with
one event of its own, its enterprise is told, and it is rated by its own enterprise."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from qiqing.models import Notification
from requests_tracker import services
from requests_tracker.models import Request, RequestEvent
from requests_tracker.services import TransitionRefused
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(cast, other_enterprise):
    """Two duplicates from two enterprises of the same town: parent (cast.enterprise), child."""
    enterprise, _contact = other_enterprise
    parent = cast.build_request("submitted")
    child = f.RequestFactory(enterprise=enterprise, category=cast.category, status="submitted")
    return parent, child


def _fresh(obj):
    return Request.objects.get(pk=obj.pk)


def _walk_parent_to_responded(cast, parent):
    lead = cast.users["lead"]
    services.request_assign(actor=cast.users["supervisor"], request=_fresh(parent), lead_unit=cast.lead_unit)
    services.request_sign(actor=lead, request=_fresh(parent))
    services.request_contact(actor=lead, request=_fresh(parent), method="onsite", note="上门了解用工缺口。")
    services.request_respond(
        actor=lead,
        request=_fresh(parent),
        outcome="solved",
        response="已组织专场招聘会，两家企业均已招到工人。",
    )


def test_merging_writes_one_event_on_each_request_and_tells_the_childs_enterprise(
    cast, pair, other_enterprise, django_capture_on_commit_callbacks
):
    parent, child = pair
    with django_capture_on_commit_callbacks(execute=True):
        services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    assert _fresh(child).parent_id == parent.pk
    assert list(
        RequestEvent.objects.filter(action="merge")
        .values_list("request_id", flat=True)
        .order_by("request_id")
    ) == sorted([parent.pk, child.pk])
    _enterprise, contact2 = other_enterprise
    assert Notification.objects.filter(recipient=contact2, title__contains="合并办理").count() == 1
    assert any("合并办理" in message.subject for message in mail.outbox)


def test_children_follow_every_transition_of_the_parent_with_one_event_each(cast, pair):
    parent, child = pair
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    _walk_parent_to_responded(cast, parent)
    child = _fresh(child)
    assert (child.status, child.lead_unit_id, child.outcome) == ("responded", cast.lead_unit.pk, "solved")
    assert child.first_contact_method == "onsite" and child.response_due == _fresh(parent).response_due
    actions = list(child.events.values_list("action", flat=True))
    assert actions.count("assign") == actions.count("sign") == actions.count("respond") == 1
    assert actions.count("contact") == 1


def test_the_parent_is_answered_once_and_both_enterprises_rate_separately(cast, pair, other_enterprise):
    parent, child = pair
    _e, contact2 = other_enterprise
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    _walk_parent_to_responded(cast, parent)
    assert RequestEvent.objects.filter(request=parent, action="respond").count() == 1
    assert Notification.objects.filter(recipient=contact2, kind="responded").count() == 1
    services.request_rate(actor=cast.users["contact"], request=_fresh(parent), satisfaction="satisfied")
    assert _fresh(child).satisfaction == ""  # the parent's rating is not the child's
    services.request_rate(actor=contact2, request=_fresh(child), satisfaction="basic")
    assert (_fresh(parent).satisfaction, _fresh(child).satisfaction) == ("satisfied", "basic")
    services.request_close(actor=cast.users["supervisor"], request=_fresh(child))
    assert _fresh(child).status == "closed" and _fresh(parent).status == "responded"


def test_a_child_its_enterprise_rejects_is_handled_on_its_own_again(cast, pair, other_enterprise):
    parent, child = pair
    _e, contact2 = other_enterprise
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    _walk_parent_to_responded(cast, parent)
    services.request_rate(
        actor=contact2, request=_fresh(child), satisfaction="unsatisfied", comment="还缺二十名焊工。"
    )
    child = _fresh(child)
    assert (child.status, child.parent_id) == ("reopened", None)
    services.request_sign(actor=cast.users["lead"], request=child)  # the unit can work on it now


def test_the_unit_cannot_act_on_a_child_while_it_follows(cast, pair):
    parent, child = pair
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    services.request_assign(actor=cast.users["supervisor"], request=_fresh(parent), lead_unit=cast.lead_unit)
    with pytest.raises(TransitionRefused) as exc:
        services.request_sign(actor=cast.users["lead"], request=_fresh(child))
    assert parent.ref in " ".join(exc.value.messages)


def test_unmerge_before_assignment_and_not_after(cast, pair):
    parent, child = pair
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    services.request_unmerge(actor=cast.users["supervisor"], child=_fresh(child))
    assert _fresh(child).parent_id is None and _fresh(child).events.filter(action="unmerge").count() == 1
    services.request_merge(actor=cast.users["supervisor"], parent=_fresh(parent), children=[_fresh(child)])
    services.request_assign(actor=cast.users["supervisor"], request=_fresh(parent), lead_unit=cast.lead_unit)
    with pytest.raises(ValidationError) as exc:
        services.request_unmerge(actor=cast.users["supervisor"], child=_fresh(child))
    assert "已交办" in " ".join(exc.value.messages) and _fresh(child).parent_id == parent.pk


def test_merging_a_closed_request_is_refused_and_nothing_is_written(cast, pair):
    parent, _child = pair
    closed = cast.build_request("closed")
    with pytest.raises(ValidationError) as exc:
        services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[closed])
    assert "已办结，不能并单" in " ".join(exc.value.messages)
    assert _fresh(closed).parent_id is None and not RequestEvent.objects.filter(action="merge").exists()


def test_merging_a_request_the_supervisor_cannot_see_is_refused(cast, pair):
    parent, _child = pair
    elsewhere = f.RequestFactory(enterprise=f.EnterpriseFactory(town=cast.other_town), category=cast.category)
    with pytest.raises(ValidationError):
        services.request_merge(actor=cast.users["town_supervisor"], parent=parent, children=[elsewhere])
    assert _fresh(elsewhere).parent_id is None


def test_the_merge_view_answers_404_for_an_out_of_scope_id(cast, pair, login):
    parent, _child = pair
    elsewhere = f.RequestFactory(enterprise=f.EnterpriseFactory(town=cast.other_town), category=cast.category)
    response = login(cast.users["town_supervisor"]).post(
        reverse("requests_tracker:merge"), {"requests": [parent.pk, elsewhere.pk]}
    )
    assert response.status_code == 404 and _fresh(elsewhere).parent_id is None


def test_the_merge_view_merges_into_the_earliest_and_the_unmerge_view_undoes_it(cast, pair, login):
    parent, child = pair
    client = login(cast.users["supervisor"])
    response = client.post(reverse("requests_tracker:merge"), {"requests": [child.pk, parent.pk]})
    assert response.url == reverse("requests_tracker:detail", args=[parent.pk])
    assert _fresh(child).parent_id == parent.pk
    page = client.get(reverse("requests_tracker:detail", args=[child.pk])).content.decode()
    assert "撤销并单" in page and parent.ref in page
    client.post(reverse("requests_tracker:unmerge", args=[child.pk]))
    assert _fresh(child).parent_id is None
    other = login(cast.users["other_town_supervisor"])
    assert other.post(reverse("requests_tracker:unmerge", args=[child.pk])).status_code == 404


def test_a_child_is_not_offered_for_a_batch_and_a_batch_with_one_is_refused(cast, pair, rule, login):
    parent, child = pair
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    page = login(cast.users["supervisor"]).get(reverse("requests_tracker:triage")).content.decode()
    assert f'name="requests" value="{child.pk}"' not in page
    assert f'name="requests" value="{parent.pk}"' in page
    with pytest.raises(ValidationError):
        services.batch_assign(actor=cast.users["supervisor"], request_ids=[child.pk], note="第49周")
    batch = services.batch_assign(actor=cast.users["supervisor"], request_ids=[parent.pk], note="第49周")
    assert _fresh(child).batch_id == batch.pk and _fresh(child).status == "assigned"


def test_a_public_progress_note_on_the_parent_reaches_every_childs_enterprise(cast, pair, other_enterprise):
    parent, child = pair
    _e, contact2 = other_enterprise
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    services.request_assign(actor=cast.users["supervisor"], request=_fresh(parent), lead_unit=cast.lead_unit)
    services.request_sign(actor=cast.users["lead"], request=_fresh(parent))
    services.request_note(
        actor=cast.users["lead"], request=_fresh(parent), text="已联系劳务输出地。", public=True
    )
    assert _fresh(child).events.filter(action="note", public=True).count() == 1
    assert (
        Notification.objects.filter(recipient=contact2, kind="progress", title__contains="新进展").count()
        == 1
    )


def test_a_parent_with_children_cannot_be_rejected(cast, pair):
    parent, child = pair
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    with pytest.raises(ValidationError) as exc:
        services.request_reject(
            actor=cast.users["supervisor"],
            request=_fresh(parent),
            kind="out_of_scope",
            reason="不属于受理范围。",
        )
    assert "撤销" in " ".join(exc.value.messages) and _fresh(parent).status == "submitted"


def test_an_overdue_case_is_chased_once_through_its_parent(cast, pair):
    import datetime as dt

    from requests_tracker.models import SupervisionNotice

    parent, child = pair
    services.request_merge(actor=cast.users["supervisor"], parent=parent, children=[child])
    services.request_assign(actor=cast.users["supervisor"], request=_fresh(parent), lead_unit=cast.lead_unit)
    late = _fresh(parent).response_due + dt.timedelta(days=40)
    services.flag_overdue_requests(today=late)
    assert _fresh(child).is_overdue and _fresh(parent).is_overdue
    assert SupervisionNotice.objects.filter(request=child).count() == 0
    assert SupervisionNotice.objects.filter(request=parent).count() >= 1


def test_the_parents_page_unmerges_a_child_and_comes_back_until_the_parent_is_assigned(cast, pair, login):
    parent, child = pair
    client = login(cast.users["supervisor"])
    services.request_merge(actor=cast.users["supervisor"], parent=_fresh(parent), children=[_fresh(child)])
    unmerge_url = reverse("requests_tracker:unmerge", args=[child.pk])
    page = client.get(reverse("requests_tracker:detail", args=[parent.pk])).content.decode()
    assert unmerge_url in page and child.ref in page
    response = client.post(unmerge_url, {"back": "parent"})
    assert response.url == reverse("requests_tracker:detail", args=[parent.pk])
    assert _fresh(child).parent_id is None
    services.request_merge(actor=cast.users["supervisor"], parent=_fresh(parent), children=[_fresh(child)])
    services.request_assign(actor=cast.users["supervisor"], request=_fresh(parent), lead_unit=cast.lead_unit)
    page = client.get(reverse("requests_tracker:detail", args=[parent.pk])).content.decode()
    assert child.ref in page and unmerge_url not in page  # assigned: no longer offered

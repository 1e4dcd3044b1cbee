import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from requests_tracker.models import Category, Request, RequestEvent
from requests_tracker.services import request_submit

pytestmark = pytest.mark.django_db


def _submit(world, user, enterprise, description="春节后普工缺口 30 人"):
    return request_submit(
        actor=user,
        enterprise=enterprise,
        category=Category.objects.get(name="招工用工"),
        description=description,
        source=Request.Source.ONLINE,
    )


def test_contact_submits_for_own_enterprise_with_one_event(world):
    request = _submit(world, world.users["contact"], world.ent_a1)
    assert request.status == "submitted" and request.ref.startswith("QQ")
    assert list(RequestEvent.objects.filter(request=request).values_list("action", flat=True)) == ["submit"]


def test_references_continue_after_existing_ones(world):
    first = _submit(world, world.users["contact"], world.ent_a1)
    second = _submit(world, world.users["contact"], world.ent_a1)
    assert int(second.ref[-6:]) == int(first.ref[-6:]) + 1


def test_contact_cannot_submit_for_another_enterprise(world):
    with pytest.raises(PermissionDenied):
        _submit(world, world.users["contact"], world.ent_b1)
    assert not Request.objects.filter(enterprise=world.ent_b1, description__contains="普工").exists()


def test_empty_description_is_refused_on_the_field(world):
    with pytest.raises(ValidationError) as info:
        _submit(world, world.users["contact"], world.ent_a1, description="   ")
    assert "description" in info.value.message_dict


def test_supervisors_in_scope_are_told_of_a_new_request(world):
    from qiqing.models import Notification

    request = _submit(world, world.users["contact"], world.ent_a1)
    told = set(Notification.objects.filter(kind="submitted").values_list("recipient__username", flat=True))
    # County-wide supervisor yes; the town-B supervisor does not cover 甲镇.
    assert told == {"p_supervisor"}
    assert Notification.objects.get(kind="submitted").title == f"新诉求 {request.ref} 待受理"

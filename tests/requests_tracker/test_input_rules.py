"""What a typed request (portal, staff entry, and the service any API will call) must hold: a
mainland mobile or landline, a description of a sensible length — refused with a Chinese message
naming the field, nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from requests_tracker import rules, services
from requests_tracker.models import Request

pytestmark = pytest.mark.django_db

GOOD = "春节后普工缺口 30 人，希望对接劳务输出地。"


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("13905731234", "13905731234"),
        ("139 0573 1234", "13905731234"),
        ("+86 13905731234", "13905731234"),
        ("０５７３-８４１２３４５６", "0573-84123456"),
        ("057384123456", "057384123456"),
        ("", ""),
    ],
)
def test_valid_phones_are_stored_plainly(phone, stored):
    assert rules.phone_problem(phone) is None and rules.normalize_phone(phone) == stored


@pytest.mark.parametrize("phone", ["abc", "12345", "1390573123", "23905731234", "0573-123", "139057312345"])
def test_invalid_phones_are_named(phone):
    assert "联系电话" in rules.phone_problem(phone) and "0573-84123456" in rules.phone_problem(phone)


def _portal(client, cast, **data):
    body = {"category": cast.category.pk, "description": GOOD, "contact_name": "王芳", **data}
    return client.post(reverse("requests_tracker:submit"), body)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "abc", "联系电话“abc”格式不对"),
        ("description", "招工难", "问题描述至少 10 个字"),
        ("description", "", "请填写问题描述。"),
        ("description", "招" * 10_000, "问题描述最多 2000 个字，当前 10000 个字"),
    ],
)
def test_portal_refuses_bad_input_with_a_chinese_message(cast, login, field, value, message):
    before = Request.objects.count()
    response = _portal(login(cast.users["contact"]), cast, **{field: value})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert Request.objects.count() == before


def test_portal_form_leaves_the_explaining_to_the_server(cast, login):
    """No browser-native "Please fill out this field." or silent cut of a pasted text."""
    html = login(cast.users["contact"]).get(reverse("requests_tracker:submit")).content.decode()
    textarea = html[html.index("<textarea") : html.index("</textarea>")]
    assert "maxlength" not in textarea and "required" not in textarea


def test_portal_accepts_a_good_request_and_stores_the_phone_plainly(cast, login):
    response = _portal(login(cast.users["contact"]), cast, contact_phone="139 0573 1234")
    request = Request.objects.get(description=GOOD)
    assert response.status_code == 302 and request.contact_phone == "13905731234"


def test_staff_entry_refuses_an_invalid_phone(cast, login):
    data = {
        "source": "hotline",
        "enterprise": cast.enterprise.uscc,
        "category": cast.category.pk,
        "description": GOOD,
        "contact_name": "李强",
        "contact_phone": "abc",
    }
    response = login(cast.users["supervisor"]).post(reverse("requests_tracker:staff_entry"), data)
    assert response.status_code == 200 and "联系电话“abc”格式不对" in response.content.decode()
    assert not Request.objects.filter(description=GOOD).exists()


@pytest.mark.parametrize(
    ("source", "description", "phone", "field"),
    [
        ("online", "太短", "", "description"),
        ("hotline", "招" * 2001, "", "description"),
        ("meeting", GOOD, "abc", "contact_phone"),
        # A problem noted during a visit keeps the visit form's rule (no minimum), not the phone.
        ("visit", GOOD, "abc", "contact_phone"),
    ],
)
def test_the_service_itself_refuses_what_an_api_client_could_send(cast, source, description, phone, field):
    with pytest.raises(ValidationError) as caught:
        services.request_submit(
            actor=cast.users["supervisor"],
            enterprise=cast.enterprise,
            category=cast.category,
            description=description,
            source=source,
            contact_phone=phone,
        )
    assert field in caught.value.message_dict
    assert not Request.objects.filter(enterprise=cast.enterprise, description=description).exists()


def test_a_short_problem_noted_during_a_visit_is_still_accepted(cast):
    request = services.request_submit(
        actor=cast.users["supervisor"],
        enterprise=cast.enterprise,
        category=cast.category,
        description="招工难",
        source="visit",
    )
    assert request.description == "招工难"

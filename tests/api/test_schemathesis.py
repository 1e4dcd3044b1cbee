"""Schemathesis against the served OpenAPI schema (/api/schema/), through the WSGI application:
every operation fuzzed with valid and invalid data, failing on any 5xx or any answer the schema
does not describe (status code, content type, headers, body).

The schema is fetched from the application when this module is collected (serving it touches no
table); the calls then run inside each test's database transaction. (Schemathesis'
``pytest.from_fixture`` relies on a pytest internal that pytest 9 no longer has.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api import services
from qiqing.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes database connections at the end of each request (Django's test
    Client unhooks that, schemathesis' WSGI client does not); on PostgreSQL that would close the
    test's own transaction. Unhooked here as the test Client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(world):
    _client, token = services.client_create(
        actor=world.users["admin"],
        name="模糊测试客户端",
        code="fuzz",
        all_towns=True,
        can_read_enterprises=True,
        rate_per_minute=100_000,
    )
    return token


# A USCC's 18th character is a checksum that JSON Schema cannot express, so a code that matches the
# pattern may still be refused with 400 naming the check character: for the two operations that
# take one, "schema-valid data must be accepted" does not hold and is not asserted.
CHECKSUM_OPERATIONS = {"enterprise_by_uscc", "request_submit"}


@schema.parametrize()
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_token):
    excluded = (
        [checks.positive_data_acceptance]
        if case.operation.definition.raw.get("operationId") in CHECKSUM_OPERATIONS
        else []
    )
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"}, excluded_checks=excluded)


def test_hotline_journey_answers_conform_to_the_schema(fuzz_token, world, django_capture_on_commit_callbacks):
    """The 2xx answers fuzzing seldom reaches (a valid USCC needs its checksum): a submit, its retry,
    status, history and changes before and after the unit's reply, each validated by schemathesis."""
    from requests_tracker import services as lifecycle
    from requests_tracker.models import Category, Request

    auth = {"Authorization": f"Bearer {fuzz_token}"}
    category = Category.objects.filter(active=True).first()
    body = {
        "uscc": world.ent_b1.uscc,
        "service_code": str(category.pk),
        "description": "企业反映厂区门口道路破损，影响货车进出。",
        "external_ref": "ZLB-0001",
    }
    submit = schema.find_operation_by_id("request_submit")
    first = submit.Case(body=body, media_type="application/json").call_and_validate(headers=auth)
    again = submit.Case(body=body, media_type="application/json").call_and_validate(headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)
    ref = first.json()["service_request_id"]

    request = Request.objects.get(ref=ref)
    request = lifecycle.request_assign(
        actor=world.users["supervisor"], request=request, lead_unit=world.unit_hr
    )
    handler = world.users["handler"]
    request = lifecycle.request_sign(actor=handler, request=request)
    lifecycle.request_respond(
        actor=handler, request=request, outcome="solved", response="已协调交通局于本周内修复道路破损。"
    )

    status = schema.find_operation_by_id("request_status").Case(path_parameters={"service_request_id": ref})
    answer = status.call_and_validate(headers=auth).json()
    assert answer["status_code"] == "responded" and answer["reply"]["outcome"] == "solved"
    history = schema.find_operation_by_id("request_history").Case(path_parameters={"service_request_id": ref})
    assert len(history.call_and_validate(headers=auth).json()["events"]) == 4
    changes = schema.find_operation_by_id("changes_since").Case(query={"cursor": 0, "limit": 500})
    assert ref in {c["service_request_id"] for c in changes.call_and_validate(headers=auth).json()["changes"]}
    enterprise = schema.find_operation_by_id("enterprise_by_uscc").Case(
        path_parameters={"uscc": world.ent_b1.uscc}
    )
    assert enterprise.call_and_validate(headers=auth).json()["uscc"] == world.ent_b1.uscc

"""A retried submit with the same external_ref returns the same request, never a duplicate."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from api import services
from api.models import ApiSubmission
from requests_tracker.models import Request


@pytest.mark.django_db
def test_retry_returns_the_same_request(hotline, submit_body):
    first = hotline.post("/api/v1/requests/", submit_body)
    again = hotline.post("/api/v1/requests/", submit_body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["service_request_id"] == again.json()["service_request_id"]
    assert ApiSubmission.objects.count() == 1


@pytest.mark.django_db
def test_same_ref_with_other_content_is_409(hotline, submit_body):
    ref = hotline.post("/api/v1/requests/", submit_body).json()["service_request_id"]
    before = Request.objects.count()
    response = hotline.post("/api/v1/requests/", {**submit_body, "description": "另一件事"})
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "external_ref"
    assert ref in response.json()["message"] and Request.objects.count() == before


@pytest.mark.django_db
def test_same_ref_from_another_client_is_another_request(hotline, world, submit_body):
    _other, token = services.client_create(
        actor=world.users["admin"], name="浙里办", code="zlb", towns=[world.town_a]
    )
    one = hotline.post("/api/v1/requests/", submit_body).json()["service_request_id"]
    two = hotline.post("/api/v1/requests/", submit_body, token=token).json()["service_request_id"]
    assert one != two


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_make_one_request(hotline, submit_body, live_server):
    """Two threads post the same submit at the same instant through a real server on PostgreSQL."""
    import urllib.request

    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    answers = []

    def call():
        req = urllib.request.Request(
            f"{live_server.url}/api/v1/requests/",
            data=json.dumps(submit_body).encode(),
            headers={"Authorization": f"Bearer {hotline.token}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        with urllib.request.urlopen(req, timeout=30) as response:
            answers.append((response.status, json.loads(response.read())["service_request_id"]))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ref in answers) == [200, 201]
    assert len({ref for _status, ref in answers}) == 1
    assert Request.objects.filter(api_submission__client=hotline.client).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_service_calls_make_one_request(hotline, world, category):
    """The service itself, called from two threads at once, each with its own connection."""
    from django.db import connections

    barrier = threading.Barrier(2)
    results = []

    def call():
        try:
            barrier.wait()
            request, created = services.api_request_submit(
                client=hotline.client,
                uscc=world.ent_a1.uscc,
                category=category,
                description="同一诉求：厂区供电线路需要增容改造。",
                external_ref="dup-1",
            )
            results.append((request.pk, created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _pk, created in results) == [False, True]
    assert len({pk for pk, _created in results}) == 1

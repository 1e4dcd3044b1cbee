"""Each endpoint answers what the hotline needs, within the client's town scope."""

from __future__ import annotations

import pytest

from requests_tracker import services as lifecycle
from requests_tracker.models import Request, RequestEvent

pytestmark = pytest.mark.django_db


def test_enterprise_by_uscc_in_scope(hotline, world):
    response = hotline.get(f"/api/v1/enterprises/{world.ent_a1.uscc}/")
    assert response.status_code == 200
    assert response.json()["name"] == "甲一精密机械有限公司"
    assert response.json()["town_name"] == "甲镇"


def test_enterprise_outside_scope_is_404(hotline, world):
    response = hotline.get(f"/api/v1/enterprises/{world.ent_b1.uscc}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "uscc"


def test_enterprise_lowercase_uscc_is_normalised(hotline, world):
    assert hotline.get(f"/api/v1/enterprises/{world.ent_a1.uscc.lower()}/").status_code == 200


def test_submit_creates_hotline_request_through_request_submit(hotline, world, submit_body):
    response = hotline.post("/api/v1/requests/", submit_body)
    assert response.status_code == 201, response.content
    body = response.json()
    request = Request.objects.get(ref=body["service_request_id"])
    assert (request.enterprise, request.source, request.status) == (world.ent_a1, "hotline", "submitted")
    assert request.submitted_by == hotline.client.user
    assert body["external_ref"] == "12345-2026-000001" and body["status"] == "open"
    assert RequestEvent.objects.filter(request=request, action="submit").count() == 1


def test_service_account_cannot_sign_in(hotline):
    user = hotline.client.user
    assert not user.is_active and not user.has_usable_password()


def test_status_shows_deadlines_and_reply_after_response(hotline, world, submit_body):
    ref = hotline.post("/api/v1/requests/", submit_body).json()["service_request_id"]
    request = Request.objects.get(ref=ref)
    request = lifecycle.request_assign(
        actor=world.users["supervisor"], request=request, lead_unit=world.unit_hr
    )
    body = hotline.get(f"/api/v1/requests/{ref}/").json()
    assert body["status_code"] == "assigned" and body["agency_responsible"] == "人力社保局"
    assert body["deadlines"]["response_due"] == request.response_due.isoformat()
    assert body["reply"] is None
    assert "交办人力社保局办理" in body["status_notes"]


def test_history_lists_public_events_only(hotline, world, submit_body):
    ref = hotline.post("/api/v1/requests/", submit_body).json()["service_request_id"]
    request = Request.objects.get(ref=ref)
    RequestEvent.objects.create(
        request=request, action="note", note="内部备注", public=False, to_status="submitted"
    )
    RequestEvent.objects.create(
        request=request, action="note", note="公开进展", public=True, to_status="submitted"
    )
    notes = [event["note"] for event in hotline.get(f"/api/v1/requests/{ref}/history/").json()["events"]]
    assert "公开进展" in notes and "内部备注" not in notes


def test_request_of_other_town_is_404(hotline, world):
    response = hotline.get(f"/api/v1/requests/{world.req_b1.ref}/")
    assert response.status_code == 404
    assert hotline.get(f"/api/v1/requests/{world.req_b1.ref}/history/").status_code == 404


def test_request_in_scope_not_submitted_by_client_has_no_external_ref(hotline, world):
    body = hotline.get(f"/api/v1/requests/{world.req_a1.ref}/").json()
    assert body["service_request_id"] == world.req_a1.ref and body["external_ref"] is None


def test_changes_since_cursor_pages_through_status_changes(hotline, world, submit_body):
    ref = hotline.post("/api/v1/requests/", submit_body).json()["service_request_id"]
    request = Request.objects.get(ref=ref)
    first = hotline.get("/api/v1/changes/").json()
    assert [c["service_request_id"] for c in first["changes"]] == [ref]
    lifecycle.request_assign(actor=world.users["supervisor"], request=request, lead_unit=world.unit_hr)
    second = hotline.get("/api/v1/changes/", cursor=first["next_cursor"]).json()
    assert [(c["status_code"], c["external_ref"]) for c in second["changes"]] == [
        ("assigned", "12345-2026-000001")
    ]
    third = hotline.get("/api/v1/changes/", cursor=second["next_cursor"]).json()
    assert third["changes"] == [] and third["next_cursor"] == second["next_cursor"]


def test_changes_leave_out_other_towns(hotline, world):
    RequestEvent.objects.create(
        request=world.req_b1, action="assign", from_status="submitted", to_status="assigned"
    )
    refs = {c["service_request_id"] for c in hotline.get("/api/v1/changes/").json()["changes"]}
    assert world.req_b1.ref not in refs


def test_changes_limit_and_has_more(hotline, world):
    for _ in range(3):
        RequestEvent.objects.create(
            request=world.req_a1, action="sign", from_status="assigned", to_status="in_progress"
        )
    page = hotline.get("/api/v1/changes/", limit=2).json()
    assert len(page["changes"]) == 2 and page["has_more"] is True


def test_categories_and_units(hotline, world, category):
    categories = hotline.get("/api/v1/categories/").json()
    assert {
        "service_code": str(category.pk),
        "service_name": category.name,
        "time_limit_days": category.time_limit_days,
    } in categories
    units = {u["name"] for u in hotline.get("/api/v1/units/").json()}
    assert {"人力社保局", "教育局"} <= units


@pytest.mark.parametrize("size", [2, 12])
def test_changes_query_count_is_constant(hotline, world, size, django_assert_max_num_queries):
    for _ in range(size):
        RequestEvent.objects.create(
            request=world.req_a1, action="sign", from_status="assigned", to_status="in_progress"
        )
    with django_assert_max_num_queries(9):
        assert len(hotline.get("/api/v1/changes/").json()["changes"]) >= size


@pytest.mark.parametrize("size", [1, 8])
def test_history_query_count_is_constant(hotline, world, size, django_assert_max_num_queries):
    for _ in range(size):
        RequestEvent.objects.create(request=world.req_a1, action="note", note="进展", to_status="assigned")
    with django_assert_max_num_queries(9):
        assert len(hotline.get(f"/api/v1/requests/{world.req_a1.ref}/history/").json()["events"]) >= size

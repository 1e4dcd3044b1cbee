"""Reads for API clients. A client is not a user: its scope is its towns (or the whole county),
decided here once for enterprises and requests and used by every endpoint."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from api.models import ApiClient, ApiSubmission
from cadres.models import Unit
from enterprises.models import Enterprise
from requests_tracker.models import Category, Request, RequestEvent


def client_enterprises(client: ApiClient) -> QuerySet[Enterprise]:
    """Enterprises the client may see or file for: those of its towns (all with the county scope)."""
    queryset = Enterprise.objects.all()
    if client.all_towns:
        return queryset
    return queryset.filter(town__in=client.towns.all())


def client_requests(client: ApiClient) -> QuerySet[Request]:
    """Requests of the enterprises in the client's scope."""
    return Request.objects.filter(enterprise__in=client_enterprises(client))


def enterprise_by_uscc(client: ApiClient, uscc: str) -> Enterprise | None:
    return client_enterprises(client).select_related("town").filter(uscc=uscc).first()


def request_detail(client: ApiClient, service_request_id: str) -> Request | None:
    """One request by its reference with everything its status answer shows (a fixed set of queries)."""
    public_events = RequestEvent.objects.filter(public=True).order_by("at", "pk")
    return (
        client_requests(client)
        .select_related("enterprise", "category", "lead_unit", "api_submission")
        .prefetch_related(Prefetch("events", queryset=public_events, to_attr="public_events"))
        .filter(ref=service_request_id)
        .first()
    )


def changes_since(client: ApiClient, cursor: int, limit: int) -> list[RequestEvent]:
    """Public status changes on the client's requests after the cursor (an event id), oldest first."""
    return list(
        RequestEvent.objects.filter(pk__gt=cursor, public=True, request__in=client_requests(client))
        .exclude(to_status="")
        .select_related("request", "request__category", "request__lead_unit", "request__enterprise")
        .order_by("pk")[:limit]
    )


def external_refs(client: ApiClient, request_ids) -> dict[int, str]:
    return dict(
        ApiSubmission.objects.filter(client=client, request_id__in=request_ids).values_list(
            "request_id", "external_ref"
        )
    )


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("order", "name")


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(active=True).select_related("town").order_by("code")

import logging
import time

from django.utils import timezone

logger = logging.getLogger("api.calls")

PREFIX = "/api/v1/"


class ApiCallLogMiddleware:
    """Log every call under /api/v1/: client, endpoint (the path, never the query or headers), status,
    time. The token is in a header and is never written anywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        from api.models import ApiCall

        client = getattr(request, "api_client", None)
        try:
            ApiCall.objects.create(
                client=client,
                method=request.method[:8],
                path=request.path[:200],
                status=response.status_code,
                at=timezone.now(),
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        except Exception:  # noqa: BLE001 - a log write must never turn an answer into an error
            logger.exception("could not write the API call log")
        return response

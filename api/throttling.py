from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiClient


class ClientRateThrottle(SimpleRateThrottle):
    """Calls per minute per client, as the admin set on the client (``rate_per_minute``)."""

    scope = "api_client"
    rate = "120/min"

    def get_rate(self):
        return self.rate

    def allow_request(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return True
        self.num_requests, self.duration = client.rate_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"qiqing:api:throttle:{request.auth.pk}"

"""Bearer-token authentication for API clients. The token is checked against its stored digest
and never logged; the HttpRequest remembers the client so the call log can name it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import services


class ClientTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为“Bearer <令牌>”。"))
        found = services.authenticate(token.strip())
        if found is None:
            raise exceptions.AuthenticationFailed(_("访问令牌无效、已过期或已被吊销。"))
        client, token_row = found
        request._request.api_client = client
        return client.user, client

    def authenticate_header(self, request):
        return 'Bearer realm="qiqing-api"'


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = ClientTokenAuthentication
    name = "clientToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "qq_<前缀>_<密钥>，由系统管理员签发"}

"""Every API error is one JSON shape naming the field and the reason, in Chinese:

{"status": 400, "code": "invalid", "message": "…", "errors": [{"field": "uscc", "message": "…"}]}
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler


class ApiError(exceptions.APIException):
    """An error with a field: ``ApiError(404, "not_found", message, field="uscc")``."""

    def __init__(self, status_code: int, code: str, message: str, field: str = ""):
        self.status_code = status_code
        self.default_code = code
        self.field = field
        super().__init__(detail=message, code=code)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = gettext_lazy("请求体过大。")


def _flatten(detail, field="") -> list[dict]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out += _flatten(value, f"{field}.{name}" if field and name else (name or field))
        return out
    if isinstance(detail, list):
        return [item for value in detail for item in _flatten(value, field)]
    return [{"field": field, "message": str(detail)}]


def _summary(exc) -> tuple[str, str, str]:
    """(code, message, field) for DRF's own exceptions, in our words."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return (
            "not_authenticated",
            _("缺少访问令牌：请在 Authorization 头中以 Bearer 方式提供。"),
            "Authorization",
        )
    if isinstance(exc, exceptions.AuthenticationFailed):
        return "authentication_failed", str(exc.detail), "Authorization"
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return (
            "throttled",
            _("调用过于频繁，已超过本客户端每分钟的调用上限，请 %(n)s 秒后再试。") % {"n": wait},
            "",
        )
    if isinstance(exc, exceptions.ParseError):
        return "malformed_json", _("请求体不是合法的 JSON：%(reason)s") % {"reason": exc.detail}, "body"
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "unsupported_media_type", _("请求体须为 application/json。"), "Content-Type"
    if isinstance(exc, exceptions.MethodNotAllowed):
        return "method_not_allowed", _("该接口不支持此请求方法。"), ""
    if isinstance(exc, exceptions.NotAcceptable):
        return "not_acceptable", _("本接口只返回 application/json。"), "Accept"
    if isinstance(exc, exceptions.NotFound):
        return "not_found", _("未找到，或不在本客户端的数据范围内。"), ""
    if isinstance(exc, exceptions.PermissionDenied):
        return "permission_denied", str(exc.detail), ""
    if isinstance(exc, PayloadTooLarge):
        return "too_large", str(exc.detail), "body"
    return getattr(exc, "default_code", "error"), str(exc.detail), getattr(exc, "field", "")


def handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("没有权限。"))
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body = {
            "status": 400,
            "code": "invalid",
            "message": "；".join(
                f"{e['field']}：{e['message']}" if e["field"] else e["message"] for e in errors
            ),
            "errors": errors,
        }
    else:
        code, message, field = _summary(exc)
        body = {
            "status": response.status_code,
            "code": code,
            "message": message,
            "errors": [{"field": field, "message": message}],
        }
    return Response(
        body,
        status=response.status_code,
        headers={k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")},
    )

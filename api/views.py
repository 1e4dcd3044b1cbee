"""The API's endpoints: thin views over the selectors and services, each with its schema."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors, services
from api.authentication import ClientTokenAuthentication
from api.errors import ApiError
from api.parsers import LimitedJSONParser, check_length
from api.permissions import ClientPermission
from api.serializers import (
    CategorySerializer,
    ChangesSerializer,
    EnterpriseSerializer,
    ErrorSerializer,
    HistorySerializer,
    RequestStatusSerializer,
    SubmitSerializer,
    UnitSerializer,
)
from api.throttling import ClientRateThrottle


def _errors(*codes: int) -> dict:
    words = {
        400: _("参数有误（字段与原因见 errors）"),
        401: _("缺少令牌，或令牌无效、过期、已吊销"),
        403: _("客户端没有此项权限"),
        404: _("不存在或不在客户端范围内"),
        409: _("外部编号已用于内容不同的提交"),
        413: _("请求体过大"),
        415: _("请求体须为 JSON"),
        429: _("超过调用频率上限"),
    }
    return {code: OpenApiResponse(ErrorSerializer, description=words[code]) for code in codes}


COMMON = (400, 401, 403, 429)


class ClientView(APIView):
    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [ClientPermission]
    throttle_classes = [ClientRateThrottle]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    client_permission: str | None = None
    # Query parameters the endpoint reads; any other is refused, so a misspelt one never passes silently.
    query_names: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_length(request)
        unknown = sorted(set(request.query_params) - set(self.query_names))
        if unknown:
            raise ApiError(
                400,
                "invalid",
                _("不支持的查询参数“%(name)s”。") % {"name": unknown[0][:40]},
                field=unknown[0][:40],
            )

    @property
    def client(self):
        return self.request.auth


USCC_PARAM = OpenApiParameter(
    "uscc",
    {"type": "string", "pattern": r"^[0-9A-HJ-NP-RTUW-Y]{18}$"},
    OpenApiParameter.PATH,
    description=_("统一社会信用代码（18 位，第 18 位为 GB 32100 校验位）"),
)
REF_PARAM = OpenApiParameter("service_request_id", str, OpenApiParameter.PATH, description=_("诉求编号"))


class EnterpriseDetail(ClientView):
    client_permission = "can_read_enterprises"

    @extend_schema(
        operation_id="enterprise_by_uscc",
        tags=[_("企业")],
        summary=_("按统一社会信用代码查询企业"),
        parameters=[USCC_PARAM],
        responses={200: EnterpriseSerializer, **_errors(404, *COMMON)},
    )
    def get(self, request, uscc: str):
        try:
            code = services.check_uscc(uscc)
        except DjangoValidationError as exc:
            raise ApiError(400, "invalid_uscc", exc.messages[0], field="uscc") from exc
        enterprise = selectors.enterprise_by_uscc(self.client, code)
        if enterprise is None:
            raise ApiError(
                404, "not_found", _("未找到该统一社会信用代码的企业，或不在本客户端的范围内。"), field="uscc"
            )
        return Response(EnterpriseSerializer(enterprise).data)


class RequestSubmit(ClientView):
    client_permission = "can_submit"

    @extend_schema(
        operation_id="request_submit",
        tags=[_("诉求")],
        summary=_("提交诉求（按 external_ref 幂等）"),
        description=_(
            "首次提交返回 201；同一 external_ref 内容相同的重试返回 200 和同一条诉求，绝不重复登记。"
        ),
        request=SubmitSerializer,
        responses={
            201: RequestStatusSerializer,
            200: RequestStatusSerializer,
            **_errors(404, 409, 413, 415, *COMMON),
        },
    )
    def post(self, request):
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            created_request, created = services.api_request_submit(
                client=self.client,
                uscc=data["uscc"],
                category=data["service_code"],
                description=data["description"],
                external_ref=data["external_ref"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except services.NotInScope as exc:
            raise ApiError(
                404, "not_found", _("未找到该统一社会信用代码的企业，或不在本客户端的范围内。"), field="uscc"
            ) from exc
        except services.Conflict as exc:
            raise ApiError(409, "conflict", exc.message, field="external_ref") from exc
        except DjangoValidationError as exc:
            raise ApiError(
                400, "invalid", "；".join(exc.messages), field=next(iter(getattr(exc, "error_dict", {})), "")
            ) from exc
        found = selectors.request_detail(self.client, created_request.ref)
        body = RequestStatusSerializer(found, context={"client": self.client}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RequestDetail(ClientView):
    client_permission = "can_read_status"

    def _get(self, ref):
        found = selectors.request_detail(self.client, ref)
        if found is None:
            raise ApiError(
                404, "not_found", _("未找到该诉求编号，或不在本客户端的范围内。"), field="service_request_id"
            )
        return found

    @extend_schema(
        operation_id="request_status",
        tags=[_("诉求")],
        summary=_("诉求办理情况：状态、期限、答复"),
        parameters=[REF_PARAM],
        responses={200: RequestStatusSerializer, **_errors(404, *COMMON)},
    )
    def get(self, request, service_request_id: str):
        found = self._get(service_request_id)
        return Response(RequestStatusSerializer(found, context={"client": self.client}).data)


class RequestHistory(RequestDetail):
    @extend_schema(
        operation_id="request_history",
        tags=[_("诉求")],
        summary=_("诉求流转记录（仅企业可见部分）"),
        parameters=[REF_PARAM],
        responses={200: HistorySerializer, **_errors(404, *COMMON)},
    )
    def get(self, request, service_request_id: str):
        found = self._get(service_request_id)
        return Response(
            HistorySerializer({"service_request_id": found.ref, "events": found.public_events}).data
        )


class Changes(ClientView):
    client_permission = "can_read_status"
    query_names = ("cursor", "limit")
    MAX_LIMIT = 500

    @extend_schema(
        operation_id="changes_since",
        tags=[_("轮询")],
        summary=_("自游标以来的状态变化（轮询）"),
        parameters=[
            OpenApiParameter(
                "cursor",
                {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "default": 0},
                description=_("上次返回的 next_cursor；首次为 0"),
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                description=_("每次最多条数（1–500）"),
            ),
        ],
        responses={200: ChangesSerializer, **_errors(*COMMON)},
    )
    def get(self, request):
        cursor = self._int("cursor", 0, 0, 2**63 - 1)
        limit = self._int("limit", 100, 1, self.MAX_LIMIT)
        events = selectors.changes_since(self.client, cursor, limit + 1)
        has_more = len(events) > limit
        events = events[:limit]
        refs = selectors.external_refs(self.client, {event.request_id for event in events})
        body = {
            "changes": events,
            "next_cursor": events[-1].pk if events else cursor,
            "has_more": has_more,
        }
        return Response(ChangesSerializer(body, context={"external_refs": refs}).data)

    def _int(self, name, default, low, high):
        raw = self.request.query_params.get(name)
        if raw is None:  # absent: the default; present but empty ("?cursor=") is not an integer
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ApiError(
                400,
                "invalid",
                _("%(name)s 应为 %(low)s 到 %(high)s 之间的整数。")
                % {"name": name, "low": low, "high": high},
                field=name,
            )
        return value


class Categories(ClientView):
    @extend_schema(
        operation_id="categories",
        tags=[_("代码表")],
        summary=_("问题类别（service_code）"),
        responses={200: CategorySerializer(many=True), **_errors(*COMMON)},
    )
    def get(self, request):
        return Response(CategorySerializer(selectors.active_categories(), many=True).data)


class Units(ClientView):
    @extend_schema(
        operation_id="units",
        tags=[_("代码表")],
        summary=_("承办单位"),
        responses={200: UnitSerializer(many=True), **_errors(*COMMON)},
    )
    def get(self, request):
        return Response(UnitSerializer(selectors.active_units(), many=True).data)

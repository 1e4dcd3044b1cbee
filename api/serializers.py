"""What the API reads and answers. Field names follow Open311 GeoReport v2 where one fits
(service_request_id, service_code, status, status_notes, requested_datetime, updated_datetime,
agency_responsible); the rest are the programme's own (deadlines, reply, history)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api import services
from enterprises.models import Enterprise
from requests_tracker.models import Category, Request, RequestEvent

CLOSED = (Request.Status.CLOSED, Request.Status.REJECTED)


def open311_status(status_code: str) -> str:
    return "closed" if status_code in CLOSED else "open"


def _required(label):
    return {
        "required": _("必须提供%(label)s。") % {"label": label},
        "blank": _("%(label)s不能为空。") % {"label": label},
    }


class SubmitSerializer(serializers.Serializer):
    uscc = serializers.CharField(
        max_length=32,
        help_text=_("企业的统一社会信用代码（18 位，含校验位）"),
        error_messages=_required(_("统一社会信用代码")),
    )
    service_code = serializers.CharField(
        max_length=12,
        help_text=_("问题类别编码，见 /api/v1/categories/"),
        error_messages=_required(_("问题类别编码")),
    )
    description = serializers.CharField(
        max_length=4000, help_text=_("问题描述"), error_messages=_required(_("问题描述"))
    )
    external_ref = serializers.RegexField(
        r"^[\x21-\x7e]{1,64}$",
        max_length=64,
        help_text=_("来源系统自己的工单编号；同一客户端内唯一，重复提交返回同一诉求"),
        error_messages={
            **_required(_("外部编号")),
            "invalid": _("外部编号只能由 1–64 个可见 ASCII 字符组成（不含空格）。"),
        },
    )
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

    def validate_uscc(self, value):
        try:
            return services.check_uscc(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0]) from exc

    def validate_service_code(self, value):
        category = None
        if value.isdigit():
            category = Category.objects.filter(pk=int(value), active=True).first()
        if category is None:
            raise serializers.ValidationError(
                _("未知的问题类别编码“%(code)s”，可用编码见 /api/v1/categories/。") % {"code": value[:12]}
            )
        return category

    def validate_description(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("问题描述不能为空。"))
        return value.strip()


class EnterpriseSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    town_code = serializers.CharField(source="town.code")
    town_name = serializers.CharField(source="town.name")
    industry = serializers.CharField()
    scale = serializers.ChoiceField(choices=Enterprise.Scale.values)
    address = serializers.CharField()
    active = serializers.BooleanField()


class DeadlinesSerializer(serializers.Serializer):
    sign_due = serializers.DateField(allow_null=True, help_text=_("签收期限"))
    contact_due = serializers.DateField(allow_null=True, help_text=_("首次联系企业期限"))
    response_due = serializers.DateField(allow_null=True, help_text=_("答复期限"))
    estimated = serializers.BooleanField(source="deadline_estimated", help_text=_("期限为估算"))
    overdue = serializers.BooleanField(source="is_overdue")


class ReplySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Request.Outcome.values)
    outcome_label = serializers.CharField(source="get_outcome_display")
    response = serializers.CharField()
    responded_datetime = serializers.DateTimeField(source="responded_at")


class RequestStatusSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(source="ref", help_text=_("本系统的诉求编号"))
    external_ref = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    status_code = serializers.ChoiceField(source="status", choices=Request.Status.values)
    status_label = serializers.CharField(source="get_status_display")
    status_notes = serializers.SerializerMethodField()
    service_code = serializers.CharField(source="category_id")
    service_name = serializers.CharField(source="category.name")
    description = serializers.CharField()
    uscc = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")
    agency_responsible = serializers.CharField(source="lead_unit.name", allow_null=True, default=None)
    requested_datetime = serializers.DateTimeField(source="submitted_at")
    updated_datetime = serializers.DateTimeField(source="updated_at")
    deadlines = DeadlinesSerializer(source="*")
    reply = serializers.SerializerMethodField()
    satisfaction = serializers.ChoiceField(choices=Request.Satisfaction.values, allow_blank=True)

    def get_external_ref(self, obj) -> str | None:
        client = self.context["client"]
        submission = getattr(obj, "api_submission", None)
        return submission.external_ref if submission and submission.client_id == client.pk else None

    def get_status(self, obj) -> str:
        return open311_status(obj.status)

    def get_status_notes(self, obj) -> str:
        events = getattr(obj, "public_events", None)
        if events:
            return events[-1].note
        return ""

    def get_reply(self, obj) -> ReplySerializer(allow_null=True):  # type: ignore[valid-type]
        if not obj.responded_at:
            return None
        return ReplySerializer(obj).data


class EventSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(source="pk")
    datetime = serializers.DateTimeField(source="at")
    action = serializers.ChoiceField(choices=RequestEvent.Action.values)
    action_label = serializers.CharField(source="get_action_display")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


class HistorySerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    events = EventSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(source="pk")
    service_request_id = serializers.CharField(source="request.ref")
    external_ref = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    status_code = serializers.CharField(source="to_status")
    previous_status_code = serializers.CharField(source="from_status")
    status_notes = serializers.CharField(source="note")
    updated_datetime = serializers.DateTimeField(source="at")

    def get_external_ref(self, obj) -> str | None:
        return self.context["external_refs"].get(obj.request_id)

    def get_status(self, obj) -> str:
        return open311_status(obj.to_status)


class ChangesSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    next_cursor = serializers.IntegerField(help_text=_("下次查询时传入的 cursor"))
    has_more = serializers.BooleanField()


class CategorySerializer(serializers.Serializer):
    service_code = serializers.CharField(source="pk")
    service_name = serializers.CharField(source="name")
    time_limit_days = serializers.IntegerField(help_text=_("答复时限（工作日）"))


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    level = serializers.CharField()
    town_code = serializers.CharField(source="town.code", allow_null=True, default=None)


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    errors = ErrorItemSerializer(many=True)

"""Registering external systems (接口客户端) in the system admin. A token is shown once, on the
page that issued it; only its digest is kept."""

from django.contrib import admin, messages
from django.db import models
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api import services
from api.models import ApiCall, ApiClient, ApiToken, WebhookDelivery


class TokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    can_delete = False
    fields = ["prefix", "created_at", "expires_at", "revoked_at", "last_used_at", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _token_page(request, client, plain):
    return TemplateResponse(
        request,
        "api/token_issued.html",
        {"client": client, "token": plain, "title": _("访问令牌已签发"), **admin.site.each_context(request)},
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "all_towns",
        "can_submit",
        "can_read_status",
        "can_read_enterprises",
        "active",
    ]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    filter_horizontal = ["towns"]
    exclude = ["webhook_secret"]
    readonly_fields = ["shown_secret"]
    inlines = [TokenInline]
    actions = ["issue_token", "revoke_tokens"]
    # Webhook URLs are often plain http on an intranet or loopback: no scheme guessed as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "http"}}

    @admin.display(description=gettext_lazy("回调签名密钥"))
    def shown_secret(self, obj):
        return obj.webhook_secret if obj and obj.pk else _("保存后生成")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user = services.service_account(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        _token, plain = services.token_issue(actor=request.user, client=obj)
        return _token_page(request, obj, plain)

    @admin.action(description=gettext_lazy("签发新令牌（只显示一次）"))
    def issue_token(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个客户端。"), messages.WARNING)
            return None
        client = queryset.get()
        _token, plain = services.token_issue(actor=request.user, client=client)
        return _token_page(request, client, plain)

    @admin.action(description=gettext_lazy("吊销所选客户端的全部令牌"))
    def revoke_tokens(self, request, queryset):
        count = ApiToken.objects.filter(client__in=queryset, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        self.message_user(request, _("已吊销 %(n)s 个令牌。") % {"n": count})


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["client"]
    fields = ["client", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at", "created_by"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = sum(services.token_revoke(actor=request.user, token=token) for token in queryset)
        self.message_user(request, _("已吊销 %(n)s 个令牌。") % {"n": count})


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "method", "path", "status", "duration_ms"]
    list_filter = ["client", "status"]
    list_select_related = ["client"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "client",
        "event_id",
        "attempts",
        "delivered_at",
        "gave_up_at",
        "last_status",
    ]
    list_filter = ["client"]
    list_select_related = ["client"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

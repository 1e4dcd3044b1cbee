"""External systems that exchange requests with the county (12345 hotline, 浙里办, 企业码 …).

A client is not a person: it owns an inactive service account (so the request history names it as
the one who registered a request, and it can never sign in), a town scope, permissions, hashed
tokens, and the webhook it is told on.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Town
from qiqing.scope import Scope, ScopedQuerySet
from requests_tracker.models import Request, RequestEvent

TOKEN_PREFIX = "qq"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    """Tokens carry 256 random bits, so one round of SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiClientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class ApiClient(models.Model):
    """An external system allowed to call the API (接口客户端)."""

    name = models.CharField(_("系统名称"), max_length=100, unique=True)
    code = models.SlugField(_("客户端编码"), max_length=40, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务账号"),
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    all_towns = models.BooleanField(_("全县范围"), default=False)
    towns = models.ManyToManyField(Town, verbose_name=_("镇街范围"), blank=True, related_name="+")
    can_submit = models.BooleanField(_("可提交诉求"), default=True)
    can_read_status = models.BooleanField(_("可查询办理情况"), default=True)
    can_read_enterprises = models.BooleanField(_("可查询企业"), default=False)
    source = models.CharField(
        _("诉求来源"), max_length=10, choices=Request.Source.choices, default=Request.Source.HOTLINE
    )
    rate_per_minute = models.PositiveIntegerField(
        _("每分钟调用上限"), default=120, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    webhook_url = models.URLField(
        _("回调地址"), blank=True, help_text=_("状态变化时推送到此地址；留空则不推送。")
    )
    webhook_secret = models.CharField(_("回调签名密钥"), max_length=64, default=new_webhook_secret)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")

    def __str__(self):
        return self.name


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, client__active=True)


class ApiToken(models.Model):
    """A bearer token of a client (访问令牌): shown once when issued, stored only as a digest."""

    client = models.ForeignKey(
        ApiClient, verbose_name=_("客户端"), on_delete=models.CASCADE, related_name="tokens"
    )
    # The public part, for finding the row and for telling tokens apart in lists and logs.
    prefix = models.CharField(_("令牌前缀"), max_length=12, unique=True)
    digest = models.CharField(_("摘要"), max_length=64)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")

    def __str__(self):
        return f"{TOKEN_PREFIX}_{self.prefix}_…"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class ApiSubmissionQuerySet(ScopedQuerySet):
    """Visible with its request (the model's ``scope``)."""


class ApiSubmission(models.Model):
    """A request an external system submitted, under that system's own reference (外部编号)."""

    client = models.ForeignKey(
        ApiClient, verbose_name=_("客户端"), on_delete=models.PROTECT, related_name="submissions"
    )
    external_ref = models.CharField(_("外部编号"), max_length=64)
    request = models.OneToOneField(
        Request, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="api_submission"
    )
    # SHA-256 of the submitted fields: a retry must carry the same content as the first call.
    fingerprint = models.CharField(_("内容摘要"), max_length=64)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    objects = ApiSubmissionQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        verbose_name = _("接口提交")
        verbose_name_plural = _("接口提交")
        constraints = [
            models.UniqueConstraint(fields=["client", "external_ref"], name="api_submission_unique_ref")
        ]

    def __str__(self):
        return f"{self.client} {self.external_ref} → {self.request_id}"


class ApiCall(models.Model):
    """One call to the API (调用日志): who, which endpoint, the answer, when — never the token."""

    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("客户端"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    method = models.CharField(_("方法"), max_length=8)
    path = models.CharField(_("接口"), max_length=200)
    status = models.PositiveSmallIntegerField(_("状态码"))
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("调用日志")
        verbose_name_plural = _("调用日志")
        indexes = [models.Index(fields=["client", "at"])]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"


class WebhookDeliveryQuerySet(ScopedQuerySet):
    """Visible with its request (the model's ``scope``)."""

    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(delivered_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """A status change to push to a client's webhook (回调推送): the outbox row, written with the change."""

    client = models.ForeignKey(
        ApiClient, verbose_name=_("客户端"), on_delete=models.CASCADE, related_name="deliveries"
    )
    request = models.ForeignKey(Request, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        RequestEvent, verbose_name=_("流转记录"), on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("推送内容"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("回调推送")
        verbose_name_plural = _("回调推送")
        constraints = [models.UniqueConstraint(fields=["client", "event"], name="webhook_one_per_event")]

    def __str__(self):
        return f"{self.client} · {self.event_id}"

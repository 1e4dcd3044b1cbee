from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre
from enterprises.models import Enterprise
from qiqing.models import AppendOnly, Uploaded
from qiqing.scope import Scope, ScopedQuerySet


class VisitQuerySet(ScopedQuerySet):
    pass


class Visit(models.Model):
    """A cadre's visit to an enterprise (走访), with the business-condition survey (走访调查表)."""

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("实地走访")
        PHONE = "phone", _("电话")
        MEETING = "meeting", _("座谈/亲清会")
        FOLLOWUP = "followup", _("回访")

    class Orders(models.TextChoices):
        AMPLE = "ample", _("订单充足")
        NORMAL = "normal", _("基本正常")
        SHORT = "short", _("订单不足")

    class Trend(models.TextChoices):
        UP = "up", _("增长")
        FLAT = "flat", _("持平")
        DOWN = "down", _("下降")
        LOSS = "loss", _("亏损")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="visits"
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("走访干部"), on_delete=models.PROTECT, related_name="visits"
    )
    participants = models.ManyToManyField(
        Cadre, verbose_name=_("同行干部"), blank=True, related_name="joined_visits"
    )
    date = models.DateField(_("走访日期"), db_index=True)
    mode = models.CharField(_("走访方式"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    summary = models.TextField(_("走访情况"))
    orders = models.CharField(_("订单情况"), max_length=10, choices=Orders.choices, blank=True)
    headcount = models.PositiveIntegerField(_("在岗职工数"), null=True, blank=True)
    vacancies = models.PositiveIntegerField(_("用工缺口(人)"), null=True, blank=True)
    output_yoy = models.DecimalField(
        _("产值/销售同比(%)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(1000)],
    )
    profit_trend = models.CharField(_("利润趋势"), max_length=10, choices=Trend.choices, blank=True)
    imported = models.BooleanField(_("台账导入"), default=False)
    # The phone's own id for a visit (a UUID made when it was logged): the idempotency key, so a
    # resend, a double tap or a second tab never makes a second visit. The digest is of what was
    # sent, so a replay with other content is told apart from a plain resend.
    client_id = models.UUIDField(_("客户端编号"), null=True, blank=True, unique=True, editable=False)
    client_digest = models.CharField(_("提交内容摘要"), max_length=64, blank=True, editable=False)
    offline = models.BooleanField(_("离线登记"), default=False, help_text=_("在无网络时登记、联网后同步。"))
    checkin_latitude = models.DecimalField(
        _("签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_longitude = models.DecimalField(
        _("签到经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_accuracy = models.PositiveIntegerField(_("定位精度(米)"), null=True, blank=True)
    checkin_distance = models.PositiveIntegerField(_("距企业(米)"), null=True, blank=True)
    # Never a refusal (a meeting may be held elsewhere): a mark for the supervisor to look at.
    location_mismatch = models.BooleanField(_("位置不符"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Not auto_now_add: ledger imports and the demo seed record when a visit was really logged.
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = VisitQuerySet.as_manager()
    scope = Scope(town="enterprise__town", enterprise="enterprise", cadre="cadre")

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        indexes = [
            models.Index(fields=["enterprise", "date"]),
            models.Index(fields=["cadre", "date"]),
        ]

    def __str__(self):
        return f"{self.date} {self.cadre.name} → {self.enterprise.name}"

    @property
    def checked_in(self) -> bool:
        return self.checkin_latitude is not None

    @property
    def has_survey(self) -> bool:
        return any(
            value not in (None, "")
            for value in (self.orders, self.headcount, self.vacancies, self.output_yoy, self.profit_trend)
        )


class VisitRevision(AppendOnly):
    """One correction of a logged visit (走访更正记录): who changed which fields, before → after."""

    record_name = _("走访更正记录")

    visit = models.ForeignKey(
        Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="revisions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("更正时间"), default=timezone.now)
    # {field name: {"label": 中文字段名, "before": shown value, "after": shown value}}; values are
    # stored as display text so the history still reads right after choices or names change.
    changes = models.JSONField(_("修改内容"), default=dict)
    reason = models.CharField(_("更正说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("走访更正记录")
        verbose_name_plural = _("走访更正记录")
        indexes = [models.Index(fields=["visit", "at"])]

    def __str__(self):
        return f"{self.visit_id} {self.at:%Y-%m-%d %H:%M}"


class VisitPhotoQuerySet(ScopedQuerySet):
    """A photo is seen by whoever may read its visit (``VisitPhoto.scope``)."""


class VisitPhoto(Uploaded):
    """A photo taken at a visit (走访照片), resized on the phone; served only through a scoped view."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("照片"), max_length=200)
    thumbnail = models.FileField(_("缩略图"), max_length=200)
    width = models.PositiveIntegerField(_("宽(像素)"))
    height = models.PositiveIntegerField(_("高(像素)"))
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("内容摘要"), max_length=64)

    objects = VisitPhotoQuerySet.as_manager()
    scope = Scope(through="visit")

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self):
        return f"{self.visit_id} #{self.pk}"

"""The trust records. Each is reachable from a page by id, so each queryset's ``visible_to``
delegates to the request it belongs to (the one place request scope is decided)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Unit
from enterprises.models import Town
from qiqing.scope import Scope, ScopedQuerySet
from requests_tracker.models import Request, RequestEvent


class SpotCheckDraw(models.Model):
    """One week's random draw of closures to call back (随机抽查), reproducible from its seed.

    The audit: ``random.Random(seed).sample(population, size)`` over the stored, sorted request
    ids gives ``chosen`` again (``requests_tracker.trust.spotcheck.redraw``).
    """

    week_start = models.DateField(_("抽查周(周一)"), unique=True)
    seed = models.BigIntegerField(_("随机种子"))
    share = models.PositiveSmallIntegerField(_("抽查比例(%)"))
    minimum = models.PositiveSmallIntegerField(_("最少件数"))
    population = models.JSONField(_("可抽诉求"), default=list, blank=True)  # a quiet week draws from nothing
    chosen = models.JSONField(_("抽中诉求"), default=list, blank=True)
    created_at = models.DateTimeField(_("抽取时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽取人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("随机抽查")
        verbose_name_plural = _("随机抽查")

    def __str__(self):
        return _("%(week)s 周抽查") % {"week": f"{self.week_start:%Y-%m-%d}"}

    @property
    def week_end(self):
        return self.week_start + dt.timedelta(days=6)


class CallbackQuerySet(ScopedQuerySet):
    """Callbacks on requests the user may open (the model's ``scope``)."""

    def pending(self):
        return self.filter(status=Callback.Status.PENDING)


class Callback(models.Model):
    """A call back to the enterprise (回访) by the supervisor's office, with its outcome."""

    class Reason(models.TextChoices):
        UNSATISFIED = "unsatisfied", _("不满意评价")
        AUTO_CLOSED = "auto_closed", _("逾期未评自动办结")
        SPOT_CHECK = "spot_check", _("随机抽查")

    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        DONE = "done", _("已回访")

    class Result(models.TextChoices):
        REACHED = "reached", _("已联系上企业")
        UNREACHED = "unreached", _("多次联系未果")

    class Verdict(models.TextChoices):
        SOLVED = "solved", _("企业确认已解决")
        NOT_SOLVED = "not_solved", _("企业确认未解决")
        NOT_WISH = "not_wish", _("非企业本意")

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="callbacks"
    )
    reason = models.CharField(_("回访原因"), max_length=12, choices=Reason.choices, db_index=True)
    # The event that called for it (the rating or the automatic close): one callback per event.
    event = models.OneToOneField(
        RequestEvent,
        verbose_name=_("触发记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callback",
    )
    draw = models.ForeignKey(
        SpotCheckDraw,
        verbose_name=_("所属抽查"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    # Who answered and where, as they were when the callback was created: the figures count
    # a false closure against the unit that closed it even if the request moves on.
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    town = models.ForeignKey(Town, verbose_name=_("属地"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now, db_index=True)
    due = models.DateField(_("回访期限"))
    due_estimated = models.BooleanField(_("期限为估算"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("未接通次数"), default=0)
    result = models.CharField(_("回访情况"), max_length=10, choices=Result.choices, blank=True)
    verdict = models.CharField(_("企业意见"), max_length=12, choices=Verdict.choices, blank=True)
    note = models.TextField(_("回访记录"), blank=True)
    # The request was closed and the enterprise said it is not solved: a false closure (不实办结).
    false_closure = models.BooleanField(_("不实办结"), default=False)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = CallbackQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        ordering = ["-status", "due", "pk"]
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "request"], condition=Q(draw__isnull=False), name="callback_once_per_draw"
            ),
            models.CheckConstraint(
                condition=~Q(verdict="not_solved") | ~Q(note=""), name="callback_not_solved_has_note"
            ),
        ]
        indexes = [models.Index(fields=["status", "due"]), models.Index(fields=["town", "created_at"])]

    def __str__(self):
        return f"{self.request.ref} · {self.get_reason_display()}"

    @property
    def late(self) -> bool:
        return self.status == self.Status.PENDING and self.due < timezone.localdate()


class RatingAppealQuerySet(ScopedQuerySet):
    """Appeals on requests the user may open (the model's ``scope``)."""


class RatingAppeal(models.Model):
    """A unit's appeal (申诉) of one 不满意 rating, reviewed (复核) by the supervisor's office."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待复核")
        UPHELD = "upheld", _("维持评价")
        OVERTURNED = "overturned", _("撤销评价")

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="appeals"
    )
    # The rating appealed: one appeal per rating, ever.
    rating_event = models.OneToOneField(
        RequestEvent, verbose_name=_("被申诉的评价"), on_delete=models.PROTECT, related_name="appeal"
    )
    rated_at = models.DateTimeField(_("评价时间"))
    unit = models.ForeignKey(Unit, verbose_name=_("申诉单位"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("申诉理由"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申诉人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("申诉时间"), default=timezone.now)
    status = models.CharField(
        _("复核结果"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_note = models.TextField(_("复核意见"), blank=True)

    objects = RatingAppealQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("评价申诉")
        verbose_name_plural = _("评价申诉")

    def __str__(self):
        return f"{self.request.ref} · {self.get_status_display()}"

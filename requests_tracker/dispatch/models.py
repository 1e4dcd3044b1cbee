"""The dispatch records: catalogue entries with their history, and numbered batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Unit
from enterprises.models import Town
from qiqing.models import AppendOnly
from qiqing.scope import Scope, ScopedQuerySet
from requests_tracker.models import Category, YearSequence


class DispatchRule(models.Model):
    """A dispatch catalogue entry (派单目录): a category [in one town] → lead unit, assisting units, time limit."""

    category = models.ForeignKey(
        Category, verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="dispatch_rules"
    )
    town = models.ForeignKey(
        Town,
        verbose_name=_("属地"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatch_rules",
        help_text=_("为空表示全县通用；填写镇街时，该镇街企业的诉求优先按此条派单。"),
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("默认牵头单位"), on_delete=models.PROTECT, related_name="dispatch_rules"
    )
    assist_units = models.ManyToManyField(
        Unit, verbose_name=_("默认协办单位"), blank=True, related_name="dispatch_assists"
    )
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限(工作日)"))
    active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    # Reference data for triage, like units: every supervisor reads the whole catalogue.
    scope = Scope(supervisors=True)

    class Meta:
        ordering = ["category__order", "category__name", "town__name", "pk"]
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        constraints = [
            models.UniqueConstraint(
                fields=["category"], condition=Q(town__isnull=True), name="dispatch_rule_one_county_wide"
            ),
            models.UniqueConstraint(
                fields=["category", "town"],
                condition=Q(town__isnull=False),
                name="dispatch_rule_one_per_town",
            ),
        ]

    def __str__(self):
        where = self.town.name if self.town_id else _("全县")
        return f"{self.category.name}（{where}）→ {self.lead_unit.name}"


class DispatchRuleChange(AppendOnly):
    """One edit of a catalogue entry (派单目录修改记录): who, when, before and after; append-only."""

    record_name = _("派单目录修改记录")

    rule = models.ForeignKey(
        DispatchRule, verbose_name=_("派单目录"), on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    before = models.JSONField(_("修改前"), default=dict, blank=True)
    after = models.JSONField(_("修改后"), default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("派单目录修改记录")
        verbose_name_plural = _("派单目录修改记录")

    def __str__(self):
        return f"{self.rule_id} {self.at:%Y-%m-%d %H:%M}"


class BatchSequence(YearSequence):
    """The last batch number handed out in one year (交办〔2026〕第6批)."""

    class Meta:
        verbose_name = _("交办批次序列")
        verbose_name_plural = _("交办批次序列")

    @classmethod
    def next_number(cls, year: int) -> int:
        """Reserve the next number; call inside a transaction (the row is locked until commit)."""
        sequence, _created = cls.objects.select_for_update().get_or_create(year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence.last


class Batch(models.Model):
    """A numbered assignment batch (交办批次): many requests assigned at once with one note."""

    year = models.PositiveSmallIntegerField(_("年份"))
    number = models.PositiveIntegerField(_("批次号"))
    note = models.TextField(_("交办说明"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("交办时间"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()
    # A town supervisor sees the batches holding requests of their towns (a county-wide batch
    # shows them only their towns' rows — the request list is scoped again); the creator sees theirs.
    scope = Scope(town="requests__enterprise__town", creator="created_by")

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("交办批次")
        verbose_name_plural = _("交办批次")
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="batch_unique_number")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return _("交办〔%(year)s〕第%(number)s批") % {"year": self.year, "number": self.number}

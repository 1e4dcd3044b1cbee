from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from cadres import rules
from enterprises.models import Enterprise, Town
from qiqing.access import HANDLER, SUPERVISOR
from qiqing.models import ChangeLog
from qiqing.scope import Scope, ScopedQuerySet, Via
from qiqing.validators import validate_phone


class Level(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWN = "town", _("镇级")


class UnitQuerySet(ScopedQuerySet):
    pass


class Unit(models.Model):
    """A unit (单位): a county department (机关部门) or a town/street government (镇/街道)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("部门")
        TOWN = "town", _("镇街")

    code = models.CharField(_("单位编码"), max_length=20, unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices)
    town = models.ForeignKey(
        Town,
        verbose_name=_("所属镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        help_text=_("镇街本身及镇级部门填写所属镇街；县级部门留空。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()
    # Units are reference data for triage: every supervisor sees them all.
    scope = Scope(supervisors=True, unit="", cadre="cadres")

    class Meta:
        ordering = ["level", "kind", "code"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            # A town government and every town-level unit belong to a town.
            models.CheckConstraint(
                condition=Q(kind="department", level="county") | Q(town__isnull=False),
                name="unit_town_required",
            ),
        ]

    def __str__(self):
        return self.name


class CadreQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(active=True)

    def with_active_count(self):
        return self.annotate(active_count=Count("assignments", filter=Q(assignments__end__isnull=True)))

    def needing_attention(self):
        """Active cadres holding fewer than the minimum number of enterprises (below 2)."""
        return self.active().with_active_count().filter(active_count__lt=rules.minimum())


class Cadre(models.Model):
    """A county or town cadre (联企干部) who is paired with 2–10 enterprises."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
    )
    code = models.CharField(_("干部编号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="cadres")
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, validators=[validate_phone])
    active = models.BooleanField(_("在岗"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CadreQuerySet.as_manager()
    scope = Scope(
        town=("unit__town", Via("assignments__enterprise__town", assignments__end__isnull=True)),
        cadre="",
    )

    class Meta:
        ordering = ["unit__code", "code"]
        verbose_name = _("干部")
        verbose_name_plural = _("干部")

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @property
    def town(self):
        return self.unit.town

    def active_assignment_count(self) -> int:
        return self.assignments.filter(end__isnull=True).count()


class AssignmentQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(end__isnull=True)

    def active_on(self, day):
        """Pairs in force on ``day``: the end date is the last day of the pairing."""
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))


class Assignment(models.Model):
    """A cadre–enterprise pairing (联系关系) with dates, so history survives reassignment."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="assignments"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="assignments"
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(
        _("结束日期"), null=True, blank=True, help_text=_("联系关系的最后一天；在岗联系留空。")
    )
    is_lead = models.BooleanField(_("主联系人"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()
    # A pair is visible with its cadre (the pairs page of a cadre in scope).
    scope = Scope(through="cadre")

    class Meta:
        ordering = ["-start", "pk"]
        verbose_name = _("联系关系")
        verbose_name_plural = _("联系关系")
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "enterprise"],
                condition=Q(end__isnull=True),
                name="assignment_one_active_pair",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="assignment_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "end"]),
            models.Index(fields=["cadre", "end"]),
        ]

    def __str__(self):
        return f"{self.cadre.name} ↔ {self.enterprise.name}"

    @property
    def is_active(self) -> bool:
        return self.end is None

    def clean(self):
        errors = {}
        if self.end and self.start and self.end < self.start:
            errors["end"] = _("结束日期不能早于开始日期。")
        if self.end is None and self.cadre_id and self.enterprise_id:
            others = Assignment.objects.active().filter(cadre_id=self.cadre_id).exclude(pk=self.pk)
            if others.filter(enterprise_id=self.enterprise_id).exists():
                errors["enterprise"] = _("该干部已在联系这家企业，不能重复添加。")
            elif rules.exceeds(others.count() + 1):
                errors["cadre"] = rules.full_message()
        if errors:
            raise ValidationError(errors)


def pair_state(assignment: Assignment) -> dict:
    """A pair as the change log keeps it: names are copied so history reads right after renames."""
    return {
        "cadre_id": assignment.cadre_id,
        "cadre": assignment.cadre.name,
        "cadre_code": assignment.cadre.code,
        "start": assignment.start.isoformat() if assignment.start else None,
        "end": assignment.end.isoformat() if assignment.end else None,
        "is_lead": assignment.is_lead,
    }


class AssignmentChange(ChangeLog):
    """One change to a cadre–enterprise pair (联系关系变更记录): who, when, before → after; append-only."""

    record_name = _("联系关系变更记录")

    class Action(models.TextChoices):
        CREATE = "create", _("新增联系")
        END = "end", _("结束联系")
        TRANSFER = "transfer", _("批量移交")
        SUGGEST = "suggest", _("采纳自动建议")
        IMPORT = "import", _("台账导入")

    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("联系关系"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="pair_changes"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="pair_changes"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("联系关系变更记录")
        verbose_name_plural = _("联系关系变更记录")
        indexes = [
            models.Index(fields=["cadre", "at"]),
            models.Index(fields=["enterprise", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.cadre_id}↔{self.enterprise_id}"

    @staticmethod
    def describe(state: dict) -> str:
        if not state:
            return "—"
        period = _("%(start)s 至 %(end)s") % {
            "start": state.get("start") or "?",
            "end": state.get("end") or _("今"),
        }
        text = _("%(cadre)s（%(code)s）%(period)s") % {
            "cadre": state.get("cadre", ""),
            "code": state.get("cadre_code", ""),
            "period": period,
        }
        if state.get("is_lead"):
            text += str(_("，主联系人"))
        return text

    @property
    def before_text(self) -> str:
        return self.describe(self.before)

    @property
    def after_text(self) -> str:
        return self.describe(self.after)


class StaffRole(models.Model):
    """A staff role held by a login: supervisor (服务企业办, county-wide or one town) or handler (部门经办人)."""

    class Role(models.TextChoices):
        SUPERVISOR = SUPERVISOR, _("服务企业办")
        HANDLER = HANDLER, _("部门经办人")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("经办单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_roles",
        help_text=_("部门经办人必填：只处理交办给本单位的诉求。"),
    )
    town = models.ForeignKey(
        Town,
        verbose_name=_("督办范围"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_roles",
        help_text=_("服务企业办：留空为全县，选择镇街则只管该镇街。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")
        constraints = [
            models.CheckConstraint(
                condition=Q(role=SUPERVISOR, unit__isnull=True)
                | Q(role=HANDLER, unit__isnull=False, town__isnull=True),
                name="staffrole_scope_matches_role",
            ),
        ]

    def __str__(self):
        scope = self.unit or self.town or _("全县")
        return f"{self.user} · {self.get_role_display()} · {scope}"

    def clean(self):
        if self.role == HANDLER and not self.unit_id:
            raise ValidationError({"unit": _("部门经办人必须指定经办单位。")})
        if self.role == HANDLER and self.town_id:
            raise ValidationError({"town": _("部门经办人不设督办范围，请留空。")})
        if self.role == SUPERVISOR and self.unit_id:
            raise ValidationError({"unit": _("服务企业办角色不设经办单位，请留空。")})

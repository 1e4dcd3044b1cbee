from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.validators import USCC_REGEX, normalize_uscc, validate_uscc
from qiqing.scope import Scope, ScopedQuerySet


class Town(models.Model):
    """A town or street (镇/街道): the territory (属地) an enterprise belongs to."""

    code = models.CharField(_("属地编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(
        _("类型"), max_length=10, choices=[("town", _("镇")), ("street", _("街道"))], default="town"
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(town="")

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("镇街")
        verbose_name_plural = _("镇街")

    def __str__(self):
        return self.name


class Tag(models.Model):
    """A label on enterprises (重点企业, 在建项目, 在审批项目 …) used to filter lists and dashboards."""

    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业标签")
        verbose_name_plural = _("企业标签")

    def __str__(self):
        return self.name


class EnterpriseQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(active=True)


class Enterprise(models.Model):
    """An enterprise in the programme (企业); one enterprise, one file (一企一档)."""

    class Scale(models.TextChoices):
        ABOVE = "above", _("规上")
        BELOW = "below", _("规下")

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("企业名称"), max_length=200)
    town = models.ForeignKey(
        Town, verbose_name=_("属地"), on_delete=models.PROTECT, related_name="enterprises"
    )
    industry = models.CharField(_("行业"), max_length=50, blank=True, db_index=True)
    scale = models.CharField(_("规模"), max_length=10, choices=Scale.choices, default=Scale.BELOW)
    annual_output = models.DecimalField(
        _("年产值(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("员工数"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    # Where the enterprise is (WGS 84, as phones report it): from the ledger, or set by an admin
    # from a visit's check-in; visits logged far from it are flagged 位置不符.
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="enterprises")
    active = models.BooleanField(_("在册"), default=True, help_text=_("注销、迁出的企业不再计入覆盖率分母。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()
    scope = Scope(town="town", enterprise="", unit=("requests__lead_unit", "requests__assists__unit"))

    class Meta:
        ordering = ["town__order", "name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        constraints = [
            models.CheckConstraint(condition=Q(uscc__regex=USCC_REGEX), name="enterprise_uscc_format"),
        ]
        indexes = [models.Index(fields=["town", "active"])]

    def __str__(self):
        return self.name

    def clean(self):
        self.uscc = normalize_uscc(self.uscc)
        self.name = (self.name or "").strip()


class EnterpriseContact(models.Model):
    """An enterprise's contact person with a login (企业联络人, often the union chair 工会主席)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.CASCADE,
        related_name="enterprise_contact",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True, help_text=_("如：工会主席、办公室主任"))
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["enterprise", "name"]
        verbose_name = _("企业联络人")
        verbose_name_plural = _("企业联络人")

    def __str__(self):
        return f"{self.name}（{self.enterprise}）"

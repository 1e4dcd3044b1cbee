"""The programmes' groups: service teams (服务小组), industry chains (产业链), service commissioners
(服务专员) and multi-enterprise meetups (亲清会 / 座谈会).

Groups sit above requests (a request may be raised at a meetup or routed to a team, through lazy
``"groups.…"`` references on Request) and below visits and analytics, which read them for the
enterprise file, the team page and the chain dashboard.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Cadre, Unit
from enterprises.models import Enterprise, Town
from qiqing.models import ChangeLog, Uploaded
from qiqing.scope import Scope, ScopedQuerySet
from qiqing.validators import validate_phone


class IndustryChain(models.Model):
    """An industry chain (产业链, e.g. 袜业) with its chain chief (链长) and member enterprises."""

    code = models.CharField(_("产业链编码"), max_length=20, unique=True)
    name = models.CharField(_("产业链名称"), max_length=50, unique=True)
    chief = models.ForeignKey(
        Cadre,
        verbose_name=_("链长"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chains_led",
        help_text=_("链长须为在岗干部（一般为县领导）。"),
    )
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("链上企业"), blank=True, related_name="chains"
    )
    description = models.TextField(_("简介"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # County-wide staff, the chief and the members of the chain's task force (产业链专班).
    scope = Scope(cadre=("chief", "teams__leader", "teams__members"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")

    def __str__(self):
        return self.name

    def clean(self):
        self.name = (self.name or "").strip()
        if self.chief_id is None:
            raise ValidationError({"chief": _("链长：请选择一名在岗干部。")})
        if not Cadre.objects.filter(pk=self.chief_id, active=True).exists():
            raise ValidationError({"chief": _("链长：所选干部已不在岗，请选择在岗干部。")})


class ServiceTeamQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(active=True)

    def of_cadre(self, cadre_id):
        """Active teams the cadre leads or belongs to."""
        return self.active().filter(
            models.Q(leader_id=cadre_id)
            | models.Q(
                pk__in=ServiceTeam.members.through.objects.filter(cadre_id=cadre_id).values("serviceteam_id")
            )
        )


class ServiceTeam(models.Model):
    """A service team (服务小组): 智囊团, 1+2+N team, advisor team or chain task force, with its
    leader, member cadres, member units and the enterprises (or chain) it serves."""

    class Kind(models.TextChoices):
        THINK_TANK = "think_tank", _("智囊团")
        ONE_TWO_N = "one_two_n", _("1+2+N服务小组")
        ADVISORS = "advisors", _("顾问团")
        CHAIN_FORCE = "chain_force", _("产业链专班")

    code = models.CharField(_("小组编码"), max_length=20, unique=True)
    name = models.CharField(_("小组名称"), max_length=100)
    kind = models.CharField(_("小组类型"), max_length=12, choices=Kind.choices)
    town = models.ForeignKey(
        Town,
        verbose_name=_("所属镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_teams",
        help_text=_("镇街组建的小组填写；县级小组留空。"),
    )
    leader = models.ForeignKey(
        Cadre,
        verbose_name=_("组长"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    members = models.ManyToManyField(Cadre, verbose_name=_("成员干部"), blank=True, related_name="teams")
    units = models.ManyToManyField(Unit, verbose_name=_("成员单位"), blank=True, related_name="service_teams")
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("服务企业"), blank=True, related_name="service_teams"
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("服务产业链"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
    )
    note = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ServiceTeamQuerySet.as_manager()
    scope = Scope(
        town=("town", "enterprises__town"),
        unit="units",
        cadre=("leader", "members"),
    )

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("服务小组")
        verbose_name_plural = _("服务小组")

    def __str__(self):
        return self.name

    def enterprise_ids(self) -> set[int]:
        """The enterprises the team serves: its own, or its chain's."""
        ids = set(self.enterprises.values_list("pk", flat=True))
        if self.chain_id:
            ids |= set(self.chain.enterprises.values_list("pk", flat=True))
        return ids


def team_state(team: ServiceTeam) -> dict:
    """A team as the change log keeps it: names copied so history reads right after renames."""
    return {
        "name": team.name,
        "kind": team.kind,
        "leader": team.leader.name if team.leader_id else "",
        "members": sorted(c.name for c in team.members.all()),
        "units": sorted(u.name for u in team.units.all()),
        "enterprises": sorted(e.name for e in team.enterprises.all()),
        "chain": team.chain.name if team.chain_id else "",
        "active": team.active,
    }


class ServiceTeamChange(ChangeLog):
    """One change to a service team (服务小组变更记录): who, when, before → after; append-only."""

    record_name = _("服务小组变更记录")

    class Action(models.TextChoices):
        CREATE = "create", _("新建小组")
        UPDATE = "update", _("调整小组")
        IMPORT = "import", _("台账导入")

    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    team = models.ForeignKey(
        ServiceTeam, verbose_name=_("服务小组"), on_delete=models.CASCADE, related_name="changes"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("服务小组变更记录")
        verbose_name_plural = _("服务小组变更记录")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.team_id}"

    def changed_fields(self) -> list[tuple[str, str, str]]:
        """(field, before, after) for every field that differs."""
        out = []
        for key in sorted(set(self.before) | set(self.after)):
            old, new = self.before.get(key), self.after.get(key)
            if old != new:
                show = lambda v: "、".join(v) if isinstance(v, list) else ("" if v is None else str(v))  # noqa: E731
                out.append((key, show(old) or "—", show(new) or "—"))
        return out


class ServiceType(models.TextChoices):
    """What a service commissioner (服务专员) answers for."""

    WATER = "water", _("供水")
    POWER = "power", _("供电")
    GAS = "gas", _("供气")
    TRANSPORT = "transport", _("交通物流")
    PERMIT = "permit", _("审批")
    FILING = "filing", _("备案")
    PASS = "pass", _("通行证")
    HIRING = "hiring", _("用工")
    FINANCE = "finance", _("融资")
    POLICY = "policy", _("政策咨询")


# The request category → the service types whose commissioner an enterprise can call about it.
# The one place the two lists meet (the portal's "call the commissioner" box and the directory's
# filter both read it).
CATEGORY_SERVICE_TYPES = {
    "招工用工": (ServiceType.HIRING,),
    "融资信贷": (ServiceType.FINANCE,),
    "土地厂房": (ServiceType.PERMIT,),
    "用电用能": (ServiceType.POWER, ServiceType.WATER, ServiceType.GAS),
    "审批手续": (ServiceType.PERMIT, ServiceType.FILING),
    "环保整改": (ServiceType.FILING,),
    "交通道路": (ServiceType.TRANSPORT, ServiceType.PASS),
    "政策咨询": (ServiceType.POLICY,),
    "人才引育": (ServiceType.POLICY,),
}
# Types every enterprise uses, shown in every contact's directory.
EVERYDAY_TYPES = (ServiceType.WATER, ServiceType.POWER, ServiceType.GAS)


class CommissionerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True, cadre__active=True)

    def serving(self, town_id):
        """Commissioners for the county as a whole and for ``town_id``."""
        return self.filter(models.Q(town__isnull=True) | models.Q(town_id=town_id))


class Commissioner(models.Model):
    """A service commissioner (服务专员): a cadre designated for one service type, with a public
    phone enterprises call directly. The directory is public to every login; no page names one
    by id."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="commissions"
    )
    service_type = models.CharField(_("服务类型"), max_length=12, choices=ServiceType.choices)
    phone = models.CharField(_("公开电话"), max_length=20, validators=[validate_phone])
    town = models.ForeignKey(
        Town,
        verbose_name=_("服务镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commissioners",
        help_text=_("留空为全县。"),
    )
    hours = models.CharField(_("服务时间"), max_length=50, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    objects = CommissionerQuerySet.as_manager()

    class Meta:
        ordering = ["service_type", "town", "pk"]
        verbose_name = _("服务专员")
        verbose_name_plural = _("服务专员")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "service_type"], name="commissioner_one_type_per_cadre")
        ]

    def __str__(self):
        return f"{self.get_service_type_display()} · {self.cadre.name}"

    def clean(self):
        if not self.phone:
            raise ValidationError({"phone": _("公开电话：请填写专员对外公布的电话。")})
        if self.cadre_id and not Cadre.objects.filter(pk=self.cadre_id, active=True).exists():
            raise ValidationError({"cadre": _("干部：所选干部已不在岗，不能担任服务专员。")})


class Meetup(models.Model):
    """A meetup (亲清会 / 座谈会 / 营商早茶会) a town holds with several enterprises at once."""

    class Kind(models.TextChoices):
        QINQING = "qinqing", pgettext_lazy("meetup kind", "亲清会")
        FORUM = "forum", _("座谈会")
        TEA = "tea", _("营商早茶会")

    kind = models.CharField(_("会议形式"), max_length=10, choices=Kind.choices, default=Kind.QINQING)
    theme = models.CharField(_("主题"), max_length=200)
    date = models.DateField(_("日期"), db_index=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host_town = models.ForeignKey(
        Town, verbose_name=_("主办镇街"), on_delete=models.PROTECT, related_name="meetups"
    )
    host_unit = models.ForeignKey(
        Unit,
        verbose_name=_("主办单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetups_hosted",
    )
    enterprises = models.ManyToManyField(Enterprise, verbose_name=_("参会企业"), related_name="meetups")
    cadres = models.ManyToManyField(Cadre, verbose_name=_("参会干部"), blank=True, related_name="meetups")
    units = models.ManyToManyField(Unit, verbose_name=_("参会部门"), blank=True, related_name="meetups")
    minutes = models.TextField(_("会议纪要"), blank=True)
    minutes_shareable = models.BooleanField(
        _("纪要向企业公开"), default=False, help_text=_("勾选后参会企业的联络人可以阅读会议纪要。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(
        town="host_town",
        enterprise="enterprises",
        unit="units",
        cadre="cadres",
        creator="created_by",
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("亲清会")
        verbose_name_plural = _("亲清会")
        indexes = [models.Index(fields=["host_town", "date"])]

    def __str__(self):
        return f"{self.date} {self.theme}"


class MeetupPhoto(Uploaded):
    """A photo of a meetup (会议照片), served only through the scoped view."""

    meetup = models.ForeignKey(
        Meetup, verbose_name=_("亲清会"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("照片"), max_length=200, upload_to="meetups/%Y/%m/")
    content_type = models.CharField(_("文件类型"), max_length=50)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(through="meetup")

    class Meta:
        ordering = ["meetup", "pk"]
        verbose_name = _("会议照片")
        verbose_name_plural = _("会议照片")

    def __str__(self):
        return f"{self.meetup_id} · {self.pk}"

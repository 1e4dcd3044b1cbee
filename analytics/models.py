from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiqing.scope import Scope, ScopedQuerySet


class Snapshot(models.Model):
    """Precomputed metric counts for one period and one scope, so dashboards read small tables."""

    class Period(models.TextChoices):
        DAY = "day", _("日")
        WEEK = "week", _("周")
        MONTH = "month", _("月")
        QUARTER = "quarter", _("季")
        YEAR = "year", _("年")

    class Scope(models.TextChoices):
        COUNTY = "county", _("全县")
        TOWN = "town", _("镇街")
        UNIT = "unit", _("单位")
        CADRE = "cadre", _("干部")
        INDUSTRY = "industry", _("行业")
        CHAIN = "chain", _("产业链")

    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    # A period still running is snapshotted up to the last complete day; the nightly job moves this on.
    data_until = models.DateField(_("数据截至"))
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    scope_key = models.CharField(
        _("范围编码"),
        max_length=60,
        blank=True,
        help_text=_("全县为空；镇街/单位/干部/产业链为编码；行业为名称。"),
    )

    enterprises_active = models.PositiveIntegerField(_("在册企业数"), default=0)
    enterprises_visited = models.PositiveIntegerField(_("已走访企业数"), default=0)
    visits = models.PositiveIntegerField(_("走访次数"), default=0)
    requests = models.PositiveIntegerField(_("诉求数"), default=0)
    closed = models.PositiveIntegerField(_("办结数"), default=0)
    closed_on_time = models.PositiveIntegerField(_("按期办结数"), default=0)
    assigned = models.PositiveIntegerField(_("交办数"), default=0)
    assigned_responded = models.PositiveIntegerField(_("已反馈交办数"), default=0)
    assigned_face_to_face = models.PositiveIntegerField(_("首次联系见面交办数"), default=0)
    rated = models.PositiveIntegerField(_("已评价数"), default=0)
    satisfied = models.PositiveIntegerField(_("满意及基本满意数"), default=0)
    overdue = models.PositiveIntegerField(_("超期件"), default=0)
    reopened = models.PositiveIntegerField(_("重新办理数"), default=0)
    category_counts = models.JSONField(_("分类诉求数"), default=dict, blank=True)
    # Set by the job to its run's time, so a re-run can drop slots it no longer produces.
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        ordering = ["-period_start", "period", "scope", "scope_key"]
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "period_start", "scope", "scope_key"], name="snapshot_unique_slot"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="snapshot_period_order"
            ),
            models.CheckConstraint(
                condition=models.Q(data_until__gte=models.F("period_start"))
                & models.Q(data_until__lte=models.F("period_end")),
                name="snapshot_data_within_period",
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "scope_key", "period", "period_start"]),
            # The snapshot generation dashboards key their cached bodies on (analytics.bodies).
            models.Index(fields=["computed_at"], name="snapshot_computed_at"),
        ]

    def __str__(self):
        return f"{self.get_period_display()} {self.period_start} {self.get_scope_display()} {self.scope_key}"


class RankingIndicator(models.Model):
    """An indicator of the towns' weekly contest (擂台比武) and the weight an admin gives it."""

    code = models.CharField(_("指标"), max_length=40, unique=True)
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=2, default=10, validators=[MinValueValidator(0)]
    )
    active = models.BooleanField(_("参与排名"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("擂台比武指标")
        verbose_name_plural = _("擂台比武指标")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="ranking_weight_not_negative")
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        from analytics.ranking import INDICATORS

        indicator = INDICATORS.get(self.code)
        return indicator.label if indicator else self.code

    def clean(self):
        from django.core.exceptions import ValidationError

        from analytics.ranking import INDICATORS
        from qiqing.i18n import join

        if self.code not in INDICATORS:
            raise ValidationError(
                {
                    "code": _("没有这个指标：%(code)s。可选：%(codes)s")
                    % {"code": self.code, "codes": join(INDICATORS)}
                }
            )


class TownRanking(models.Model):
    """One week's town ranking (擂台比武) with the weights it was scored with."""

    week_start = models.DateField(_("周（周一）"), unique=True)
    period_start = models.DateField(_("统计起"))
    period_end = models.DateField(_("统计止"))
    indicators = models.JSONField(_("指标与权重"), default=list)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("擂台比武排名")
        verbose_name_plural = _("擂台比武排名")

    def __str__(self):
        year, week, _weekday = self.week_start.isocalendar()
        return _("%(year)s年第%(week)s周擂台比武") % {"year": year, "week": week}


class TownRankingEntry(models.Model):
    """A town's place in one week's ranking: score, rank, change since last week, red or black list."""

    class Board(models.TextChoices):
        RED = "red", _("红榜")
        BLACK = "black", _("黑榜")
        NONE = "", "—"

    ranking = models.ForeignKey(
        TownRanking, verbose_name=_("排名"), on_delete=models.CASCADE, related_name="entries"
    )
    town = models.ForeignKey(
        "enterprises.Town", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("名次"))
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    previous_rank = models.PositiveSmallIntegerField(_("上周名次"), null=True, blank=True)
    board = models.CharField(_("榜单"), max_length=5, choices=Board.choices, blank=True)
    # Indicator code → {"value": raw value as text or None, "score": 0–100 as text or None}.
    values = models.JSONField(_("指标值"), default=dict)

    class Meta:
        ordering = ["ranking", "rank", "town__order"]
        verbose_name = _("擂台比武名次")
        verbose_name_plural = _("擂台比武名次")
        constraints = [models.UniqueConstraint(fields=["ranking", "town"], name="ranking_entry_unique_town")]

    def __str__(self):
        return f"{self.ranking} {self.rank}. {self.town}"

    @property
    def change(self) -> int | None:
        """Places gained since last week (positive = moved up); None for a town new to the table."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


class ProblemCluster(models.Model):
    """A common problem (共性问题): similar requests from several enterprises, found by the clustering job."""

    category = models.ForeignKey(
        "requests_tracker.Category",
        verbose_name=_("问题类别"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    label = models.CharField(_("名称"), max_length=120, help_text=_("由关键词生成，如“返岗 · 普工 · 招工”。"))
    keywords = models.JSONField(_("关键词"), default=list)
    size = models.PositiveIntegerField(_("诉求数"))
    enterprises = models.PositiveIntegerField(_("企业数"))
    representative = models.ForeignKey(
        "requests_tracker.Request",
        verbose_name=_("代表诉求"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    window_start = models.DateField(_("统计起"))
    window_end = models.DateField(_("统计止"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    # A common problem is visible to whoever may see one of its requests.
    scope = Scope(through="members__request")

    class Meta:
        ordering = ["-size", "pk"]
        verbose_name = _("共性问题")
        verbose_name_plural = _("共性问题")

    def __str__(self):
        return _("%(label)s（%(size)s 件）") % {"label": self.label, "size": self.size}


class ProblemClusterMember(models.Model):
    """One request's place in a common problem, with its similarity to the problem's centre."""

    cluster = models.ForeignKey(
        ProblemCluster, verbose_name=_("共性问题"), on_delete=models.CASCADE, related_name="members"
    )
    request = models.ForeignKey(
        "requests_tracker.Request", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="+"
    )
    similarity = models.FloatField(_("相似度"))

    class Meta:
        ordering = ["cluster", "-similarity", "request"]
        verbose_name = _("共性问题诉求")
        verbose_name_plural = _("共性问题诉求")
        constraints = [models.UniqueConstraint(fields=["request"], name="cluster_member_one_cluster")]
        indexes = [models.Index(fields=["cluster", "similarity"])]

    def __str__(self):
        return f"{self.cluster_id} · {self.request_id}"

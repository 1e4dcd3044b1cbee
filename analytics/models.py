from django.db import models


class Snapshot(models.Model):
    """Precomputed metric counts for one period and one scope, so dashboards read small tables."""

    class Period(models.TextChoices):
        DAY = "day", "日"
        WEEK = "week", "周"
        MONTH = "month", "月"
        QUARTER = "quarter", "季"
        YEAR = "year", "年"

    class Scope(models.TextChoices):
        COUNTY = "county", "全县"
        TOWN = "town", "镇街"
        UNIT = "unit", "单位"
        CADRE = "cadre", "干部"
        INDUSTRY = "industry", "行业"

    period = models.CharField("周期", max_length=8, choices=Period.choices)
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    scope = models.CharField("范围", max_length=10, choices=Scope.choices)
    scope_key = models.CharField(
        "范围编码", max_length=60, blank=True, help_text="全县为空；镇街/单位/干部为编码；行业为名称。"
    )

    enterprises_active = models.PositiveIntegerField("在册企业数", default=0)
    enterprises_visited = models.PositiveIntegerField("已走访企业数", default=0)
    visits = models.PositiveIntegerField("走访次数", default=0)
    requests = models.PositiveIntegerField("诉求数", default=0)
    closed = models.PositiveIntegerField("办结数", default=0)
    closed_on_time = models.PositiveIntegerField("按期办结数", default=0)
    assigned = models.PositiveIntegerField("交办数", default=0)
    assigned_responded = models.PositiveIntegerField("已反馈交办数", default=0)
    rated = models.PositiveIntegerField("已评价数", default=0)
    satisfied = models.PositiveIntegerField("满意及基本满意数", default=0)
    overdue = models.PositiveIntegerField("超期件", default=0)
    reopened = models.PositiveIntegerField("重新办理数", default=0)
    category_counts = models.JSONField("分类诉求数", default=dict, blank=True)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        ordering = ["-period_start", "period", "scope", "scope_key"]
        verbose_name = "指标快照"
        verbose_name_plural = "指标快照"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "period_start", "scope", "scope_key"], name="snapshot_unique_slot"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="snapshot_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.get_period_display()} {self.period_start} {self.get_scope_display()} {self.scope_key}"

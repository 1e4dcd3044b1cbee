from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cadres.models import Assignment, Cadre, Unit
from enterprises.models import Enterprise
from qiqing.access import access_for


class Category(models.Model):
    """A problem category (问题类别) with its own response time limit in working days."""

    name = models.CharField("类别名称", max_length=30, unique=True)
    time_limit_days = models.PositiveSmallIntegerField(
        "办理时限(工作日)", default=10, help_text="交办后答复企业的期限，按法定工作日计算。"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "问题类别"
        verbose_name_plural = "问题类别"

    def __str__(self):
        return self.name


class RequestSequence(models.Model):
    """The last number handed out for request references (编号) in one year: QQ2026000123."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "诉求编号序列"
        verbose_name_plural = "诉求编号序列"

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_ref(cls, year: int) -> str:
        """Reserve the next reference; call inside a transaction (the row is locked until commit)."""
        prefix = f"QQ{year}"
        sequence, created = cls.objects.select_for_update().get_or_create(year=year)
        if created:
            # Start after references already present (seeded or imported in this pattern).
            existing = (
                Request.objects.filter(ref__startswith=prefix, ref__regex=rf"^{prefix}[0-9]{{6}}$")
                .order_by("-ref")
                .values_list("ref", flat=True)
                .first()
            )
            sequence.last = int(existing[len(prefix) :]) if existing else 0
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return f"{prefix}{sequence.last:06d}"


class RequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Request.OPEN_STATUSES)

    def overdue(self, today=None):
        """Open requests past their response deadline now (DESIGN.md §5: 超期件)."""
        today = today or timezone.localdate()
        return self.filter(status__in=Request.CLOCK_STATUSES, response_due__lt=today)

    def for_units(self, unit_ids):
        """Requests a unit leads (主办) or assists (协办)."""
        return self.filter(
            Q(lead_unit_id__in=unit_ids)
            | Q(pk__in=RequestAssist.objects.filter(unit_id__in=unit_ids).values("request_id"))
        )

    def visible_to(self, user):
        """Requests the user may open: the one place request scope is decided."""
        access = access_for(user)
        if access.sees_everything:
            return self.all()
        q = Q()
        matched = False
        if access.supervised_town_ids:
            q |= Q(enterprise__town_id__in=access.supervised_town_ids)
            matched = True
        if access.handler_unit_ids:
            q |= Q(lead_unit_id__in=access.handler_unit_ids) | Q(
                pk__in=RequestAssist.objects.filter(unit_id__in=access.handler_unit_ids).values("request_id")
            )
            matched = True
        if access.cadre_id:
            mine = Assignment.objects.filter(cadre_id=access.cadre_id, end__isnull=True).values(
                "enterprise_id"
            )
            q |= Q(enterprise_id__in=mine) | Q(cadre_id=access.cadre_id)
            matched = True
        if access.contact_enterprise_id:
            q |= Q(enterprise_id=access.contact_enterprise_id)
            matched = True
        return self.filter(q) if matched else self.none()


class Request(models.Model):
    """A request or problem raised by an enterprise (诉求), tracked from submission to close-out (销号)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待受理"
        ASSIGNED = "assigned", "已交办"
        IN_PROGRESS = "in_progress", "办理中"
        ESCALATED = "escalated", "已上报"
        REOPENED = "reopened", "重新办理"
        RESPONDED = "responded", "已答复"
        CLOSED = "closed", "已办结"
        REJECTED = "rejected", "不予受理"

    class Source(models.TextChoices):
        VISIT = "visit", "走访收集"
        ONLINE = "online", "企业在线提交"
        HOTLINE = "hotline", "热线登记"
        MEETING = "meeting", "座谈会/亲清会"
        LEDGER = "ledger", "台账导入"

    class Outcome(models.TextChoices):
        SOLVED = "solved", "已解决"
        PARTLY = "partly", "部分解决"
        EXPLAINED = "explained", "解释说明"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    # Not yet answered: a department still owes the enterprise a response.
    OPEN_STATUSES = (
        Status.SUBMITTED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.ESCALATED,
        Status.REOPENED,
    )
    # Open and with a running response clock (assigned to a unit).
    CLOCK_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.ESCALATED, Status.REOPENED)

    ref = models.CharField("编号", max_length=32, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="requests"
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name="来源走访",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    category = models.ForeignKey(
        Category, verbose_name="问题类别", on_delete=models.PROTECT, related_name="requests"
    )
    description = models.TextField("问题描述")
    cadre = models.ForeignKey(
        Cadre,
        verbose_name="联企干部",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_name = models.CharField("企业联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    submitted_at = models.DateTimeField("提出时间", default=timezone.now, db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )

    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="牵头单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_requests",
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name="协办单位", through="RequestAssist", blank=True, related_name="assisted_requests"
    )
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    sign_due = models.DateField("签收期限", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    contact_due = models.DateField("首次联系期限", null=True, blank=True)
    contacted_at = models.DateTimeField("首次联系时间", null=True, blank=True)
    response_due = models.DateField("答复期限", null=True, blank=True, db_index=True)
    deadline_estimated = models.BooleanField(
        "期限为估算", default=False, help_text="期限跨入官方节假日安排尚未公布的年份，暂按周一至周五计算。"
    )
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=10, choices=Outcome.choices, blank=True)
    response = models.TextField("答复内容", blank=True)
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True, db_index=True)
    reopen_count = models.PositiveSmallIntegerField("重新办理次数", default=0)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    is_overdue = models.BooleanField("已超期", default=False, db_index=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="重复于",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    reject_reason = models.TextField("不予受理理由", blank=True)
    # Optimistic lock: every transition bumps it; a form posted with an old version is refused.
    version = models.PositiveIntegerField("版本", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        constraints = [
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True) | Q(responded_at__gte=F("submitted_at")),
                name="request_responded_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("submitted_at")),
                name="request_closed_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True)
                | Q(responded_at__isnull=True)
                | Q(closed_at__gte=F("responded_at")),
                name="request_closed_after_responded",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "submitted_at"]),
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["status", "response_due"]),
        ]

    def __str__(self):
        return f"{self.ref} {self.enterprise.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def on_time(self) -> bool | None:
        """Whether the (last) response came by the response deadline; None until responded."""
        if not self.responded_at or not self.response_due:
            return None
        return timezone.localdate(self.responded_at) <= self.response_due


class RequestAssist(models.Model):
    """An assisting unit (协办单位) on a request, answering the lead unit within its own deadline."""

    request = models.ForeignKey(
        Request, verbose_name="诉求", on_delete=models.CASCADE, related_name="assists"
    )
    unit = models.ForeignKey(Unit, verbose_name="协办单位", on_delete=models.PROTECT, related_name="assists")
    due = models.DateField("协办期限", null=True, blank=True)
    answered_at = models.DateTimeField("反馈时间", null=True, blank=True)
    answer = models.TextField("协办意见", blank=True)

    class Meta:
        verbose_name = "协办"
        verbose_name_plural = "协办"
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="assist_unique_unit")]

    def __str__(self):
        return f"{self.request.ref} · {self.unit}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("诉求流转记录只能追加，不能修改。")

    def delete(self):
        raise ValidationError("诉求流转记录只能追加，不能删除。")


class RequestEvent(models.Model):
    """One step in a request's history (流转记录): append-only, written with the change it records."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交诉求"
        ASSIGN = "assign", "交办"
        REJECT = "reject", "不予受理"
        SIGN = "sign", "签收"
        CONTACT = "contact", "联系企业"
        NOTE = "note", "办理进展"
        ASSIST = "assist", "协办反馈"
        RETURN = "return", "退回"
        EXTEND_ASK = "extend_ask", "申请延期"
        EXTEND_OK = "extend_ok", "同意延期"
        EXTEND_NO = "extend_no", "不同意延期"
        RESPOND = "respond", "答复企业"
        RATE = "rate", "企业评价"
        CLOSE = "close", "销号办结"
        AUTO_CLOSE = "auto_close", "逾期未评自动办结"
        REOPEN = "reopen", "重新办理"
        ESCALATE = "escalate", "上报"
        ESCALATE_REPLY = "escalate_reply", "上级答复"
        NOTICE = "notice", "督办"
        OVERDUE = "overdue", "超期"
        IMPORT = "import", "台账导入"

    request = models.ForeignKey(Request, verbose_name="诉求", on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("动作", max_length=20, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12, blank=True)
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("企业可见", default=True)
    imported = models.BooleanField("台账导入", default=False)
    data = models.JSONField("附加数据", default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "流转记录"
        verbose_name_plural = "流转记录"
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self):
        return f"{self.request.ref} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("诉求流转记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("诉求流转记录只能追加，不能删除。")

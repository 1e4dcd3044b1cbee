import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Cadre, Unit
from enterprises.models import Enterprise, Town
from qiqing.models import AppendOnly, Uploaded
from qiqing.scope import Scope, ScopedQuerySet
from requests_tracker import state


class Category(models.Model):
    """A problem category (问题类别) with its own response time limit in working days."""

    name = models.CharField(_("类别名称"), max_length=30, unique=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("办理时限(工作日)"), default=10, help_text=_("交办后答复企业的期限，按法定工作日计算。")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")

    def __str__(self):
        return self.name


class YearSequence(models.Model):
    """The last number handed out in one year; a row per year, locked while a number is taken."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    last = models.PositiveIntegerField(_("已用到"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.year}: {self.last}"


class RequestSequence(YearSequence):
    """The last number handed out for request references (编号) in one year: QQ2026000123."""

    class Meta:
        verbose_name = _("诉求编号序列")
        verbose_name_plural = _("诉求编号序列")

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


class RequestQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=Request.OPEN_STATUSES)

    def overdue(self, today=None):
        """Open requests past their response deadline now (DESIGN.md §5: 超期件)."""
        today = today or timezone.localdate()
        return self.filter(status__in=Request.CLOCK_STATUSES, response_due__lt=today)

    def awaiting_triage(self):
        return self.filter(status=Request.Status.SUBMITTED)

    def for_units(self, unit_ids):
        """Requests a unit leads (主办) or assists (协办)."""
        return self.filter(
            Q(lead_unit_id__in=unit_ids)
            | Q(pk__in=RequestAssist.objects.filter(unit_id__in=unit_ids).values("request_id"))
        )


class Request(models.Model):
    """A request or problem raised by an enterprise (诉求), tracked from submission to close-out (销号)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        ASSIGNED = "assigned", _("已交办")
        IN_PROGRESS = "in_progress", _("办理中")
        ESCALATED = "escalated", _("已上报")
        REOPENED = "reopened", pgettext_lazy("request status", "重新办理")
        RESPONDED = "responded", _("已答复")
        CLOSED = "closed", _("已办结")
        REJECTED = "rejected", pgettext_lazy("request status", "不予受理")

    class Source(models.TextChoices):
        VISIT = "visit", _("走访收集")
        ONLINE = "online", _("企业在线提交")
        HOTLINE = "hotline", _("热线登记")
        MEETING = "meeting", _("座谈会/亲清会")
        LEDGER = "ledger", _("台账导入")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("已解决")
        PARTLY = "partly", _("部分解决")
        EXPLAINED = "explained", _("解释说明")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    class FirstContact(models.TextChoices):
        PHONE = "phone", _("电话联系")
        ONSITE = "onsite", _("上门走访")
        MEETING = "meeting", _("约见座谈")
        ONLINE = "online", _("线上沟通")

    # 问题见面率 counts these: the unit met the enterprise face to face.
    FACE_TO_FACE = (FirstContact.ONSITE, FirstContact.MEETING)

    class RejectKind(models.TextChoices):
        DUPLICATE = "duplicate", _("重复诉求")
        OUT_OF_SCOPE = "out_of_scope", _("不属于受理范围")

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

    ref = models.CharField(_("编号"), max_length=32, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="requests"
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("来源走访"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    # Lazy references: groups sit above requests in the import order.
    meetup = models.ForeignKey(
        "groups.Meetup",
        verbose_name=_("来源亲清会"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    team = models.ForeignKey(
        "groups.ServiceTeam",
        verbose_name=_("转交服务小组"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        help_text=_("联企干部提出问题时建议由其服务小组协同办理。"),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="requests"
    )
    description = models.TextField(_("问题描述"))
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("联企干部"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_name = models.CharField(_("企业联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    submitted_at = models.DateTimeField(_("提出时间"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )

    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_requests",
    )
    co_units = models.ManyToManyField(
        Unit,
        verbose_name=_("协办单位"),
        through="RequestAssist",
        blank=True,
        related_name="assisted_requests",
    )
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    sign_due = models.DateField(_("签收期限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    contact_due = models.DateField(_("首次联系期限"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    response_due = models.DateField(_("答复期限"), null=True, blank=True, db_index=True)
    deadline_estimated = models.BooleanField(
        _("期限为估算"),
        default=False,
        help_text=_("期限跨入官方节假日安排尚未公布的年份，暂按周末和法定节日估算。"),
    )
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=10, choices=Outcome.choices, blank=True)
    response = models.TextField(_("答复内容"), blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # The enterprise's latest verdict, kept when 不满意 reopens the request (``satisfaction`` is
    # then cleared for the next round): what the satisfaction rate counts (DESIGN.md §5).
    last_rating = models.CharField(_("最近一次评价"), max_length=12, choices=Satisfaction.choices, blank=True)
    last_rated_at = models.DateTimeField(_("最近一次评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    is_overdue = models.BooleanField(_("已超期"), default=False, db_index=True)
    # Lateness on the two earlier clocks, kept apart so is_overdue keeps its metric meaning
    # (response deadline passed and not responded).
    sign_overdue = models.BooleanField(_("签收超期"), default=False)
    contact_overdue = models.BooleanField(_("联系超期"), default=False)
    # What the deadlines were counted from, so the screen can explain them and a calendar change
    # (admins entering next year's holidays) can recount them.
    clock_start = models.DateField(_("起算日期"), null=True, blank=True)
    sign_days = models.PositiveSmallIntegerField(_("签收时限(工作日)"), null=True, blank=True)
    contact_days = models.PositiveSmallIntegerField(_("联系时限(工作日)"), null=True, blank=True)
    response_days = models.PositiveSmallIntegerField(
        _("答复时限(工作日)"), null=True, blank=True, help_text=_("为空表示答复期限是批准延期后的固定日期。")
    )
    rating_due = models.DateField(_("评价期限"), null=True, blank=True)
    reject_kind = models.CharField(_("不予受理类型"), max_length=12, choices=RejectKind.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    reject_reason = models.TextField(_("不予受理理由"), blank=True)
    # Optimistic lock: every transition bumps it; a form posted with an old version is refused.
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Dispatch (派单): how the unit first reached the enterprise (问题见面率 counts onsite and
    # meeting), the batch it was assigned in (交办批次), and the parent case it was merged into (并单).
    first_contact_method = models.CharField(
        _("首次联系方式"), max_length=10, choices=FirstContact.choices, blank=True
    )
    batch = models.ForeignKey(
        "requests_tracker.Batch",
        verbose_name=_("交办批次"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("并入主诉求"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = RequestQuerySet.as_manager()
    scope = Scope(
        town="enterprise__town",
        enterprise="enterprise",
        unit={"lead": "lead_unit", "assist": "assists__unit"},
        cadre="cadre",
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
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

    # The ledger's column → this model's field, for the shared date rules.
    RULE_FIELDS = {
        "submitted": "submitted_at",
        "responded": "responded_at",
        "closed": "closed_at",
        "outcome": "outcome",
        "satisfaction": "satisfaction",
    }

    def clean(self):
        """The request state rules (``requests_tracker.state``) every service's full_clean applies."""
        errors = state.date_errors(
            submitted=self.submitted_at,
            responded=self.responded_at,
            closed=self.closed_at,
            outcome=self.outcome,
            satisfaction=self.satisfaction,
        )
        if errors:
            raise ValidationError({self.RULE_FIELDS[key]: message for key, message in errors.items()})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def on_time(self) -> bool | None:
        """Whether the (last) response came by the response deadline; None until responded."""
        if not self.responded_at or not self.response_due:
            return None
        return timezone.localdate(self.responded_at) <= self.response_due

    @property
    def awaiting_sign(self) -> bool:
        return self.status in (self.Status.ASSIGNED, self.Status.REOPENED)

    @property
    def awaiting_contact(self) -> bool:
        return self.status in self.CLOCK_STATUSES and self.contacted_at is None

    @property
    def return_flagged(self) -> bool:
        """Returned more than the allowed number of times: the supervisor must decide."""
        return self.return_count > settings.QIQING_RETURN_FLAG_AFTER

    @property
    def awaiting_rating(self) -> bool:
        return self.status == self.Status.RESPONDED and not self.satisfaction

    @property
    def awaiting_close(self) -> bool:
        return self.status == self.Status.RESPONDED and self.satisfaction in (
            self.Satisfaction.SATISFIED,
            self.Satisfaction.BASIC,
        )


class RequestAssist(models.Model):
    """An assisting unit (协办单位) on a request, answering the lead unit within its own deadline."""

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="assists"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("协办单位"), on_delete=models.PROTECT, related_name="assists"
    )
    due = models.DateField(_("协办期限"), null=True, blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answer = models.TextField(_("协办意见"), blank=True)

    class Meta:
        verbose_name = _("协办")
        verbose_name_plural = _("协办")
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="assist_unique_unit")]

    def __str__(self):
        return f"{self.request.ref} · {self.unit}"


def _attachment_path(instance, filename):
    """A generated name: the uploader's file name never reaches the file system."""
    extension = ATTACHMENT_EXTENSIONS.get(instance.content_type, "")
    return f"requests/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}"


ATTACHMENT_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


class RequestAttachment(Uploaded):
    """A file attached to a request (附件): a PDF or an image, served only through a scoped view."""

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小(字节)"))

    objects = ScopedQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ExtensionRequest(models.Model):
    """A lead unit's request to move the response deadline (延期申请), decided by a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("不同意")
        WITHDRAWN = "withdrawn", _("已失效")

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="extensions"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    reason = models.TextField(_("延期理由"))
    previous_due = models.DateField(_("原答复期限"))
    proposed_due = models.DateField(_("申请延至"))
    status = models.CharField(_("审批状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="pending"), name="extension_one_pending"
            )
        ]

    def __str__(self):
        return _("%(ref)s 延至 %(due)s") % {"ref": self.request.ref, "due": self.proposed_due}


class Escalation(models.Model):
    """A request reported to a higher level (上报) that a unit cannot solve, tracked until answered."""

    class Level(models.TextChoices):
        COUNTY = "county", _("县级领导小组")
        CITY = "city", _("市级部门")

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.CharField(_("上报层级"), max_length=10, choices=Level.choices)
    reason = models.TextField(_("上报理由"))
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("上级答复"), blank=True)
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope = Scope(through="request")

    class Meta:
        ordering = ["-escalated_at", "-pk"]
        verbose_name = _("上报记录")
        verbose_name_plural = _("上报记录")
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(answered_at__isnull=True), name="escalation_one_open"
            )
        ]

    def __str__(self):
        return f"{self.request.ref} → {self.get_level_display()}"


class NoticeSequence(YearSequence):
    """The last supervision-notice number handed out in one year (督办〔2026〕第12号)."""

    class Meta:
        verbose_name = _("督办编号序列")
        verbose_name_plural = _("督办编号序列")

    @classmethod
    def next_number(cls, year: int) -> int:
        """Reserve the next number; call inside a transaction (the row is locked until commit)."""
        sequence, _ = cls.objects.select_for_update().get_or_create(year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence.last


class SupervisionNoticeQuerySet(ScopedQuerySet):
    pass


class SupervisionNotice(models.Model):
    """A numbered supervision notice (督办) on an overdue request: 催办 → 黄牌 → 红牌."""

    class Level(models.TextChoices):
        REMINDER = "reminder", _("催办")
        YELLOW = "yellow", _("黄牌")
        RED = "red", _("红牌")

    LADDER = (Level.REMINDER, Level.YELLOW, Level.RED)

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="notices"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("被督办单位"), on_delete=models.PROTECT, related_name="supervision_notices"
    )
    # The enterprise's town at issue time: rankings count cards per town.
    town = models.ForeignKey(
        Town, verbose_name=_("属地"), on_delete=models.PROTECT, related_name="supervision_notices"
    )
    level = models.CharField(_("等级"), max_length=10, choices=Level.choices, db_index=True)
    year = models.PositiveSmallIntegerField(_("年份"))
    number = models.PositiveIntegerField(_("编号"))
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now, db_index=True)
    due = models.DateField(_("督办所涉答复期限"))
    days_overdue = models.PositiveSmallIntegerField(_("超期工作日"))

    objects = SupervisionNoticeQuerySet.as_manager()
    scope = Scope(town="request__enterprise__town", unit="unit")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("督办通知")
        verbose_name_plural = _("督办通知")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="notice_unique_number"),
            # One notice per rung for each deadline: reruns of the job issue nothing twice.
            models.UniqueConstraint(fields=["request", "due", "level"], name="notice_once_per_level"),
        ]
        indexes = [models.Index(fields=["level", "issued_at"]), models.Index(fields=["town", "issued_at"])]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return _("督办〔%(year)s〕第%(number)s号") % {"year": self.year, "number": self.number}


class WorkdayOverride(models.Model):
    """An admin's correction to the working-day calendar (节假日调整) for a day the library gets wrong or lacks."""

    class Source(models.TextChoices):
        # The calendar (requests_tracker.workdays) reads these values; this module does not import it.
        STATE_COUNCIL = "state_council", _("国务院放假安排")
        LOCAL = "local", _("本地调整")

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("当天上班"), default=False, help_text=_("勾选：当天上班（如调休上班）；不勾选：当天放假。")
    )
    name = models.CharField(_("名称"), max_length=30, help_text=_("如：春节、国庆节、调休上班、县域停工。"))
    source = models.CharField(
        _("依据"),
        max_length=16,
        choices=Source.choices,
        default=Source.STATE_COUNCIL,
        help_text=_("录入国务院当年放假安排后，该年期限不再标为估算；本地调整只改变当天。"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")

    def __str__(self):
        kind = _("上班") if self.is_workday else _("放假")
        return f"{self.date:%Y-%m-%d} {self.name}（{kind}）"


class RequestEvent(AppendOnly):
    """One step in a request's history (流转记录): append-only, written with the change it records."""

    record_name = _("诉求流转记录")

    class Action(models.TextChoices):
        SUBMIT = "submit", pgettext_lazy("request event", "提交诉求")
        ASSIGN = "assign", _("交办")
        REJECT = "reject", _("不予受理")
        SIGN = "sign", _("签收")
        CONTACT = "contact", pgettext_lazy("request event", "联系企业")
        NOTE = "note", _("办理进展")
        ASSIST = "assist", _("协办反馈")
        RETURN = "return", _("退回")
        EXTEND_ASK = "extend_ask", _("申请延期")
        EXTEND_OK = "extend_ok", pgettext_lazy("request event", "同意延期")
        EXTEND_NO = "extend_no", _("不同意延期")
        RESPOND = "respond", _("答复企业")
        RATE = "rate", _("企业评价")
        CLOSE = "close", _("销号办结")
        AUTO_CLOSE = "auto_close", _("逾期未评自动办结")
        REOPEN = "reopen", _("重新办理")
        ESCALATE = "escalate", _("上报")
        ESCALATE_REPLY = "escalate_reply", _("上级答复")
        NOTICE = "notice", _("督办")
        OVERDUE = "overdue", _("超期")
        DEADLINE = "deadline", _("期限调整")
        IMPORT = "import", _("台账导入")
        CALLBACK = "callback", _("回访")
        APPEAL = "appeal", _("评价申诉")
        APPEAL_DECIDE = "appeal_decide", _("申诉复核")
        MERGE = "merge", _("并单")
        UNMERGE = "unmerge", _("撤销并单")

    request = models.ForeignKey(
        Request, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("企业可见"), default=True)
    imported = models.BooleanField(_("台账导入"), default=False)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self):
        return f"{self.request.ref} {self.action} {self.at:%Y-%m-%d %H:%M}"


# The trust records (回访, 抽查, 申诉) live in their own module; imported here so Django sees them.
# The dispatch records (派单目录, 交办批次) likewise.
from requests_tracker.dispatch.models import (  # noqa: E402, F401
    Batch,
    BatchSequence,
    DispatchRule,
    DispatchRuleChange,
)
from requests_tracker.trust.models import Callback, RatingAppeal, SpotCheckDraw  # noqa: E402, F401

"""Infrastructure every app shares: notifications (with their e-mail outbox), background jobs
with progress, and the run log of scheduled jobs."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiqing.scope import Scope, ScopedQuerySet


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of an append-only record are never updated or deleted in bulk either."""

    def update(self, **kwargs):
        raise ValidationError(self.model.append_only_message(deleting=False))

    def delete(self):
        raise ValidationError(self.model.append_only_message(deleting=True))


class AppendOnly(models.Model):
    """A record written once and never changed or deleted, row by row or in bulk: a request's
    events (流转记录), pair and team changes (变更记录), visit corrections (更正记录).
    ``record_name`` names it in the refusal."""

    record_name = _("记录")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(self.append_only_message(deleting=False))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.append_only_message(deleting=True))

    @classmethod
    def append_only_message(cls, *, deleting: bool) -> str:
        if deleting:
            return _("%(record)s只能追加，不能删除。") % {"record": cls.record_name}
        return _("%(record)s只能追加，不能修改。") % {"record": cls.record_name}


class ChangeLog(AppendOnly):
    """Who changed what and when, before → after (变更记录): pair changes, service-team changes."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        abstract = True


class Uploaded(models.Model):
    """Who uploaded a stored file and when: request attachments, visit photos, meetup photos."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        abstract = True


class NotificationQuerySet(ScopedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def email_pending(self):
        return self.filter(email_wanted=True, emailed_at__isnull=True)


class Notification(models.Model):
    """An in-app notice to one user (站内通知); its row is also the e-mail outbox entry.

    Written in the same transaction as the change it reports, so a notice can never be lost
    when the broker is down: the e-mail goes out once ``emailed_at`` is set by the sender task
    (queued on commit) or by the periodic drain that retries what the broker never delivered.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=40, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # Deduplication key: the same (recipient, key) is only ever notified once (e.g. a reminder
    # per request and deadline), which keeps periodic jobs idempotent.
    dedupe_key = models.CharField(_("去重键"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_wanted = models.BooleanField(_("需发邮件"), default=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("邮件尝试次数"), default=0)
    email_error = models.CharField(_("邮件错误"), max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()
    # A notification is its recipient's alone, an admin's included.
    scope = Scope(creator="recipient", bypass=None)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_wanted", "emailed_at"]),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.title}"


class BackgroundJob(models.Model):
    """A long task started from a page (import, export, monthly report) with progress to poll."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=40, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("进度说明"), max_length=300, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # Its creator follows a job; each kind declares who else may (``qiqing.jobs.background_job``).
    scope = Scope(creator="created_by", bypass=None, extra="qiqing.jobs.shared_jobs")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self):
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    def report_progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Write progress with a plain UPDATE so it is visible to the polling page at once."""
        fields = {"done": done, "message": message[:300]}
        if total is not None:
            fields["total"] = total
        BackgroundJob.objects.filter(pk=self.pk).update(**fields)
        for key, value in fields.items():
            setattr(self, key, value)


class JobRun(models.Model):
    """One run of a scheduled job (定时任务): when, how long, what it did, or why it failed."""

    name = models.CharField(_("任务"), max_length=60, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ok = models.BooleanField(_("成功"), null=True)
    counts = models.JSONField(_("处理数量"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    trigger = models.CharField(
        _("触发方式"), max_length=10, default="beat", help_text="beat / command / manual"
    )
    # The Celery task id: a message redelivered after its worker died carries the same id, so
    # the re-run can close the run its predecessor left open.
    task_id = models.CharField(_("任务消息编号"), max_length=64, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    # The run log of scheduled jobs is for admins (the jobs page).
    scope = Scope(bypass="admin")

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")
        indexes = [models.Index(fields=["name", "-started_at"])]

    INTERRUPTED = "执行中断：处理该任务的 worker 中途退出，同一任务已重新投递并重跑（见其后的记录）。"

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def interrupted(self) -> bool:
        return self.ok is False and self.error == self.INTERRUPTED


class ProgrammeSetting(models.Model):
    """A programme-wide option an admin sets on the 系统设置 page (see ``qiqing.programme``)."""

    key = models.CharField(_("设置项"), max_length=60, unique=True)
    value = models.JSONField(_("取值"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("系统设置")
        verbose_name_plural = _("系统设置")

    def __str__(self):
        return f"{self.key} = {self.value!r}"


class ProgrammeSettingChange(models.Model):
    """One change of a programme option: who set which value when (append-only history)."""

    key = models.CharField(_("设置项"), max_length=60, db_index=True)
    before = models.JSONField(_("原值"), null=True, blank=True)
    after = models.JSONField(_("新值"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("系统设置变更")
        verbose_name_plural = _("系统设置变更")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.key}: {self.before!r} → {self.after!r}"

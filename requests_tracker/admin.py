import datetime as dt

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiqing.i18n import join
from requests_tracker import workdays
from requests_tracker.models import (
    Batch,
    Category,
    DispatchRule,
    Escalation,
    ExtensionRequest,
    Request,
    RequestAssist,
    RequestAttachment,
    RequestEvent,
    SupervisionNotice,
    WorkdayOverride,
)
from requests_tracker.selectors import uncovered_years


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "time_limit_days", "order", "active"]
    list_editable = ["time_limit_days", "order", "active"]
    search_fields = ["name"]


class AssistInline(admin.TabularInline):
    model = RequestAssist
    extra = 0
    autocomplete_fields = ["unit"]


class EventInline(admin.TabularInline):
    """History is append-only: shown here, never edited."""

    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "from_status", "to_status", "note", "public", "imported"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = RequestAttachment
    extra = 0
    can_delete = False
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["ref", "enterprise", "category", "status", "lead_unit", "response_due", "submitted_at"]
    list_filter = ["status", "source", "category", "is_overdue", "enterprise__town"]
    search_fields = ["ref", "enterprise__name", "enterprise__uscc", "description"]
    autocomplete_fields = ["enterprise", "cadre", "lead_unit", "visit", "duplicate_of", "submitted_by"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [AssistInline, AttachmentInline, EventInline]


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    list_display = ["request", "at", "actor", "action", "from_status", "to_status", "public", "imported"]
    list_filter = ["action", "public", "imported"]
    search_fields = ["request__ref", "note"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["request", "unit", "previous_due", "proposed_due", "status", "asked_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["request__ref"]
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["request", "level", "escalated_at", "answered_at"]
    list_filter = ["level"]
    search_fields = ["request__ref"]
    readonly_fields = [f.name for f in Escalation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(admin.ModelAdmin):
    list_display = ["label", "level", "request", "unit", "town", "issued_at", "days_overdue"]
    list_filter = ["level", "year", "town"]
    search_fields = ["request__ref", "unit__name"]
    readonly_fields = [f.name for f in SupervisionNotice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    """Admins enter the State Council's schedule for a year the library lacks, or local closures.

    Every save or delete recounts the open deadlines it touches (a Celery task queued on commit).
    """

    list_display = ["date", "weekday", "is_workday", "name", "source", "note", "created_by"]
    list_filter = ["source", "is_workday"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    fields = ["date", "is_workday", "name", "source", "note"]

    @admin.display(description=gettext_lazy("星期"))
    def weekday(self, obj):
        return workdays.WEEKDAY_LABELS[obj.date.weekday()]

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        missing = uncovered_years(range(today.year, today.year + 2))
        if missing:
            self.message_user(
                request,
                _(
                    "%(years)s 年的国务院放假安排尚未录入：相关期限暂按周末和法定节日估算。"
                    "请逐日录入放假日（不勾选“当天上班”）和调休上班日（勾选），依据选“国务院放假安排”。"
                )
                % {"years": join(missing)},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        dates = [obj.date]
        if change and "date" in form.changed_data:
            dates.append(form.initial["date"])
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        _recount_on_commit(dates)

    def delete_model(self, request, obj):
        date = obj.date
        super().delete_model(request, obj)
        _recount_on_commit([date])

    def delete_queryset(self, request, queryset):
        dates = list(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        _recount_on_commit(dates)


def _recount_on_commit(dates) -> None:
    from requests_tracker.services.calendar import _recount_after_commit

    _recount_after_commit(
        sorted({d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in dates})
    )


# --- dispatch: read-only in the superuser's admin (the pages and services write them) ---------------
@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "town", "lead_unit", "time_limit_days", "active", "updated_at"]
    list_filter = ["active"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["year", "number", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

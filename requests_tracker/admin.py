from django.contrib import admin

from requests_tracker.models import Category, Request, RequestAssist, RequestEvent


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


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["ref", "enterprise", "category", "status", "lead_unit", "response_due", "submitted_at"]
    list_filter = ["status", "source", "category", "is_overdue", "enterprise__town"]
    search_fields = ["ref", "enterprise__name", "enterprise__uscc", "description"]
    autocomplete_fields = ["enterprise", "cadre", "lead_unit", "visit", "duplicate_of", "submitted_by"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [AssistInline, EventInline]


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

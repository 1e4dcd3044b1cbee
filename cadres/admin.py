from django.contrib import admin

from cadres.models import Assignment, AssignmentChange, Cadre, StaffRole, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "town", "active"]
    list_filter = ["kind", "level", "town", "active"]
    search_fields = ["code", "name"]


class ReadOnlyPairs:
    """Pairs are changed only through the pair tools (cadres.services), which enforce the 2–10
    rule and write the change log; the admin shows them read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AssignmentInline(ReadOnlyPairs, admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["enterprise", "start", "end", "is_lead"]
    verbose_name_plural = "联系企业（在“干部 › 联系企业”页调整，变更留痕）"


@admin.register(Cadre)
class CadreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "level", "phone", "active"]
    list_filter = ["level", "active", "unit__town", "unit"]
    search_fields = ["code", "name", "phone", "user__username"]
    autocomplete_fields = ["user", "unit"]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyPairs, admin.ModelAdmin):
    list_display = ["cadre", "enterprise", "start", "end", "is_lead"]
    list_filter = ["is_lead", "enterprise__town"]
    search_fields = ["cadre__name", "cadre__code", "enterprise__name", "enterprise__uscc"]
    date_hierarchy = "start"


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "town"]
    list_filter = ["role", "town"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(AssignmentChange)
class AssignmentChangeAdmin(admin.ModelAdmin):
    """The pair change log is append-only: readable here, written only by the services."""

    list_display = ["at", "action", "cadre", "enterprise", "actor", "note"]
    list_filter = ["action"]
    search_fields = ["cadre__name", "cadre__code", "enterprise__name", "enterprise__uscc"]
    date_hierarchy = "at"
    list_select_related = ["cadre", "enterprise", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

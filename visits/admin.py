from django.contrib import admin

from visits.models import Visit, VisitRevision


class VisitRevisionInline(admin.TabularInline):
    """Corrections are history: shown, never edited here."""

    model = VisitRevision
    extra = 0
    can_delete = False
    fields = ["at", "actor", "changes", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "enterprise", "cadre", "mode", "headcount", "vacancies", "imported"]
    list_filter = ["mode", "imported", "enterprise__town"]
    search_fields = ["enterprise__name", "enterprise__uscc", "cadre__name", "summary"]
    autocomplete_fields = ["enterprise", "cadre", "participants", "created_by"]
    date_hierarchy = "date"
    inlines = [VisitRevisionInline]

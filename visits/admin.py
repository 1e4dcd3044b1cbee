from django.contrib import admin

from visits.models import Visit


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "enterprise", "cadre", "mode", "headcount", "vacancies", "imported"]
    list_filter = ["mode", "imported", "enterprise__town"]
    search_fields = ["enterprise__name", "enterprise__uscc", "cadre__name", "summary"]
    autocomplete_fields = ["enterprise", "cadre", "participants", "created_by"]
    date_hierarchy = "date"

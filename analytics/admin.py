from django.contrib import admin

from analytics.models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "period",
        "period_start",
        "scope",
        "scope_key",
        "visits",
        "requests",
        "closed",
        "computed_at",
    ]
    list_filter = ["period", "scope"]
    search_fields = ["scope_key"]
    date_hierarchy = "period_start"

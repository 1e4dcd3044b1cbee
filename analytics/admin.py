from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import (
    ProblemCluster,
    ProblemClusterMember,
    RankingIndicator,
    Snapshot,
    TownRanking,
    TownRankingEntry,
)
from analytics.ranking import INDICATORS


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "period",
        "period_start",
        "data_until",
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


@admin.register(RankingIndicator)
class RankingIndicatorAdmin(admin.ModelAdmin):
    """Admins weight the contest's indicators here; new indicators come from analytics.ranking."""

    list_display = ["label", "code", "weight", "active", "order"]
    list_editable = ["weight", "active", "order"]
    list_display_links = ["label"]

    @admin.display(description=gettext_lazy("指标名称"))
    def label(self, obj):
        return obj.label

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "code":
            from django import forms

            return forms.ChoiceField(
                label=_("指标"), choices=[(code, f"{i.label}（{code}）") for code, i in INDICATORS.items()]
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TownRankingEntryInline(admin.TabularInline):
    model = TownRankingEntry
    extra = 0
    can_delete = False
    fields = ["rank", "town", "score", "previous_rank", "board"]
    readonly_fields = fields


@admin.register(TownRanking)
class TownRankingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "week_start", "period_start", "period_end", "computed_at"]
    readonly_fields = ["week_start", "period_start", "period_end", "indicators", "computed_at"]
    inlines = [TownRankingEntryInline]

    def has_add_permission(self, request):
        return False


class ProblemClusterMemberInline(admin.TabularInline):
    model = ProblemClusterMember
    extra = 0
    can_delete = False
    fields = ["request", "similarity"]
    readonly_fields = fields
    raw_id_fields = ["request"]


@admin.register(ProblemCluster)
class ProblemClusterAdmin(admin.ModelAdmin):
    """Read-only: the nightly clustering job writes these."""

    list_display = ["label", "category", "size", "enterprises", "window_end", "computed_at"]
    list_filter = ["category"]
    search_fields = ["label"]
    readonly_fields = [f.name for f in ProblemCluster._meta.fields]
    inlines = [ProblemClusterMemberInline]

    def has_add_permission(self, request):
        return False

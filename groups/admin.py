"""Django admin for the groups. Teams are saved through ``services.team_save`` semantics (rules
checked on the M2M values, change log written) by the admin's form and save_related."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from groups import rules
from groups.models import Commissioner, IndustryChain, Meetup, ServiceTeam, ServiceTeamChange, team_state


class ServiceTeamAdminForm(forms.ModelForm):
    class Meta:
        model = ServiceTeam
        fields = [
            "code",
            "name",
            "kind",
            "town",
            "leader",
            "members",
            "units",
            "enterprises",
            "chain",
            "note",
            "active",
        ]

    def clean(self):
        data = super().clean()
        errors = rules.team_errors(
            kind=data.get("kind"),
            leader=data.get("leader"),
            members=data.get("members") or [],
            enterprises=data.get("enterprises") or [],
            team_pk=self.instance.pk,
        )
        if errors:
            raise ValidationError(errors)
        return data


@admin.register(ServiceTeam)
class ServiceTeamAdmin(admin.ModelAdmin):
    form = ServiceTeamAdminForm
    list_display = ("code", "name", "kind", "leader", "town", "chain", "active")
    list_filter = ("kind", "active", "town")
    search_fields = ("code", "name", "leader__name")
    autocomplete_fields = ("leader", "chain")
    filter_horizontal = ("members", "units", "enterprises")

    def get_form(self, request, obj=None, **kwargs):
        # What the team was before this edit, kept on the request (the admin object is shared).
        request.qiqing_team_before = team_state(obj) if obj else {}
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "qiqing_team_before", {})
        after = team_state(form.instance)
        if after != before:
            ServiceTeamChange.objects.create(
                actor=request.user,
                action=ServiceTeamChange.Action.UPDATE if change else ServiceTeamChange.Action.CREATE,
                team=form.instance,
                before=before,
                after=after,
            )


@admin.register(ServiceTeamChange)
class ServiceTeamChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "team", "actor")
    readonly_fields = ("at", "actor", "action", "team", "before", "after", "note")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "chief", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ("chief",)
    filter_horizontal = ("enterprises",)


@admin.register(Commissioner)
class CommissionerAdmin(admin.ModelAdmin):
    list_display = ("service_type", "cadre", "phone", "town", "active")
    list_filter = ("service_type", "active", "town")
    search_fields = ("cadre__name", "phone")
    autocomplete_fields = ("cadre",)


@admin.register(Meetup)
class MeetupAdmin(admin.ModelAdmin):
    list_display = ("date", "theme", "kind", "host_town", "minutes_shareable")
    list_filter = ("kind", "host_town")
    search_fields = ("theme",)
    date_hierarchy = "date"
    filter_horizontal = ("enterprises", "cadres", "units")

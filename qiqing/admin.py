from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

# The custom admin site (qiqing.admin_site) replaces the default one, so the auth models
# are registered here explicitly in case autodiscovery ran before the swap.
if not admin.site.is_registered(User):
    admin.site.register(User, UserAdmin)
if not admin.site.is_registered(Group):
    admin.site.register(Group, GroupAdmin)

from qiqing.models import BackgroundJob, JobRun, Notification  # noqa: E402


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "email_wanted"]
    search_fields = ["recipient__username", "title"]
    date_hierarchy = "created_at"


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "done", "total", "created_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "started_at", "finished_at", "ok", "trigger"]
    list_filter = ["name", "ok", "trigger"]

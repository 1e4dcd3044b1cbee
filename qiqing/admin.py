from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

# The custom admin site (qiqing.admin_site) replaces the default one, so the auth models
# are registered here explicitly in case autodiscovery ran before the swap.
if not admin.site.is_registered(User):
    admin.site.register(User, UserAdmin)
if not admin.site.is_registered(Group):
    admin.site.register(Group, GroupAdmin)

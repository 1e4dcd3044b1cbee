from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class QiqingAdminSite(AdminSite):
    """The Django admin is for system administrators only (superusers), never for staff roles."""

    site_header = _("企情在线 · 系统管理")
    site_title = _("企情在线")
    index_title = _("数据维护")

    # Apps whose own name is English (django-axes ships no Chinese): the name the admin shows.
    APP_NAMES = {"axes": _("登录安全（防暴力破解）")}

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        for app in apps:
            if app["app_label"] in self.APP_NAMES:
                app["name"] = self.APP_NAMES[app["app_label"]]
        return apps


class QiqingAdminConfig(AdminConfig):
    default = False
    default_site = "qiqing.admin_site.QiqingAdminSite"

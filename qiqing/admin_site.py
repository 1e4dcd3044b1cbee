from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class QiqingAdminSite(AdminSite):
    """The Django admin is for system administrators only (superusers), never for staff roles."""

    site_header = _("企情在线 · 系统管理")
    site_title = _("企情在线")
    index_title = _("数据维护")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class QiqingAdminConfig(AdminConfig):
    default = False
    default_site = "qiqing.admin_site.QiqingAdminSite"

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from api.models import ApiClient

LABELS = {
    "can_submit": _("提交诉求"),
    "can_read_status": _("查询办理情况"),
    "can_read_enterprises": _("查询企业"),
}


class ClientPermission(BasePermission):
    """The view names the permission it needs (``client_permission = "can_submit"``)."""

    def has_permission(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        needed = getattr(view, "client_permission", None)
        if needed and not getattr(client, needed):
            self.message = _("本客户端没有“%(perm)s”权限，请联系系统管理员开通。") % {"perm": LABELS[needed]}
            return False
        return True

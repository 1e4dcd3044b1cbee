from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR
from qiqing.navigation import NavItem

# Every group page sits in one dropdown so the admin's navbar still fits at 1366 px.
GROUP = _("服务组织")


def _item(label, url_name, roles, icon, order):
    return NavItem(label, url_name, roles, icon=icon, order=order, group=GROUP, group_icon="diagram-2")


NAV = [
    _item(_("服务小组"), "groups:teams", (ADMIN, SUPERVISOR, HANDLER, CADRE), "people", 48),
    _item(_("产业链"), "groups:chains", (ADMIN, SUPERVISOR, CADRE), "link-45deg", 48),
    _item(_("亲清会"), "groups:meetups", (ADMIN, SUPERVISOR, HANDLER, CADRE, CONTACT), "cup-hot", 48),
    _item(
        _("服务专员"), "groups:commissioners", (ADMIN, SUPERVISOR, HANDLER, CADRE, CONTACT), "telephone", 48
    ),
]

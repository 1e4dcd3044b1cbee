from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN
from qiqing.navigation import NavItem

# With the working-day calendar in one 系统 dropdown: the admin's menu must fit one line at 1366 px.
NAV = [
    NavItem(
        _("系统设置"),
        "programme_settings",
        (ADMIN,),
        icon="sliders",
        order=96,
        group=_("系统"),
        group_icon="gear",
    )
]

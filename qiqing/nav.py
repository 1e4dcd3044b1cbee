from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN
from qiqing.navigation import NavItem

NAV = [NavItem(_("系统设置"), "programme_settings", (ADMIN,), icon="sliders", order=96)]

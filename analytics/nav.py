from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [NavItem(_("总览"), "analytics:overview", (ADMIN, SUPERVISOR), icon="speedometer2", order=5)]
HOME = {ADMIN: "analytics:overview", SUPERVISOR: "analytics:overview"}

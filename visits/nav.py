from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [NavItem(_("走访"), "visits:list", (ADMIN, SUPERVISOR, CADRE), icon="geo-alt", order=10)]

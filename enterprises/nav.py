from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, HANDLER, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [NavItem(_("企业"), "enterprises:list", (ADMIN, SUPERVISOR, CADRE, HANDLER), icon="building", order=20)]
HOME = {CADRE: "enterprises:list"}

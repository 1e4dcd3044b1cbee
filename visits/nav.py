from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, CONTACT, SUPERVISOR
from qiqing.navigation import NavItem

# A cadre's day starts from their enterprises; supervisors reach 走访登记 from the records page.
NAV = [
    NavItem(_("我的企业"), "visits:my_enterprises", (CADRE,), icon="briefcase", order=1),
    NavItem(_("走访登记"), "visits:log", (CADRE,), icon="pencil-square", order=2),
    NavItem(_("走访记录"), "visits:list", (ADMIN, SUPERVISOR, CADRE), icon="journal-text", order=10),
    NavItem(_("企业档案"), "visits:my_file", (CONTACT,), icon="building", order=50),
]
# Overrides the foundation's cadre landing page (the enterprise list).
HOME = {CADRE: "visits:my_enterprises"}
HOME_PRIORITY = 10

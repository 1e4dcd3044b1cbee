from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [
    NavItem(_("总览"), "analytics:overview", (ADMIN, SUPERVISOR), icon="speedometer2", order=5),
    NavItem(_("我的履职"), "analytics:my_record", (CADRE,), icon="person-badge", order=15),
    NavItem(_("干部履职"), "analytics:cadre_records", (ADMIN, SUPERVISOR), icon="clipboard-data", order=35),
    NavItem(_("擂台比武"), "analytics:ranking", (ADMIN, SUPERVISOR), icon="trophy", order=50),
    NavItem(_("定时任务"), "analytics:jobs", (ADMIN,), icon="clock-history", order=95),
]
HOME = {ADMIN: "analytics:overview", SUPERVISOR: "analytics:overview"}

from qiqing.access import ADMIN, CADRE, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [NavItem("走访", "visits:list", (ADMIN, SUPERVISOR, CADRE), icon="geo-alt", order=10)]

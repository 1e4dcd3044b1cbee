from qiqing.access import ADMIN, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [NavItem("总览", "analytics:overview", (ADMIN, SUPERVISOR), icon="speedometer2", order=5)]
HOME = {ADMIN: "analytics:overview", SUPERVISOR: "analytics:overview"}

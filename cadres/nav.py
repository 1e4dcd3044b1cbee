from qiqing.access import ADMIN, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [
    NavItem("干部", "cadres:list", (ADMIN, SUPERVISOR), icon="people", order=30),
    NavItem("待关注", "cadres:attention", (ADMIN, SUPERVISOR), icon="exclamation-triangle", order=90),
]

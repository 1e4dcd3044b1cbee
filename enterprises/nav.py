from django.utils.translation import pgettext_lazy

from qiqing.access import ADMIN, HANDLER, SUPERVISOR
from qiqing.navigation import NavItem

# Cadres reach their enterprises through 我的企业 (visits app); the directory is for staff.
NAV = [
    NavItem(
        pgettext_lazy("nav", "企业"),
        "enterprises:list",
        (ADMIN, SUPERVISOR, HANDLER),
        icon="building",
        order=20,
    )
]

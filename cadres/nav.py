from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiqing.access import ADMIN, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [
    NavItem(pgettext_lazy("nav", "干部"), "cadres:list", (ADMIN, SUPERVISOR), icon="people", order=30),
    NavItem(_("待关注"), "cadres:attention", (ADMIN, SUPERVISOR), icon="exclamation-triangle", order=90),
    NavItem(
        pgettext_lazy("nav", "台账"), "cadres:ledger", (ADMIN,), icon="file-earmark-spreadsheet", order=95
    ),
]

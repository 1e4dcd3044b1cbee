from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR
from qiqing.navigation import NavItem

NAV = [
    NavItem(
        _("诉求"),
        "requests_tracker:list",
        (ADMIN, SUPERVISOR, HANDLER, CADRE, CONTACT),
        icon="chat-square-text",
        order=40,
    )
]
HOME = {HANDLER: "requests_tracker:list", CONTACT: "requests_tracker:list"}

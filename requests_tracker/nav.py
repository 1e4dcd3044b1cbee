from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR
from qiqing.navigation import NavItem

TRUST = _("回访申诉")

NAV = [
    NavItem(_("我的诉求"), "requests_tracker:portal", (CONTACT,), icon="chat-square-text", order=35),
    NavItem(_("受理分办"), "requests_tracker:triage", (SUPERVISOR,), icon="inboxes", order=36),
    NavItem(_("待办"), "requests_tracker:inbox", (HANDLER,), icon="list-check", order=37),
    NavItem(
        pgettext_lazy("nav", "诉求"),
        "requests_tracker:list",
        (ADMIN, SUPERVISOR, HANDLER, CADRE),
        icon="chat-square-text",
        order=40,
    ),
    NavItem(
        pgettext_lazy("nav", "督办"),
        "requests_tracker:notices",
        (ADMIN, SUPERVISOR, HANDLER),
        icon="megaphone",
        order=45,
    ),
    NavItem(_("回访"), "requests_tracker:callbacks", (SUPERVISOR,), icon="telephone-outbound", order=46),
    NavItem(_("申诉"), "requests_tracker:appeals", (SUPERVISOR, HANDLER), icon="shield-check", order=47),
    NavItem(
        _("派单目录"),
        "requests_tracker:dispatch_rules",
        (ADMIN,),
        icon="signpost-split",
        order=94,
        group=_("系统"),
        group_icon="gear",
    ),
    NavItem(
        _("节假日"),
        "requests_tracker:calendar",
        (ADMIN,),
        icon="calendar3",
        order=95,
        group=_("系统"),
        group_icon="gear",
    ),
]
HOME = {HANDLER: "requests_tracker:inbox", CONTACT: "requests_tracker:portal"}

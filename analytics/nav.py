from django.utils.translation import gettext_lazy as _

from qiqing.access import ADMIN, CADRE, HANDLER, SUPERVISOR
from qiqing.navigation import NavItem

STAFF = (ADMIN, SUPERVISOR)
# Every dashboard sits in one dropdown so the navbar of a supervisor fits at 1366 px.
GROUP = _("统计分析")


def _dashboard(label, url_name, icon, order):
    return NavItem(label, url_name, STAFF, icon=icon, order=order, group=GROUP, group_icon="bar-chart-line")


NAV = [
    _dashboard(_("走访覆盖"), "analytics:coverage", "pie-chart", 5),
    _dashboard(_("问题分布"), "analytics:issues", "bar-chart-steps", 6),
    _dashboard(_("共性问题"), "analytics:problems", "diagram-3", 7),
    _dashboard(_("擂台比武"), "analytics:ranking", "trophy", 8),
    _dashboard(_("超期督办"), "analytics:overdue", "alarm", 9),
    _dashboard(_("评价可信度"), "analytics:trust", "shield-check", 9),
    _dashboard(_("干部履职"), "analytics:cadre_records", "clipboard-data", 10),
    _dashboard(_("月报"), "analytics:reports", "file-earmark-spreadsheet", 11),
    _dashboard(_("工作总览"), "analytics:overview", "speedometer2", 12),
    # Batches read like a dashboard (closure per batch); triage links to them too.
    _dashboard(_("交办批次"), "analytics:batches", "collection", 13),
    # The public board (公示榜) for every staff user: in the dashboards' dropdown for those who
    # have it, a plain link for handlers and cadres (their menus are short).
    _dashboard(_("公示榜"), "analytics:board", "megaphone-fill", 14),
    NavItem(_("公示榜"), "analytics:board", (HANDLER, CADRE), icon="megaphone-fill", order=60),
    NavItem(_("我的履职"), "analytics:my_record", (CADRE,), icon="person-badge", order=15),
    # In the admin's 系统 dropdown (with 节假日 and 系统设置): with the groups' 服务组织 dropdown the
    # admin's menu must still fit one line at 1366 px in English.
    NavItem(
        _("定时任务"),
        "analytics:jobs",
        (ADMIN,),
        icon="clock-history",
        order=95,
        group=_("系统"),
        group_icon="gear",
    ),
]
HOME = {ADMIN: "analytics:coverage", SUPERVISOR: "analytics:coverage"}

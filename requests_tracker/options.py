"""Programme options of the request engine (系统设置 → 评价): callbacks, spot checks, appeals."""

from django.utils.translation import gettext_lazy as _

from qiqing.programme import BOOL, INT, Option

GROUP = _("评价与回访")

OPTIONS = [
    Option(
        "callback_days",
        _("回访期限(工作日)"),
        kind=INT,
        default=2,
        min_value=1,
        max_value=20,
        group=GROUP,
        help=_("不满意评价、逾期未评自动办结和抽查生成回访任务后，服务企业办须在这些工作日内完成回访。"),
        order=40,
    ),
    Option(
        "callback_tries",
        _("回访未接通次数上限"),
        kind=INT,
        default=3,
        min_value=1,
        max_value=10,
        group=GROUP,
        help=_("连续这么多次联系不上企业后，回访任务以“多次联系未果”结束。"),
        order=41,
    ),
    Option(
        "spotcheck_share",
        _("每周抽查比例(%)"),
        kind=INT,
        default=10,
        min_value=1,
        max_value=100,
        group=GROUP,
        help=_("每周从上周满意办结和逾期未评自动办结的诉求中随机抽取这一比例回访核实。"),
        order=42,
    ),
    Option(
        "spotcheck_min",
        _("每周最少抽查件数"),
        kind=INT,
        default=5,
        min_value=0,
        max_value=500,
        group=GROUP,
        help=_("按比例抽取不足这一件数时按此件数抽取（当周办结不足时全部抽取）。"),
        order=43,
    ),
    Option(
        "appeal_days",
        _("申诉期限(工作日)"),
        kind=INT,
        default=3,
        min_value=1,
        max_value=15,
        group=GROUP,
        help=_("单位对“不满意”评价可在评价后这些工作日内申诉一次，由服务企业办复核。"),
        order=44,
    ),
    Option(
        "closeout_county_only",
        _("销号由县服务企业办办理"),
        kind=BOOL,
        default=True,
        group=_("派单与销号"),
        help=_("开启后只有县级服务企业办人员可以销号，镇街服务企业办看到“待县服务企业办销号”。"),
        order=30,
    ),
    Option(
        "board_for_contacts",
        _("企业联络人可看公示榜"),
        kind=BOOL,
        default=False,
        group=_("派单与销号"),
        help=_("开启后企业联络人也能查看擂台比武红黑榜和红牌通报公示页。"),
        order=31,
    ),
]

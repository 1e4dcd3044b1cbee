"""Programme options of the visit log (走访): check-in and its distance rule."""

from django.utils.translation import gettext_lazy as _

from qiqing.programme import BOOL, INT, Option

OPTIONS = [
    Option(
        "checkin_enabled",
        _("走访定位签到"),
        kind=BOOL,
        default=False,
        group=_("走访"),
        order=40,
        help=_("开启后，手机登记走访时记录当时的位置和精度；离企业过远的走访标为“位置不符”，但不拒收。"),
    ),
    Option(
        "checkin_distance_m",
        _("位置不符距离(米)"),
        kind=INT,
        default=500,
        min_value=50,
        max_value=50_000,
        group=_("走访"),
        order=41,
        help=_("签到位置离企业坐标超过此距离的走访标为“位置不符”，供服务企业办核查。"),
    ),
    Option(
        "checkin_max_accuracy_m",
        _("签到定位精度上限(米)"),
        kind=INT,
        default=2000,
        min_value=10,
        max_value=50_000,
        group=_("走访"),
        order=42,
        help=_("精度比此值更差（误差更大）的定位不能用于签到，手机会提示重新定位或不签到提交。"),
    ),
]

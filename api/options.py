from django.utils.translation import gettext_lazy as _

from qiqing.programme import INT, Option

OPTIONS = [
    Option(
        "api_token_days",
        _("接口令牌有效期(天)"),
        kind=INT,
        default=365,
        min_value=1,
        max_value=1825,
        group=_("数据交换接口"),
        help=_("新签发的接口访问令牌在这么多天后失效，到期前需重新签发。"),
    ),
    Option(
        "api_webhook_max_attempts",
        _("回调推送最多尝试次数"),
        kind=INT,
        default=8,
        min_value=1,
        max_value=20,
        group=_("数据交换接口"),
        help=_("对方地址连续失败时按 1、2、4、8… 分钟退避重试，达到次数后放弃并记录。"),
    ),
]

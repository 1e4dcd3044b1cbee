from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Mobile numbers (1 + 10 digits) or landlines with area code (0573-84123456).
validate_phone = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("请输入 11 位手机号码或带区号的固定电话（如 0573-84123456）。"),
    code="invalid_phone",
)

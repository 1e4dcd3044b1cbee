"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015.

18 characters from a 31-character alphabet (digits and capital letters without I, O, S, V, Z);
the 18th is a check character computed from the first 17 with weights 3^(i-1) mod 31.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_REGEX = r"^[0-9A-HJ-NP-RTUW-Y]{18}$"
_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}


def normalize_uscc(value: str) -> str:
    """Codes arrive typed by hand or pasted from Excel: trim and upper-case, nothing else."""
    return (value or "").strip().upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_VALUES[ch] * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_error(value: str) -> str | None:
    """The reason ``value`` is not a valid USCC (in the active language), or None when it is valid."""
    code = normalize_uscc(value)
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，当前为 %(length)s 位。") % {"length": len(code)}
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUES:
            if ch in "IOSVZ":
                return _(
                    "统一社会信用代码第 %(position)s 位“%(char)s”不是允许的字符（代码不使用字母 I、O、S、V、Z）。"
                ) % {"position": position, "char": ch}
            return _(
                "统一社会信用代码第 %(position)s 位“%(char)s”不是允许的字符（只能是数字和大写字母）。"
            ) % {
                "position": position,
                "char": ch,
            }
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return _(
            "统一社会信用代码校验位错误：按前 17 位计算，第 18 位应为“%(expected)s”，实际为“%(actual)s”。"
        ) % {
            "expected": expected,
            "actual": code[17],
        }
    return None


def org_code_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (USCC positions 9–16)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in body]
    remainder = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def build_uscc(area_code: str, org_body: str, *, registrar: str = "9", kind: str = "1") -> str:
    """A valid code from its parts: registrar (9 = 工商), kind (1 = 企业), area code, org code body."""
    first17 = registrar + kind + area_code + org_body + org_code_check_char(org_body)
    return first17 + uscc_check_char(first17)


def validate_uscc(value: str) -> None:
    message = uscc_error(value)
    if message:
        raise ValidationError(message, code="invalid_uscc")

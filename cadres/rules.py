"""The pairing rule (每名干部联系 2–10 家企业), implemented once.

The model's ``clean``, the pairing services, the pairs ledger (its check, and its count again at
write time) and the pages' warnings all ask these functions; none compares with the settings
itself. The limits come from settings (``QIQING_MIN_ASSIGNMENTS`` / ``QIQING_MAX_ASSIGNMENTS``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


def limit() -> int:
    """The most enterprises one active cadre may hold at once."""
    return settings.QIQING_MAX_ASSIGNMENTS


def minimum() -> int:
    """Fewer than this and the cadre needs attention (待关注)."""
    return settings.QIQING_MIN_ASSIGNMENTS


def exceeds(count: int) -> bool:
    """Whether holding ``count`` enterprises at once breaks the rule."""
    return count > limit()


def is_short(count: int) -> bool:
    """Whether an active cadre holding ``count`` enterprises is below the minimum."""
    return count < minimum()


def over_limit_message(name: str, current: int, adding: int, *, moving_in: bool = False) -> str:
    params = {"name": name, "current": current, "adding": adding, "total": current + adding, "limit": limit()}
    if moving_in:
        return (
            _(
                "干部“%(name)s”现联系 %(current)s 家企业，移入 %(adding)s 家后将达 %(total)s 家，超过上限 %(limit)s 家。"
            )
            % params
        )
    return (
        _(
            "干部“%(name)s”现联系 %(current)s 家企业，新增 %(adding)s 家后将达 %(total)s 家，超过上限 %(limit)s 家。"
        )
        % params
    )


def full_message() -> str:
    return _("该干部已联系 %(limit)s 家企业，达到上限，请先结束一个联系关系或改派其他干部。") % {
        "limit": limit()
    }


def short_message(name: str, count: int) -> str:
    return _("%(cadre)s 现联系 %(n)d 家企业，少于 %(min)d 家，需要补充。") % {
        "cadre": name,
        "n": count,
        "min": minimum(),
    }

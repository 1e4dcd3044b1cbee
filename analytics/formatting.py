"""How dashboard values read on screen: rates, counts and their changes (used by the tables and
the template tags alike, so a card and a table cell print a number the same way)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html
from django.utils.translation import gettext as _

from qiqing.templatetags.qiqing import pct


def number(value) -> str:
    return f"{value:,}"


def change_text(value, kind: str = "delta") -> str:
    """↑2.31 个百分点 / ↓12 / 持平; "—" when the change is undefined."""
    if value is None:
        return "—"
    if value == 0:
        return _("持平")
    arrow = "↑" if value > 0 else "↓"
    size = abs(value)
    if kind == "pp":
        return _("%(arrow)s%(n)s 个百分点") % {"arrow": arrow, "n": f"{Decimal(size):.2f}"}
    return f"{arrow}{number(size)}"


def change_html(value, kind: str = "delta", up_is_good: bool = True):
    """The change as coloured text: green when it is good news, red when bad."""
    if value is None or value == 0:
        tone = "text-body-secondary"
    else:
        tone = "text-success" if (value > 0) == bool(up_is_good) else "text-danger"
    return format_html('<span class="qq-change {}">{}</span>', tone, change_text(value, kind))


def cell(value, kind: str):
    """A table cell's text for its column kind."""
    if value is None or value == "":
        return "—"
    if kind == "int":
        return number(value)
    if kind == "pct":
        return pct(value)
    if kind == "num":
        return f"{Decimal(value):.2f}"
    if kind == "date":
        return value.strftime("%Y-%m-%d")
    if kind in ("pp", "delta"):
        return change_text(value, kind)
    return value

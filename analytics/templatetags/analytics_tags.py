"""Formatting of dashboard cells (see analytics.tables): rates, counts and their changes."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from qiqing.templatetags.qiqing import pct

register = template.Library()


def _int(value) -> str:
    return f"{value:,}"


@register.filter
def cell(value, kind: str):
    """A table cell's text for its column kind."""
    if value is None or value == "":
        return "—"
    if kind == "int":
        return _int(value)
    if kind == "pct":
        return pct(value)
    if kind == "num":
        return f"{Decimal(value):.2f}"
    if kind == "date":
        return value.strftime("%Y-%m-%d")
    if kind in ("pp", "delta"):
        return change_text(value, kind)
    return value


@register.filter
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
    return f"{arrow}{_int(size)}"


@register.simple_tag
def change_badge(value, kind="delta", up_is_good=True):
    """The change as coloured text: green when it is good news, red when bad."""
    text = change_text(value, kind)
    if value is None or value == 0:
        tone = "text-body-secondary"
    else:
        tone = "text-success" if (value > 0) == bool(up_is_good) else "text-danger"
    return format_html('<span class="qq-change {}">{}</span>', tone, text)


@register.simple_tag(takes_context=True)
def query_with(context, name, value):
    """The current query string with one parameter (named at run time) replaced: two pagers on a page."""
    params = context["request"].GET.copy()
    params[name] = value
    return params.urlencode()

"""Formatting of dashboard values in templates (see analytics.formatting)."""

from django import template

from analytics import formatting

register = template.Library()


@register.filter
def cell(value, kind: str):
    return formatting.cell(value, kind)


@register.filter
def change_text(value, kind: str = "delta") -> str:
    return formatting.change_text(value, kind)


@register.simple_tag
def change_badge(value, kind="delta", up_is_good=True):
    return formatting.change_html(value, kind, up_is_good)


@register.simple_tag(takes_context=True)
def query_with(context, name, value):
    """The current query string with one parameter (named at run time) replaced: two pagers on a page."""
    params = context["request"].GET.copy()
    params[name] = value
    return params.urlencode()

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def pct(value):
    """A rate as a percentage with two decimals (98.95%); an undefined rate shows "—"."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except ArithmeticError:
        return "—"
    return f"{number}%"


@register.filter
def days_since(day):
    if not day:
        return None
    return (timezone.localdate() - day).days


@register.simple_tag
def main_menu(entries):
    """The navbar's links and dropdowns (``qiqing.navigation.menu_html``)."""
    from qiqing.navigation import menu_html

    return menu_html(entries)


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (pagination keeps filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def crispy_field(bound):
    """``|as_crispy_field`` kept per process by everything its HTML depends on (qiqing.fieldmemo)."""
    from qiqing import fieldmemo

    return fieldmemo.render(bound)

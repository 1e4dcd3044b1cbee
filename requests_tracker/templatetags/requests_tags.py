from django import template

from requests_tracker.models import Request

register = template.Library()
_LABELS = dict(Request.Status.choices)


@register.filter
def status_label(code: str) -> str:
    """The Chinese label of a status code stored on an event (from/to)."""
    return _LABELS.get(code, code)

from django import template

from requests_tracker.models import Request

register = template.Library()
_LABELS = dict(Request.Status.choices)


@register.filter
def status_label(code: str) -> str:
    """The label of a status code stored on an event (from/to), in the reader's language."""
    return _LABELS.get(code, code)

from django import template
from django.utils.translation import gettext as _

from qiqing.markup import html as fast_html
from requests_tracker.models import Request

register = template.Library()
_LABELS = dict(Request.Status.choices)


@register.filter
def status_label(code: str) -> str:
    """The label of a status code stored on an event (from/to), in the reader's language."""
    return _LABELS.get(code, code)


# Badges and deadlines as simple tags: lists render one per row, and an {% include %} per row cost
# the handler inbox a third of its time (issue 18). _status_badge.html and _due.html call these.


@register.simple_tag
def status_badge(obj) -> str:
    """The request's status badge, and 超期 while it is overdue."""
    html = fast_html(
        '<span class="badge qq-status qq-status-{}" data-status="{}">{}</span>',
        obj.status,
        obj.status,
        obj.get_status_display(),
    )
    if obj.is_overdue:
        html += fast_html(' <span class="badge text-bg-danger" data-status="overdue">{}</span>', _("超期"))
    return html


@register.simple_tag
def due_date(due, late=False, estimated=False) -> str:
    """A deadline (red when late), marked 估算 while that year's holidays are not published."""
    if not due:
        return "—"
    html = fast_html('<span class="qq-nowrap{}">{}</span>', " qq-overdue" if late else "", f"{due:%Y-%m-%d}")
    if estimated:
        html += fast_html(
            ' <span class="badge text-bg-warning" title="{}">{}</span>',
            _("所涉年份的放假安排尚未公布，暂按周末和法定节日估算"),
            _("估算"),
        )
    return html

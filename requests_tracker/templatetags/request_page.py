"""The request page's timeline drawn in Python: one ``format_html`` per event instead of a dozen
template nodes (issue 18; the request with the longest history has the most). The HTML is the
one the template drew."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from requests_tracker.templatetags.requests_tags import status_label

register = template.Library()


@register.simple_tag
def timeline(events, internal) -> str:
    """The ``<li>`` of every event (or 暂无记录)."""
    events = list(events)
    if not events:
        return format_html('<li class="text-body-secondary">{}</li>', _("暂无记录"))
    return format_html_join("", "{}", ((_event(event, internal),) for event in events))


def _event(event, internal) -> str:
    meta = [format_html("{}", timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"))]
    if internal and event.actor:
        meta.append(format_html(" · {}", event.actor.get_full_name() or event.actor.username))
    if event.imported:
        meta.append(format_html(" · {}", _("台账导入")))
    if internal and not event.public:
        meta.append(format_html(' · <span class="badge text-bg-light">{}</span>', _("内部")))
    if internal and event.from_status != event.to_status and event.from_status:
        meta.append(format_html(" · {} → {}", status_label(event.from_status), status_label(event.to_status)))
    note = ""
    if event.note:
        note = format_html('{}<span class="qq-prewrap">{}</span>', _("："), event.note)
    reason = ""
    data = event.data or {}
    if internal and event.action == "escalate" and isinstance(data, dict) and data.get("reason"):
        reason = format_html(
            '<div class="small text-body-secondary qq-prewrap">{}{}</div>', _("上报理由："), data["reason"]
        )
    return format_html(
        '<li class="qq-event-{}"><div class="small text-body-secondary">{}</div>'
        "<div><strong>{}</strong>{}</div>{}</li>",
        event.action,
        mark_safe("".join(meta)),  # each part escaped by format_html above
        event.get_action_display(),
        note,
        reason,
    )

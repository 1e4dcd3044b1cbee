"""Rows of the cadre's home (我的企业) drawn in Python: each enterprise appears twice (the phone
card and the desktop table row), and per-row includes, ``{% url %}`` and ``{% translate %}``
nodes were most of the page's rendering time. The HTML is the one the template drew."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def _urls(row) -> tuple[str, str]:
    """(enterprise file, log a visit for it), reversed once per row for both layouts."""
    urls = getattr(row, "_urls", None)
    if urls is None:
        pk = row.enterprise.pk
        urls = (reverse("visits:enterprise_file", args=[pk]), f"{reverse('visits:log')}?enterprise={pk}")
        row._urls = urls
    return urls


def _last_visit(row) -> str:
    if not row.last_visit:
        return format_html('<span class="text-danger">{}</span>', _("从未走访"))
    if row.days_since == 0:
        ago = _("今天")
    else:
        ago = ngettext("%(days)s 天前", "%(days)s 天前", row.days_since) % {"days": row.days_since}
    return format_html(
        '{} <span class="text-body-secondary">{}{}{}</span>',
        row.last_visit.isoformat(),
        _("（"),
        ago,
        _("）"),
    )


def _due_badge(row, spaced: bool) -> str:
    if not row.due:
        return ""
    if spaced:
        return format_html(' <span class="badge text-bg-warning">{}</span>', _("待走访"))
    return format_html('<span class="badge text-bg-warning flex-shrink-0">{}</span>', _("待走访"))


@register.simple_tag
def my_enterprise_card(row):
    """The phone card of one enterprise."""
    file_url, log_url = _urls(row)
    enterprise = row.enterprise
    border = " border-danger" if row.overdue_requests else (" border-warning" if row.due else "")
    overdue = ""
    if row.overdue_requests:
        n = row.overdue_requests
        overdue = format_html(
            ' · <span class="qq-overdue">{}</span>', ngettext("超期 %(n)s 件", "超期 %(n)s 件", n) % {"n": n}
        )
    return format_html(
        '<div class="card{}" data-enterprise="{}"><div class="card-body p-3">'
        '<div class="d-flex justify-content-between align-items-start gap-2">'
        '<a class="fw-semibold text-decoration-none" href="{}">{}</a>{}</div>'
        '<div class="small text-body-secondary">{} · {}</div>'
        '<div class="small mt-1">{}{}{}</div>'
        '<div class="small">{}{}{}{}</div>'
        '<a class="btn btn-primary w-100 mt-2" href="{}"><i class="bi bi-pencil-square"></i> {}</a>'
        "</div></div>",
        border,
        enterprise.pk,
        file_url,
        enterprise.name,
        _due_badge(row, spaced=False),
        enterprise.town.name,
        enterprise.industry or "—",
        _("上次走访"),
        _("："),
        _last_visit(row),
        _("在办诉求"),
        _("："),
        row.open_requests,
        overdue,
        log_url,
        _("登记走访"),
    )


@register.simple_tag
def my_enterprise_tr(row):
    """The desktop table row of one enterprise."""
    file_url, log_url = _urls(row)
    enterprise = row.enterprise
    return format_html(
        '<tr><td><a href="{}">{}</a>{}</td><td>{}</td><td>{}</td>'
        '<td class="qq-nowrap">{}</td><td class="text-end">{}</td><td class="text-end{}">{}</td>'
        '<td class="text-end"><a class="btn btn-sm btn-primary qq-nowrap" href="{}">'
        '<i class="bi bi-pencil-square"></i> {}</a></td></tr>',
        file_url,
        enterprise.name,
        _due_badge(row, spaced=True),
        enterprise.town.name,
        enterprise.industry or "—",
        _last_visit(row),
        row.open_requests,
        mark_safe(" qq-overdue") if row.overdue_requests else "",
        row.overdue_requests,
        log_url,
        _("登记走访"),
    )

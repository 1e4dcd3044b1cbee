"""Rows of the handler inbox and the supervisor's triage desk drawn in Python.

A page holds 50–500 rows; the template loop's variable lookups, ``{% url %}``, ``{% translate %}``
nodes and the per-row team-suggestion include were most of the page's time at province scale
(README "Issue 18, sixth pass"). The HTML is the one the templates drew.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests_tracker.models import Request
from requests_tracker.templatetags.requests_tags import due_date, status_badge

register = template.Library()


def _t(message: str) -> str:
    """A message as ``{% translate %}`` prints it: translations are trusted, never escaped."""
    return mark_safe(_(message))


def _pt(message: str) -> str:
    return mark_safe(pgettext("deadline", message))


def _detail_url(pk) -> str:
    return reverse("requests_tracker:detail", args=[pk])


def _inbox_deadlines(obj) -> str:
    parts = []
    estimated = obj.deadline_estimated
    if obj.assist_open:
        parts.append(
            format_html("<div>{} {}</div>", _pt("协办反馈"), due_date(obj.assist_due, False, estimated))
        )
    if obj.is_lead and obj.awaiting_sign:
        parts.append(
            format_html("<div>{} {}</div>", _pt("签收"), due_date(obj.sign_due, obj.sign_overdue, estimated))
        )
    elif obj.is_lead and obj.awaiting_contact:
        parts.append(
            format_html(
                "<div>{} {}</div>",
                _pt("联系"),
                due_date(obj.contact_due, obj.contact_overdue, estimated),
            )
        )
    if obj.status == Request.Status.RESPONDED:
        parts.append(format_html('<span class="text-body-secondary">{}</span>', _t("待企业评价")))
    else:
        parts.append(
            format_html(
                "<div>{} {}</div>", _pt("答复"), due_date(obj.response_due, obj.is_overdue, estimated)
            )
        )
    return mark_safe("".join(parts))


@register.simple_tag
def inbox_row(obj) -> str:
    """One row of the handler inbox (本单位待办诉求)."""
    badge = status_badge(obj)
    flags = mark_safe("")
    if obj.extension_pending:
        flags += format_html(
            ' <span class="badge bg-warning-subtle text-warning-emphasis border border-warning-subtle">{}</span>',
            _t("延期审批中"),
        )
    if obj.assist_open:
        flags += format_html(' <span class="badge text-bg-warning">{}</span>', _t("待协办反馈"))
    assisting = "" if obj.is_lead else format_html(" · {}", _t("协办"))
    return format_html(
        "<tr{}>"
        '<td class="qq-nowrap"><a href="{}">{}</a><div class="d-md-none">{}</div></td>'
        '<td>{}<div class="small text-body-secondary">{}{}</div></td>'
        '<td class="d-none d-md-table-cell">{}{}</td>'
        '<td class="d-none d-md-table-cell">{}</td>'
        '<td class="small">{}</td>'
        "</tr>",
        mark_safe(' class="table-danger"') if obj.is_overdue else "",
        _detail_url(obj.pk),
        obj.ref,
        badge,
        obj.enterprise.name,
        obj.category.name,
        assisting,
        badge,
        flags,
        _t("主办") if obj.is_lead else _t("协办"),
        _inbox_deadlines(obj),
    )


def _returned_badge(obj) -> str:
    if not obj.return_count:
        return ""
    label = _("退回 %(n)s 次") % {"n": obj.return_count}
    if obj.flagged:
        return format_html(
            ' <span class="badge text-bg-danger" title="{}">{}</span>', _t("多次退回，请决定"), label
        )
    return format_html(' <span class="badge text-bg-light">{}</span>', label)


def _team_suggestion(obj) -> str:
    """The service team a cadre routed the request to (a suggestion, never an assignment), read
    through the triage queue's joined ``team__leader`` and prefetched ``team__units``."""
    team = obj.team
    if team is None:
        return ""
    leader = format_html("（{} {}）", _t("组长"), team.leader.name) if team.leader else ""
    units = team.units.all()
    if units:
        units = format_html(" · {}", format_html_join("、", "{}", ((u.name,) for u in units)))
    return format_html(
        '<div class="small" data-team-suggestion><span class="badge text-bg-info">'
        '<i class="bi bi-people"></i> {}</span> {}{}{}</div>',
        _t("建议转服务小组"),
        team.name,
        leader,
        units or "",
    )


@register.simple_tag
def triage_row(obj, route) -> str:
    """One row of the triage desk (受理分办): tick box, returns, merge, team and catalogue route."""
    tick = ""
    merged = ""
    if obj.parent_id:
        merged = format_html(
            '<div><span class="badge text-bg-info">{}</span></div>',
            _("已并入 %(ref)s") % {"ref": obj.parent.ref},
        )
    else:
        tick = format_html(
            '<input class="form-check-input qq-tick" type="checkbox" name="requests" value="{}" aria-label="{}">',
            obj.pk,
            obj.ref,
        )
    if route:
        suggestion = format_html(
            '<span class="text-success"><i class="bi bi-signpost-split"></i> {}</span>', route.why
        )
    else:
        suggestion = format_html(
            '<span class="text-body-secondary">{}</span>', _t("派单目录无此类别，请单独交办")
        )
    enterprise = obj.enterprise
    return format_html(
        "<tr>"
        "<td>{}</td>"
        '<td class="qq-nowrap"><a href="{}">{}</a>{}{}</td>'
        '<td>{}<div class="small text-body-secondary">{} · {} · {}</div>{}</td>'
        '<td class="d-none d-md-table-cell small text-break">{}</td>'
        '<td class="d-none d-lg-table-cell small">{}</td>'
        '<td class="d-none d-sm-table-cell qq-nowrap small">{}</td>'
        "</tr>",
        tick,
        _detail_url(obj.pk),
        obj.ref,
        _returned_badge(obj),
        merged,
        enterprise.name,
        enterprise.town.name,
        obj.category.name,
        obj.get_source_display(),
        _team_suggestion(obj),
        Truncator(obj.description).chars(60),
        suggestion,
        date_filter(timezone.localtime(obj.submitted_at), "Y-m-d H:i"),
    )
